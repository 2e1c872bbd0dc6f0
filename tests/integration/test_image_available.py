"""onebox.vps.image_available: which images the host has or can pull, asked of a registry on
127.0.0.1 (tests/integration/helpers.py FakeRegistry) and of this machine's Docker engine."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from ansible_collections.onebox.vps.plugins.modules import image_available as ia

from .helpers import FakeRegistry, run


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        # (registry, repository, reference, canonical name) by the Docker engine's rules
        ("nginx:1.27", ("registry-1.docker.io", "library/nginx", "1.27", "nginx:1.27")),
        ("nginx", ("registry-1.docker.io", "library/nginx", "latest", "nginx:latest")),
        (
            "docker.io/library/redis:7",
            ("registry-1.docker.io", "library/redis", "7", "redis:7"),
        ),
        (
            "grafana/alloy:v1.8.3",
            ("registry-1.docker.io", "grafana/alloy", "v1.8.3", "grafana/alloy:v1.8.3"),
        ),
        (
            "ghcr.io/acme/app:2.1",
            ("ghcr.io", "acme/app", "2.1", "ghcr.io/acme/app:2.1"),
        ),
        (
            "localhost:5000/app",
            ("localhost:5000", "app", "latest", "localhost:5000/app:latest"),
        ),
        (
            "local/demo-app:1.0.0",
            ("registry-1.docker.io", "local/demo-app", "1.0.0", "local/demo-app:1.0.0"),
        ),
        (
            "postgres@sha256:" + "a" * 64,
            (
                "registry-1.docker.io",
                "library/postgres",
                "sha256:" + "a" * 64,
                "postgres@sha256:" + "a" * 64,
            ),
        ),
    ],
)
def test_references_are_read_as_the_docker_engine_reads_them(image, expected):
    assert ia.parse_reference(image) == expected


def test_a_served_image_is_pullable_and_an_unknown_one_is_not(tmp_path):
    with FakeRegistry({"acme/app:1.0", "library/nginx:1.27"}) as reg:
        ok, why = ia.pullable(f"{reg.address}/acme/app:1.0", str(tmp_path / "none.json"), 5)
        assert (ok, why) == (True, f"served by {reg.address}")
        # the anonymous token flow: challenge, token for the repository's pull scope, retry
        assert reg.requests == [
            ("HEAD", "/v2/acme/app/manifests/1.0"),
            ("GET", "/token?scope=repository%3Aacme%2Fapp%3Apull&service=fake"),
            ("HEAD", "/v2/acme/app/manifests/1.0"),
        ]
        ok, why = ia.pullable(f"{reg.address}/acme/app:2.0", str(tmp_path / "none.json"), 5)
        assert (ok, why) == (False, f"{reg.address} has no such image or tag")


def test_a_private_registry_needs_the_docker_login_credentials(tmp_path):
    config = tmp_path / "config.json"
    with FakeRegistry({"team/api:3"}, credentials="deploy:s3cret") as reg:
        image = f"{reg.address}/team/api:3"
        ok, why = ia.pullable(image, str(config), 5)
        assert ok is False and "without credentials (docker login)" in why
        # what `docker login` writes
        auth = "ZGVwbG95OnMzY3JldA=="  # base64 of deploy:s3cret
        config.write_text(json.dumps({"auths": {reg.address: {"auth": auth}}}))
        assert ia.pullable(image, str(config), 5) == (True, f"served by {reg.address}")
        # credentials in a store this check cannot read: not verified rather than missing
        config.write_text(json.dumps({"auths": {reg.address: {}}, "credsStore": "pass"}))
        ok, why = ia.pullable(image, str(config), 5)
        assert ok is None and "not verified" in why


def test_an_unreachable_registry_is_said_so(tmp_path):
    with FakeRegistry(set()) as reg:
        address = reg.address  # closed when the block ends: nothing listens there afterwards
    ok, why = ia.pullable(f"{address}/acme/app:1.0", str(tmp_path / "none.json"), 2)
    assert ok is False and why.startswith(f"{address} cannot be reached from the host")


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs the Docker engine")
def test_the_module_reports_what_the_host_has_and_what_is_missing(tmp_path):
    """As Ansible runs it (localhost): the local image of `make images` is found on the host
    without asking a registry; of two registry images, the one not served is missing."""
    with FakeRegistry({"acme/app:1.0"}) as reg:
        served, unknown = f"{reg.address}/acme/app:1.0", f"{reg.address}/acme/app:9"
        images = ["local/demo-app:1.0.0", served, unknown]
        args = json.dumps({"images": images, "docker_config": str(tmp_path / "none.json")})
        proc = run(
            ["ansible", "localhost", "-m", "onebox.vps.image_available", "-a", args],
            env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"},
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        result = json.loads(re.search(r"=> (\{.*\})", proc.stdout, re.S)[1])
    assert result["changed"] is False
    by_image = {i["image"]: i for i in result["images"]}
    assert by_image["local/demo-app:1.0.0"]["present"] is True
    assert by_image[served]["present"] is False and by_image[served]["pullable"] is True
    assert by_image[served]["reason"] == f"served by {reg.address}"
    assert result["missing"] == [unknown]
    assert not any(
        path.endswith("/local/demo-app/manifests/1.0.0") for _unused, path in reg.requests
    )
