"""The vault file editor behind onebox.vps.vault_update (rotate_secrets.yml)."""

from __future__ import annotations

import pytest
import yaml
from ansible_collections.onebox.vps.plugins.plugin_utils.vault_yaml import (
    VaultYamlError,
    apply_updates,
)

VAULT = """\
---
# Every secret the stack needs.
vault_redis_password: old-redis
vault_postgres_password: old-postgres
# The app's secrets.
vault_app_secret_values:
  DATABASE_URL: postgresql://app:x@db/app
  JWT_SECRET: "00aa"
# Loki (empty URL: no Alloy).
vault_alloy_loki_url: ""
"""


def test_set_values_keeps_comments_order_and_other_keys():
    out = apply_updates(
        VAULT,
        [
            {"path": ["vault_redis_password"], "value": "new-redis"},
            {"path": ["vault_app_secret_values", "JWT_SECRET"], "value": "11bb"},
            {"path": ["vault_app_secret_values", "JWT_SECRET_PREVIOUS"], "value": "00aa"},
            {"path": ["vault_secret_rotations", "JWT_SECRET"], "value": "2025-01-01T00:00:00Z"},
        ],
    )
    data = yaml.safe_load(out)
    assert data["vault_redis_password"] == "new-redis"
    assert data["vault_postgres_password"] == "old-postgres"
    assert data["vault_app_secret_values"] == {
        "DATABASE_URL": "postgresql://app:x@db/app",
        "JWT_SECRET": "11bb",
        "JWT_SECRET_PREVIOUS": "00aa",
    }
    assert data["vault_secret_rotations"] == {"JWT_SECRET": "2025-01-01T00:00:00Z"}
    lines = out.splitlines()
    assert lines[0] == "---"
    for comment in ("# Every secret the stack needs.", "# The app's secrets."):
        assert comment in lines
    # the comment introducing the next key stays before it, after the key added to the map
    loki = lines.index("# Loki (empty URL: no Alloy).")
    assert lines[loki - 1].strip().startswith("JWT_SECRET_PREVIOUS:")
    assert lines[loki + 1].startswith("vault_alloy_loki_url:")


def test_remove_values():
    out = apply_updates(
        VAULT,
        [
            {"path": ["vault_app_secret_values", "JWT_SECRET"], "state": "absent"},
            {"path": ["vault_app_secret_values", "NOT_THERE"], "state": "absent"},
        ],
    )
    data = yaml.safe_load(out)
    assert data["vault_app_secret_values"] == {"DATABASE_URL": "postgresql://app:x@db/app"}
    assert "# Loki (empty URL: no Alloy)." in out


@pytest.mark.parametrize("value", ["0123456789", "1e10", "true", "null", "0x1f", "007"])
def test_values_that_look_like_other_types_stay_strings(value):
    out = apply_updates(VAULT, [{"path": ["vault_redis_password"], "value": value}])
    assert yaml.safe_load(out)["vault_redis_password"] == value


def test_an_empty_file_gets_the_values():
    out = apply_updates("", [{"path": ["a", "b"], "value": "c"}])
    assert yaml.safe_load(out) == {"a": {"b": "c"}}


@pytest.mark.parametrize(
    ("text", "updates", "message"),
    [
        ("- a\n- b\n", [{"path": ["a"], "value": "x"}], "mapping of variables"),
        ("a: [\n", [{"path": ["a"], "value": "x"}], "not valid YAML"),
        ("a: scalar\n", [{"path": ["a", "b"], "value": "x"}], "not a mapping"),
        ("a: 1\n", [{"path": [], "value": "x"}], "needs a path"),
        ("a: 1\n", [{"path": "a", "value": "x"}], "needs a path"),
        ("a: 1\n", [{"path": ["a"]}], "no value given"),
    ],
)
def test_bad_input_is_refused(text, updates, message):
    with pytest.raises(VaultYamlError, match=message):
        apply_updates(text, updates)
