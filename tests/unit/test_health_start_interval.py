"""onebox.vps.health_start_interval: start_interval goes only into health checks with a start
period, never over one a service set itself, and not at all when the interval is empty (the
stack role passes '' to engines older than Docker 25, whose compose refuses the key)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter.health import health_start_interval

SERVICES = {
    "app": {
        "image": "a",
        "healthcheck": {"test": ["CMD", "true"], "interval": "10s", "start_period": "10s"},
    },
    "own": {"healthcheck": {"test": ["CMD", "true"], "start_period": "5s", "start_interval": "2s"}},
    "no_period": {"healthcheck": {"test": ["CMD", "true"], "interval": "10s"}},
    "unchecked": {"image": "b"},
}


def test_added_only_where_a_start_period_is_and_none_was_set():
    out = health_start_interval(SERVICES, "1s")
    assert out["app"]["healthcheck"] == {
        "test": ["CMD", "true"],
        "interval": "10s",
        "start_period": "10s",
        "start_interval": "1s",
    }
    assert out["app"]["image"] == "a"
    assert out["own"]["healthcheck"]["start_interval"] == "2s"
    assert "start_interval" not in out["no_period"]["healthcheck"]
    assert out["unchecked"] == {"image": "b"}
    # the input is left as it was
    assert "start_interval" not in SERVICES["app"]["healthcheck"]


def test_an_empty_interval_changes_nothing():
    assert health_start_interval(SERVICES, "") == SERVICES


@pytest.mark.parametrize("bad", [[], {"app": "x"}, None])
def test_not_a_services_mapping_is_an_error(bad):
    with pytest.raises(AnsibleFilterError, match="services mapping"):
        health_start_interval(bad, "1s")
