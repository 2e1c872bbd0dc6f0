"""onebox.vps.rollout_plan: the plan of the runbooks' `rollout` from compose's dry run. The dry
runs below are written by hand in the shape community.docker.docker_compose_v2 returns (its
`actions`: what, id, status; its `containers`: compose ps's ID, Name, Service, State, Health,
CreatedAt); the expected plans are worked out from the rules, by hand."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter import rollout
from ansible_collections.onebox.vps.plugins.filter.rollout import rollout_plan

REPO = Path(__file__).resolve().parents[2]

# the context of a shop: web `app` with two replicas, a worker pair and a scheduler
CONTEXT = {
    "web": "app",
    "processes": ["worker", "scheduler"],
    "singletons": ["scheduler"],
    "replicas": 2,
    "services": ["app", "worker", "scheduler", "nginx", "redis", "postgres"],
}


def container(name: str, service: str, created: str, state="running", health="") -> dict:
    return {
        "Command": '"docker-entrypoint.sh"',
        "CreatedAt": f"2026-03-01 10:{created} +0000 UTC",
        "ExitCode": 0 if state == "running" else 1,
        "Health": health,
        "ID": f"id-{name}",
        "Image": "acme/shop:1.0",
        "Name": name,
        "Names": [name],
        "Service": service,
        "State": state,
        "Status": "Up 2 minutes" if state == "running" else "Exited (1) 1 minute ago",
    }


def recreate(name: str, status="Recreate") -> dict:
    return {"what": "container", "id": name, "status": status}


def project(**changes) -> list[dict]:
    """The shop's containers, all running and on the wanted configuration, listed in compose's
    order (by name, not by age); *changes* replace containers by name (None removes one)."""
    containers = {
        "shop-app-1": container("shop-app-1", "app", "05:00", health="healthy"),
        "shop-app-2": container("shop-app-2", "app", "05:01", health="healthy"),
        "shop-nginx-1": container("shop-nginx-1", "nginx", "00:30", health="healthy"),
        "shop-postgres-1": container("shop-postgres-1", "postgres", "00:10", health="healthy"),
        "shop-redis-1": container("shop-redis-1", "redis", "00:20", health="healthy"),
        "shop-scheduler-1": container("shop-scheduler-1", "scheduler", "05:04"),
        "shop-worker-1": container("shop-worker-1", "worker", "05:02"),
        "shop-worker-2": container("shop-worker-2", "worker", "05:03"),
    }
    for name, c in changes.items():
        key = name.replace("_", "-")
        if c is None:
            del containers[key]
        else:
            containers[key] = c
    return list(containers.values())


def plan(containers, actions=(), **context):
    return rollout_plan(
        {"actions": list(actions), "containers": containers}, **{**CONTEXT, **context}
    )


NOTHING = {"web_stale": False, "replaced": [], "singletons": [], "one_by_one": []}


def test_nothing_to_do_is_settled():
    assert plan(project()) == {**NOTHING, "settled": True}


def test_an_outdated_web_container_makes_the_web_stale():
    result = plan(project(), [recreate("shop-app-2")])
    assert result == {**NOTHING, "web_stale": True, "settled": False}


def test_every_action_status_that_recreates_counts_but_not_others():
    # "Recreated" starts with Recreat as well
    assert plan(project(), [recreate("shop-app-1", "Recreated")])["web_stale"] is True
    # a container compose would only start is not outdated (but something is to do)
    result = plan(project(), [recreate("shop-app-1", "Starting")])
    assert result == {**NOTHING, "settled": False}
    # a network compose would create names no container
    result = plan(project(), [{"what": "network", "id": "shop-app-1", "status": "Recreate"}])
    assert result == {**NOTHING, "settled": False}


def test_a_web_replica_count_other_than_wanted_makes_the_web_stale():
    # one web container where two are wanted
    assert plan(project(shop_app_2=None)) == {**NOTHING, "web_stale": True, "settled": True}
    # two where three are wanted (the replicas setting raised; compose up --wait still runs:
    # the rollout runs it whenever the web is stale)
    assert plan(project(), replicas=3) == {**NOTHING, "web_stale": True, "settled": True}
    # the count as the context may hold it, a string of digits
    assert plan(project(), replicas="2") == {**NOTHING, "settled": True}


def test_a_web_container_not_running_makes_the_web_stale():
    stopped = container("shop-app-2", "app", "05:01", state="exited", health="unhealthy")
    assert plan(project(shop_app_2=stopped)) == {**NOTHING, "web_stale": True, "settled": False}


def test_a_stale_worker_is_replaced_on_its_own():
    result = plan(project(), [recreate("shop-worker-2")])
    worker_2 = project()[-1]
    assert worker_2["Name"] == "shop-worker-2"
    assert result == {
        "web_stale": False,
        "replaced": ["worker"],
        "singletons": [],
        "one_by_one": [["worker", worker_2]],
        "settled": False,
    }


def test_outdated_containers_come_before_the_ones_not_running():
    # worker-1 (older) has stopped, worker-2 (newer) is outdated: the outdated one goes first
    stopped = container("shop-worker-1", "worker", "05:02", state="exited")
    result = plan(project(shop_worker_1=stopped), [recreate("shop-worker-2")])
    assert [c["Name"] for _unused, c in result["one_by_one"]] == ["shop-worker-2", "shop-worker-1"]
    assert result["replaced"] == ["worker"]
    assert result["settled"] is False


def test_a_worker_not_running_is_stale_without_any_action():
    stopped = container("shop-worker-1", "worker", "05:02", state="exited")
    result = plan(project(shop_worker_1=stopped))
    assert result == {
        "web_stale": False,
        "replaced": ["worker"],
        "singletons": [],
        "one_by_one": [["worker", stopped]],
        "settled": False,
    }


def test_a_stale_scheduler_is_a_singleton():
    result = plan(project(), [recreate("shop-scheduler-1")])
    assert result == {
        "web_stale": False,
        "replaced": ["scheduler"],
        "singletons": [container("shop-scheduler-1", "scheduler", "05:04")],
        "one_by_one": [],
        "settled": False,
    }


def test_everything_stale_at_once():
    # a new image: compose would recreate every app container (the listing order of actions
    # does not matter)
    actions = [recreate(n) for n in ("shop-scheduler-1", "shop-worker-2", "shop-app-1")]
    actions += [recreate(n) for n in ("shop-app-2", "shop-worker-1")]
    result = plan(project(), actions)
    assert result["web_stale"] is True
    # in the order of the processes, not of the actions
    assert result["replaced"] == ["worker", "scheduler"]
    assert [c["Name"] for c in result["singletons"]] == ["shop-scheduler-1"]
    assert [(p, c["Name"]) for p, c in result["one_by_one"]] == [
        ("worker", "shop-worker-1"),
        ("worker", "shop-worker-2"),
    ]
    assert result["settled"] is False


def test_one_off_containers_of_compose_run_are_ignored():
    # `docker compose run worker ...` left an exited container, and one of the web service runs:
    # neither is a container of its service (no stale worker, still two web replicas)
    containers = [
        *project(),
        container("shop-worker-run-abc123", "worker", "06:00", state="exited"),
        container("shop-app-run-0f9e8d7c6b5a", "app", "06:01"),
    ]
    assert plan(containers) == {**NOTHING, "settled": True}
    # an action on a one-off container changes no plan (but something is to do)
    result = plan(containers, [recreate("shop-worker-run-abc123")])
    assert result == {**NOTHING, "settled": False}


def test_a_name_with_run_in_it_is_a_service_container():
    # only NAME-run-<hex> at the end is a one-off: a service called "run-x" is a service
    containers = [*project(), container("shop-worker-run-x-1", "worker", "06:00", state="exited")]
    assert plan(containers)["replaced"] == ["worker"]


def test_a_service_without_a_container_is_not_settled():
    assert plan(project(shop_redis_1=None)) == {**NOTHING, "settled": False}


@pytest.mark.parametrize("health", ["unhealthy", "starting"])
def test_an_unhealthy_container_is_not_settled(health):
    sick = container("shop-nginx-1", "nginx", "00:30", health=health)
    assert plan(project(shop_nginx_1=sick)) == {**NOTHING, "settled": False}


def test_a_container_without_a_health_check_is_settled():
    # compose ps says Health "" for a container without a health check (redis here)
    plain = container("shop-redis-1", "redis", "00:20", health="")
    assert plan(project(shop_redis_1=plain)) == {**NOTHING, "settled": True}


def test_containers_are_taken_oldest_first():
    # worker-2 was created before worker-1 (worker-1 was replaced later): oldest first,
    # whatever order compose lists them in
    w1 = container("shop-worker-1", "worker", "07:00")
    w2 = container("shop-worker-2", "worker", "05:03")
    actions = [recreate("shop-worker-1"), recreate("shop-worker-2")]
    for containers in (project(shop_worker_1=w1), list(reversed(project(shop_worker_1=w1)))):
        result = plan(containers, actions)
        assert result["one_by_one"] == [["worker", w2], ["worker", w1]]
    # the same for the singletons: two schedulers (a failed run left one more)
    s1 = container("shop-scheduler-1", "scheduler", "08:00")
    s2 = container("shop-scheduler-2", "scheduler", "04:00")
    containers = [*project(shop_scheduler_1=s1), s2]
    result = plan(containers, [recreate("shop-scheduler-1"), recreate("shop-scheduler-2")])
    assert result["singletons"] == [s2, s1]


def test_a_dry_run_without_actions_or_containers():
    # no containers at all: the web is short of its replicas and the services have none
    result = rollout_plan({}, **CONTEXT)
    assert result == {**NOTHING, "web_stale": True, "settled": False}
    result = rollout_plan({"actions": None, "containers": None}, **CONTEXT)
    assert result == {**NOTHING, "web_stale": True, "settled": False}


def test_a_process_with_no_containers_is_not_replaced():
    result = plan(project(shop_scheduler_1=None), [recreate("shop-worker-1")])
    assert result["replaced"] == ["worker"]
    assert result["singletons"] == []


@pytest.mark.parametrize(
    ("value", "context", "message"),
    [
        ([], {}, "expected the result of docker_compose_v2's dry run"),
        ({"containers": "shop-app-1"}, {}, "containers must be a list"),
        ({"containers": [["shop-app-1"]]}, {}, "list of mappings"),
        ({"actions": {"what": "container"}}, {}, "actions must be a list"),
        ({"containers": [{"Name": "shop-app-1", "Service": "app"}]}, {}, "no CreatedAt"),
        ({}, {"replicas": "two"}, "replicas must be a number"),
        ({}, {"processes": "worker"}, "processes must be a list of names"),
        ({}, {"singletons": [1]}, "singletons must be a list of names"),
        ({}, {"web": ""}, "web must be the name"),
    ],
)
def test_bad_input_is_refused(value, context, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        rollout_plan(value, **{**CONTEXT, **context})


def test_the_plugin_exports_the_filter():
    assert rollout.FilterModule().filters() == {"rollout_plan": rollout_plan}


def test_sidecar_documentation_matches_the_function():
    docs = yaml.safe_load((REPO / "plugins" / "filter" / "rollout_plan.yml").read_text("utf-8"))
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    doc = docs["DOCUMENTATION"]
    assert doc["name"] == "rollout_plan"
    first, *rest = inspect.signature(rollout_plan).parameters.values()
    assert first.name == "value"
    assert set(doc["options"]) == {"_input", *(p.name for p in rest)}
    assert [p.strip() for p in doc["positional"].split(",")] == ["_input"] + [p.name for p in rest]
    assert set(docs["RETURN"]["_value"]["contains"]) == set(plan(project()))
    assert "onebox.vps.rollout_plan" in docs["EXAMPLES"]


def test_the_runbook_tasks_hold_no_jinja_programs():
    # the plan is the filter's; what Jinja is left prints messages
    for path in sorted((REPO / "roles" / "runbook" / "tasks").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\.append\(|\.update\(|\{%-? set out", text), path.name
