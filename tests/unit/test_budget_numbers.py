"""The spec filter's memory budget counts the limits the roles really set: its defaults are
read here from the roles' own defaults and vars, rendered by Ansible's templating."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_checks

ROLES = Path(__file__).resolve().parents[2] / "roles"


def _role_value(role: str, var: str, spec: dict) -> str:
    variables = {"onebox_spec": spec}
    for part in ("defaults", "vars"):
        path = ROLES / role / part / "main.yml"
        if path.is_file():
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            # the roles' files are trusted templates, as Ansible treats them
            variables.update(
                {k: trust_as_template(v) if isinstance(v, str) else v for k, v in data.items()}
            )
    templar = Templar(loader=DataLoader(), variables=variables)
    return str(templar.template(variables[var])).strip()


@pytest.mark.parametrize(
    ("key", "role", "var"),
    [
        ("web", "app", "app_memory_limit"),
        ("redis", "redis", "redis_memory_limit"),
        ("postgres", "postgres", "postgres_memory_limit"),
        ("nginx", "nginx", "nginx_memory_limit"),
        ("alloy", "alloy", "alloy_memory_limit"),
    ],
)
def test_budget_default_is_the_roles_default(key, role, var):
    assert spec_checks.DEFAULT_LIMITS[key] == _role_value(role, var, {})


@pytest.mark.parametrize("maxmemory", ["256mb", "384mb", "1gb", "200mb", "100000kb"])
def test_redis_limit_from_a_stated_maxmemory_is_the_roles(maxmemory):
    role = _role_value("redis", "redis_memory_limit", {"redis_maxmemory": maxmemory})
    assert spec_checks._redis_default({"redis_maxmemory": maxmemory}) == role


def test_redis_limit_leaves_a_quarter_for_overhead():
    # 4/3 of 384mb is 512m, whose three quarters are 384mb again (read from the role)
    assert _role_value("redis", "redis_memory_limit", {"redis_maxmemory": "384mb"}) == "512m"
    assert _role_value("redis", "redis_maxmemory", {"redis_memory_limit": "512m"}) == "384mb"
