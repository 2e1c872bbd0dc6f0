"""The filter ``onebox.vps.rotation_plan``: what ``playbooks/rotate_secrets.yml`` changes, worked
out from the vault's values, the request (``-e secret=NAME|all|expired``) and what the stack
runs. Pure: the playbook reads the vault, the host's files and generates the new values
(``openssl rand -hex 32`` on the controller); this filter only decides.

The rules, as the runbook documents them (docs/runbooks/rotate_secrets.md):

- rotatable: the app's secrets the spec generates (``hex32``), then ``redis_password`` and
  ``postgres_password`` when Redis and PostgreSQL run in the project;
- ``secret=all`` rotates every rotatable name, ``secret=expired`` none, any other value that name;
- a rotation time (``vault_secret_rotations``) older than ``now - overlap_hours`` has expired;
  a name rotated at or after it is inside its overlap window (the playbook refuses it unless
  ``-e force=true``);
- retired: the expired names and the names rotated now that have a rotation time; their
  ``<NAME>_PREVIOUS`` and rotation time are removed from the vault;
- an app secret rotated now keeps its value until now as ``<NAME>_PREVIOUS`` and records
  ``now`` as its rotation time; Redis and PostgreSQL passwords are replaced, nothing kept.

Nothing it raises or returns outside ``secrets``, ``updates`` and ``postgres.login_password``
holds a secret value; the playbook keeps those tasks ``no_log``.
Documentation is in the sidecar file ``rotation_plan.yml``.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError

try:  # ansible-core >= 2.19: AnsibleFilterTypeError is a deprecated alias of AnsibleTypeError
    from ansible.errors import AnsibleTypeError as AnsibleFilterTypeError
except ImportError:  # older ansible-core
    from ansible.errors import AnsibleFilterTypeError

NAME = "rotation_plan"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
STORES = (("redis", "redis_password"), ("postgres", "postgres_password"))
LOGIN = "__login"  # the key of the temporary PostgreSQL login's password among the new values
# where inventories/prod keeps each value (the playbook's rotate_secrets_vault_keys)
VAULT_KEYS = {
    "redis_password": "vault_redis_password",
    "postgres_password": "vault_postgres_password",
    "app_secret_values": "vault_app_secret_values",
    "rotations": "vault_secret_rotations",
}
# postgres.env's lines, NAME='value' or NAME=value (onebox.vps.postgres writes the quoted form)
ENV_LINE = re.compile(r"^([A-Z_]+)='?(.*?)'?$")


def _mapping(what: str, value: Any) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnsibleFilterTypeError(
            f"{NAME}: {what} must be a mapping, got {type(value).__name__}"
        )
    return value


def _names(what: str, value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise AnsibleFilterTypeError(f"{NAME}: {what} must be a list, got {type(value).__name__}")
    return list(value)


def _unique(items: list) -> list:
    """Ansible's ``unique`` (Jinja's, case-insensitive for strings), first occurrence kept."""
    seen: set = set()
    out = []
    for item in items:
        key = item.lower() if isinstance(item, str) else item
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _cutoff(now: Any, overlap_hours: Any) -> str:
    """The oldest rotation time still inside the overlap window, in the vault's format."""
    try:
        start = calendar.timegm(time.strptime(str(now), TIME_FORMAT))
    except ValueError as exc:
        raise AnsibleFilterError(f"{NAME}: now must be a UTC time as {TIME_FORMAT}") from exc
    if isinstance(overlap_hours, bool):
        raise AnsibleFilterTypeError(f"{NAME}: overlap_hours must be a number of hours")
    try:
        hours = float(overlap_hours)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError(
            f"{NAME}: overlap_hours must be a number of hours, got {overlap_hours!r}"
        ) from exc
    return time.strftime(TIME_FORMAT, time.gmtime(start - hours * 3600))


def _postgres_env(text: Any) -> dict[str, str]:
    """postgres.env as a mapping: its lines with a '=', quotes around a value dropped."""
    if text is None:
        return {}
    if not isinstance(text, str):
        raise AnsibleFilterTypeError(f"{NAME}: postgres_env must be the text of postgres.env")
    env = {}
    for line in text.splitlines():
        if "=" in line:
            key, val = ENV_LINE.sub(r"\1=\2", line).split("=", 1)
            env[key] = val
    return env


def _sha256(value: Any) -> str:
    return hashlib.sha256(str(value).encode("utf-8", "surrogateescape")).hexdigest()


def _disagree(old: Mapping, services: list, host: Mapping) -> list[str]:
    """The data stores whose password on the host is not the vault's: Redis's users.acl holds
    '#<sha256>' on the app user's line, PostgreSQL's password file has the value's sha256."""
    out = []
    if "redis" in services:
        user = str(host.get("redis_user", "app"))
        lines = str(host.get("redis_acl") or "").splitlines()
        acl = "".join(line for line in lines if line.startswith(f"user {user} "))
        if "#" + _sha256(old.get("redis_password", "")) not in acl:
            out.append("redis")
    if "postgres" in services:
        checksum = str(host.get("postgres_password_sha256") or "")
        if _sha256(old.get("postgres_password", "")) not in checksum:
            out.append("postgres")
    return out


def _summary(names: list, app_names: list, retire: list, overlap_hours: Any) -> str:
    def words(items: list) -> str:
        return ", ".join(str(i) for i in items) or "nothing"

    retired = [f"{n}_PREVIOUS" for n in retire if n not in names]
    return (
        f"rotate: {words(names)}; keep as <NAME>_PREVIOUS for {overlap_hours}h: "
        f"{words(app_names)}; retire: {words(retired)}"
    )


def rotation_plan(
    value: Any,
    secret: Any,
    generated: Any,
    services: Any,
    now: Any,
    overlap_hours: Any = 24,
    keys: Any = None,
    postgres_env: Any = "",
    host: Any = None,
    new: Any = None,
) -> dict[str, Any]:
    """The rotation plan of *value* (the vault's ``redis_password``, ``postgres_password``,
    ``app_secret_values`` and ``rotations``) for the request *secret*. Without *new* (the fresh
    values by name, and ``__login``) ``secrets`` and ``updates`` are None: the playbook asks once
    for the names to generate values for, then again with them."""
    old = _mapping("the vault's values", value)
    app_old = _mapping("app_secret_values", old.get("app_secret_values"))
    rotations = _mapping("rotations", old.get("rotations"))
    app_generated = _names("generated", generated)
    services = _names("services", services)
    host = _mapping("host", host)
    keys = {**VAULT_KEYS, **_mapping("keys", keys)}

    stores = [name for service, name in STORES if service in services]
    rotatable = app_generated + stores
    if secret == "all":
        names = list(rotatable)
    elif secret == "expired":
        names = []
    else:
        names = [secret]
    app_names = [n for n in names if n in app_generated]
    refused = [n for n in names if n not in rotatable or (n in app_generated and n not in app_old)]

    for key, when in rotations.items():
        if not isinstance(when, str):
            raise AnsibleFilterError(
                f"{NAME}: the rotation time of {key} is not a string as {TIME_FORMAT}"
            )
    cutoff = _cutoff(now, overlap_hours)
    expired = [k for k, when in rotations.items() if when < cutoff]
    in_window = [k for k, when in rotations.items() if when >= cutoff and k in names]
    retire = [n for n in _unique(expired + names) if n in rotations]

    pg_env = _postgres_env(postgres_env)
    pg_app = pg_env.get("ONEBOX_APP_USER", pg_env.get("POSTGRES_USER", "app"))
    plan: dict[str, Any] = {
        "names": names,
        "rotatable": rotatable,
        "refused": refused,
        "disagree": _disagree(old, services, host),
        "expired": expired,
        "in_window": in_window,
        "retire": retire,
        "generate": names + ([LOGIN] if "postgres_password" in names else []),
        "summary": _summary(names, app_names, retire, overlap_hours),
        "postgres": {
            "env": pg_env,
            "app_role": pg_app,
            "login_role": f"{pg_app}_rotating",
            "login_password": "",
        },
        "secrets": None,
        "updates": None,
    }
    if new is None:
        return plan

    new = _mapping("new", new)
    if refused:
        raise AnsibleFilterError(f"{NAME}: cannot rotate {', '.join(map(str, refused))}")
    missing = [n for n in plan["generate"] if n not in new]
    if missing:
        raise AnsibleFilterError(f"{NAME}: no new value for {', '.join(map(str, missing))}")

    retired = {f"{n}_PREVIOUS" for n in retire}
    app_values = {k: v for k, v in app_old.items() if k not in retired}
    app_values.update({k: v for k, v in new.items() if k in app_generated})
    app_values.update({f"{n}_PREVIOUS": app_old[n] for n in app_names})
    values = {
        "redis_password": new.get("redis_password", old.get("redis_password", "")),
        "postgres_password": new.get("postgres_password", old.get("postgres_password", "")),
        "app_secret_values": app_values,
    }

    app_key, rotations_key = keys["app_secret_values"], keys["rotations"]
    updates: list[dict[str, Any]] = [
        {"path": [keys[store]], "value": values[store]}
        for _unused, store in STORES
        if store in names
    ]
    for name in retire:
        updates.append({"path": [app_key, f"{name}_PREVIOUS"], "state": "absent"})
        updates.append({"path": [rotations_key, name], "state": "absent"})
    for name in app_names:
        previous = f"{name}_PREVIOUS"
        updates.append({"path": [app_key, name], "value": app_values[name]})
        updates.append({"path": [app_key, previous], "value": app_values[previous]})
        updates.append({"path": [rotations_key, name], "value": now})

    plan["secrets"] = values
    plan["updates"] = updates
    plan["postgres"]["login_password"] = new.get(LOGIN, "")
    return plan


class FilterModule:
    """onebox.vps secret rotation."""

    def filters(self) -> dict[str, Any]:
        return {"rotation_plan": rotation_plan}
