"""onebox.vps.rotation_plan: the plan of playbooks/rotate_secrets.yml. Expected values are
written by hand from the playbook's rules and the inputs."""

from __future__ import annotations

import hashlib

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter.rotation import FilterModule, rotation_plan

NOW = "2026-03-10T12:00:00Z"
H30 = "2026-03-09T06:00:00Z"  # 30 hours before NOW: outside a 24 h window
H2 = "2026-03-10T10:00:00Z"  # 2 hours before NOW: inside it
CUTOFF = "2026-03-09T12:00:00Z"  # NOW - 24 h: still inside
GENERATED = ["JWT_SECRET", "ENCRYPTION_KEY"]
STACK = ["app", "nginx", "redis", "postgres"]
PG_ENV = "POSTGRES_USER='admin'\nPOSTGRES_DB='shop'\nONEBOX_APP_USER='shopapp'\n"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def old(rotations=None, **app):
    return {
        "redis_password": "redis-old",
        "postgres_password": "pg-old",
        "app_secret_values": app
        or {
            "JWT_SECRET": "jwt-old",
            "JWT_SECRET_PREVIOUS": "jwt-older",
            "ENCRYPTION_KEY": "enc-old",
        },
        "rotations": rotations or {},
    }


HOST = {
    "redis_user": "app",
    "redis_acl": f"user default off\nuser app on #{sha('redis-old')} ~* +@all\n",
    "postgres_password_sha256": sha("pg-old"),
}


def plan(vault, secret, services=None, new=None, **kw):
    services = STACK if services is None else services
    kw.setdefault("host", HOST)
    kw.setdefault("postgres_env", PG_ENV)
    return rotation_plan(vault, secret, GENERATED, services, NOW, new=new, **kw)


def fresh(names):
    return {name: f"new-{name}" for name in names}


def test_the_plugin_exports_the_filter():
    assert FilterModule().filters() == {"rotation_plan": rotation_plan}


def test_all_rotates_every_generated_secret_and_both_stores_in_order():
    vault = old()
    first = plan(vault, "all")
    assert first["names"] == [
        "JWT_SECRET",
        "ENCRYPTION_KEY",
        "redis_password",
        "postgres_password",
    ]
    assert first["rotatable"] == first["names"]
    assert first["refused"] == [] and first["disagree"] == []
    assert first["generate"] == [*first["names"], "__login"]
    assert first["secrets"] is None and first["updates"] is None

    p = plan(vault, "all", new=fresh(first["generate"]))
    assert p["secrets"] == {
        "redis_password": "new-redis_password",
        "postgres_password": "new-postgres_password",
        "app_secret_values": {
            "JWT_SECRET": "new-JWT_SECRET",
            # no rotation time recorded: the old _PREVIOUS is not retired, it is overwritten
            "JWT_SECRET_PREVIOUS": "jwt-old",
            "ENCRYPTION_KEY": "new-ENCRYPTION_KEY",
            "ENCRYPTION_KEY_PREVIOUS": "enc-old",
        },
    }
    assert p["updates"] == [
        {"path": ["vault_redis_password"], "value": "new-redis_password"},
        {"path": ["vault_postgres_password"], "value": "new-postgres_password"},
        {"path": ["vault_app_secret_values", "JWT_SECRET"], "value": "new-JWT_SECRET"},
        {"path": ["vault_app_secret_values", "JWT_SECRET_PREVIOUS"], "value": "jwt-old"},
        {"path": ["vault_secret_rotations", "JWT_SECRET"], "value": NOW},
        {"path": ["vault_app_secret_values", "ENCRYPTION_KEY"], "value": "new-ENCRYPTION_KEY"},
        {"path": ["vault_app_secret_values", "ENCRYPTION_KEY_PREVIOUS"], "value": "enc-old"},
        {"path": ["vault_secret_rotations", "ENCRYPTION_KEY"], "value": NOW},
    ]
    assert p["postgres"] == {
        "env": {"POSTGRES_USER": "admin", "POSTGRES_DB": "shop", "ONEBOX_APP_USER": "shopapp"},
        "app_role": "shopapp",
        "login_role": "shopapp_rotating",
        "login_password": "new-__login",
    }
    assert p["summary"] == (
        "rotate: JWT_SECRET, ENCRYPTION_KEY, redis_password, postgres_password; "
        "keep as <NAME>_PREVIOUS for 24h: JWT_SECRET, ENCRYPTION_KEY; retire: nothing"
    )


def test_one_name_keeps_the_others_untouched():
    p = plan(old(), "ENCRYPTION_KEY", new={"ENCRYPTION_KEY": "e1"})
    assert p["names"] == ["ENCRYPTION_KEY"] and p["generate"] == ["ENCRYPTION_KEY"]
    assert p["secrets"]["redis_password"] == "redis-old"
    assert p["secrets"]["postgres_password"] == "pg-old"
    assert p["secrets"]["app_secret_values"] == {
        "JWT_SECRET": "jwt-old",
        "JWT_SECRET_PREVIOUS": "jwt-older",
        "ENCRYPTION_KEY": "e1",
        "ENCRYPTION_KEY_PREVIOUS": "enc-old",
    }
    assert p["updates"] == [
        {"path": ["vault_app_secret_values", "ENCRYPTION_KEY"], "value": "e1"},
        {"path": ["vault_app_secret_values", "ENCRYPTION_KEY_PREVIOUS"], "value": "enc-old"},
        {"path": ["vault_secret_rotations", "ENCRYPTION_KEY"], "value": NOW},
    ]
    assert p["postgres"]["login_password"] == ""
    assert p["summary"] == (
        "rotate: ENCRYPTION_KEY; keep as <NAME>_PREVIOUS for 24h: ENCRYPTION_KEY; retire: nothing"
    )


def test_expired_retires_the_previous_values_past_the_window_and_rotates_nothing():
    vault = old(rotations={"JWT_SECRET": H30, "ENCRYPTION_KEY": H2, "GONE_KEY": H30})
    p = plan(vault, "expired", new={})
    assert p["names"] == [] and p["generate"] == []
    assert p["expired"] == ["JWT_SECRET", "GONE_KEY"]
    assert p["in_window"] == []  # ENCRYPTION_KEY is inside, but not rotated now
    assert p["retire"] == ["JWT_SECRET", "GONE_KEY"]
    assert p["updates"] == [
        {"path": ["vault_app_secret_values", "JWT_SECRET_PREVIOUS"], "state": "absent"},
        {"path": ["vault_secret_rotations", "JWT_SECRET"], "state": "absent"},
        {"path": ["vault_app_secret_values", "GONE_KEY_PREVIOUS"], "state": "absent"},
        {"path": ["vault_secret_rotations", "GONE_KEY"], "state": "absent"},
    ]
    assert p["secrets"]["app_secret_values"] == {
        "JWT_SECRET": "jwt-old",
        "ENCRYPTION_KEY": "enc-old",
    }
    assert p["summary"] == (
        "rotate: nothing; keep as <NAME>_PREVIOUS for 24h: nothing; "
        "retire: JWT_SECRET_PREVIOUS, GONE_KEY_PREVIOUS"
    )


def test_expired_with_nothing_to_retire_changes_nothing():
    p = plan(old(rotations={"JWT_SECRET": H2}), "expired", new={})
    assert p["retire"] == [] and p["updates"] == []
    assert (
        p["summary"] == "rotate: nothing; keep as <NAME>_PREVIOUS for 24h: nothing; retire: nothing"
    )


@pytest.mark.parametrize("when", [H2, CUTOFF])
def test_a_name_rotated_inside_the_window_is_named_in_window(when):
    """The playbook refuses it unless -e force=true; with force the plan is the same rotation."""
    vault = old(rotations={"JWT_SECRET": when})
    p = plan(vault, "JWT_SECRET", new={"JWT_SECRET": "j1"})
    assert p["expired"] == [] and p["in_window"] == ["JWT_SECRET"]
    assert p["retire"] == ["JWT_SECRET"]
    assert p["updates"] == [
        {"path": ["vault_app_secret_values", "JWT_SECRET_PREVIOUS"], "state": "absent"},
        {"path": ["vault_secret_rotations", "JWT_SECRET"], "state": "absent"},
        {"path": ["vault_app_secret_values", "JWT_SECRET"], "value": "j1"},
        {"path": ["vault_app_secret_values", "JWT_SECRET_PREVIOUS"], "value": "jwt-old"},
        {"path": ["vault_secret_rotations", "JWT_SECRET"], "value": NOW},
    ]
    # the one it replaces is rotated now: not listed as retired
    assert p["summary"].endswith("retire: nothing")


def test_a_second_rotation_after_the_window_retires_the_previous_value():
    vault = old(rotations={"JWT_SECRET": H30, "ENCRYPTION_KEY": H30})
    p = plan(vault, "JWT_SECRET", new={"JWT_SECRET": "j1"})
    assert p["expired"] == ["JWT_SECRET", "ENCRYPTION_KEY"] and p["in_window"] == []
    assert p["retire"] == ["JWT_SECRET", "ENCRYPTION_KEY"]
    assert p["secrets"]["app_secret_values"] == {
        "JWT_SECRET": "j1",
        "JWT_SECRET_PREVIOUS": "jwt-old",
        "ENCRYPTION_KEY": "enc-old",
    }
    assert p["updates"] == [
        {"path": ["vault_app_secret_values", "JWT_SECRET_PREVIOUS"], "state": "absent"},
        {"path": ["vault_secret_rotations", "JWT_SECRET"], "state": "absent"},
        {"path": ["vault_app_secret_values", "ENCRYPTION_KEY_PREVIOUS"], "state": "absent"},
        {"path": ["vault_secret_rotations", "ENCRYPTION_KEY"], "state": "absent"},
        {"path": ["vault_app_secret_values", "JWT_SECRET"], "value": "j1"},
        {"path": ["vault_app_secret_values", "JWT_SECRET_PREVIOUS"], "value": "jwt-old"},
        {"path": ["vault_secret_rotations", "JWT_SECRET"], "value": NOW},
    ]
    assert p["summary"] == (
        "rotate: JWT_SECRET; keep as <NAME>_PREVIOUS for 24h: JWT_SECRET; "
        "retire: ENCRYPTION_KEY_PREVIOUS"
    )


def test_overlap_hours_as_given_on_the_command_line():
    vault = old(
        rotations={"JWT_SECRET": "2026-03-10T11:30:00Z", "ENCRYPTION_KEY": "2026-03-10T11:29:59Z"}
    )
    p = plan(vault, "expired", overlap_hours="0.5")
    assert p["expired"] == ["ENCRYPTION_KEY"]
    assert "for 0.5h:" in p["summary"]
    assert plan(vault, "expired", overlap_hours="0")["expired"] == ["JWT_SECRET", "ENCRYPTION_KEY"]


def test_without_redis_and_postgres_only_the_app_secrets_rotate():
    p = plan(
        old(), "all", services=["app", "nginx"], new={"JWT_SECRET": "j1", "ENCRYPTION_KEY": "e1"}
    )
    assert p["rotatable"] == ["JWT_SECRET", "ENCRYPTION_KEY"] and p["names"] == p["rotatable"]
    assert p["disagree"] == []  # nothing read from the host is compared
    assert p["updates"] == [
        {"path": ["vault_app_secret_values", "JWT_SECRET"], "value": "j1"},
        {"path": ["vault_app_secret_values", "JWT_SECRET_PREVIOUS"], "value": "jwt-old"},
        {"path": ["vault_secret_rotations", "JWT_SECRET"], "value": NOW},
        {"path": ["vault_app_secret_values", "ENCRYPTION_KEY"], "value": "e1"},
        {"path": ["vault_app_secret_values", "ENCRYPTION_KEY_PREVIOUS"], "value": "enc-old"},
        {"path": ["vault_secret_rotations", "ENCRYPTION_KEY"], "value": NOW},
    ]
    assert "__login" not in p["generate"]
    assert plan(old(), "redis_password", services=["app"])["refused"] == ["redis_password"]


def test_redis_alone_replaces_the_password_and_keeps_nothing():
    p = plan(old(), "redis_password", new={"redis_password": "r1"})
    assert p["generate"] == ["redis_password"]
    assert p["updates"] == [{"path": ["vault_redis_password"], "value": "r1"}]
    assert p["secrets"]["app_secret_values"] == old()["app_secret_values"]
    assert (
        p["summary"]
        == "rotate: redis_password; keep as <NAME>_PREVIOUS for 24h: nothing; retire: nothing"
    )


@pytest.mark.parametrize(
    ("secret", "app"),
    [
        ("SENDGRID_API_KEY", None),  # not generated: its provider's
        ("nope", None),
        ("ENCRYPTION_KEY", {"JWT_SECRET": "jwt-old"}),  # generated, but no value in the vault yet
    ],
)
def test_names_that_cannot_be_rotated_are_refused(secret, app):
    vault = old(**(app or {}))
    p = plan(vault, secret)
    assert p["refused"] == [secret]
    with pytest.raises(AnsibleFilterError) as err:
        plan(vault, secret, new={secret: "s3cr3t-value"})
    assert "s3cr3t-value" not in str(err.value) and "jwt-old" not in str(err.value)


def test_host_and_vault_disagree_named_without_a_value():
    host = {"redis_user": "app", "redis_acl": "user app on #00\n", "postgres_password_sha256": "11"}
    p = plan(old(), "JWT_SECRET", host=host)
    assert p["disagree"] == ["redis", "postgres"]
    # the hash on another user's line does not count
    other = {**HOST, "redis_acl": f"user other on #{sha('redis-old')}\n"}
    assert plan(old(), "JWT_SECRET", host=other)["disagree"] == ["redis"]
    # no host files read (a data store that runs): they disagree
    assert plan(old(), "JWT_SECRET", host={})["disagree"] == ["redis", "postgres"]


def test_custom_vault_keys_and_the_older_postgres_env():
    keys = {
        "redis_password": "r",
        "postgres_password": "p",
        "app_secret_values": "a",
        "rotations": "t",
    }
    p = plan(
        old(),
        "all",
        keys=keys,
        postgres_env="POSTGRES_USER=app\nPOSTGRES_DB=app\n",
        new=fresh(
            ["JWT_SECRET", "ENCRYPTION_KEY", "redis_password", "postgres_password", "__login"]
        ),
    )
    assert [u["path"] for u in p["updates"][:3]] == [["r"], ["p"], ["a", "JWT_SECRET"]]
    assert p["updates"][4]["path"] == ["t", "JWT_SECRET"]
    assert p["postgres"]["app_role"] == "app" and p["postgres"]["login_role"] == "app_rotating"
    assert plan(old(), "all", postgres_env="")["postgres"]["app_role"] == "app"


def test_a_missing_new_value_is_an_error_naming_it():
    with pytest.raises(AnsibleFilterError, match="no new value for __login"):
        plan(old(), "postgres_password", new={"postgres_password": "p1"})


@pytest.mark.parametrize(
    "kw",
    [
        {"now": "yesterday"},
        {"overlap_hours": "a day"},
    ],
)
def test_bad_time_inputs_are_errors(kw):
    args = {"now": NOW, "overlap_hours": 24, **kw}
    with pytest.raises(AnsibleFilterError):
        rotation_plan(
            old(), "all", GENERATED, STACK, args["now"], overlap_hours=args["overlap_hours"]
        )


def test_a_rotation_time_that_is_not_a_string_is_an_error():
    with pytest.raises(AnsibleFilterError, match="rotation time of JWT_SECRET"):
        plan(old(rotations={"JWT_SECRET": 20260310}), "all")
