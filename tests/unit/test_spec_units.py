"""Unit grammar of the spec filter: sizes, CPUs, durations, ports, request rates."""

from __future__ import annotations

import pytest
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units

MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("256 MB", 256 * MIB),
        ("256MB (starter)", 256 * MIB),
        ("0.5 GiB", 512 * MIB),
        ("512Mi", 512 * MIB),
        ("~200MB", 200 * MIB),
        ("~50-256MB", 256 * MIB),
        ("1.5GB", 1536 * MIB),
        ("10KB", 10 * 1024),
        ("Express: 10KB max JSON body", 10 * 1024),
        ("4 gigabytes", 4 * 1024 * MIB),
        ("512m", 512 * MIB),
        ("EC2 t3.medium (4GB RAM)", 4 * 1024 * MIB),
    ],
)
def test_find_size(text, size):
    assert units.find_size(text) == size


@pytest.mark.parametrize(
    "text", ["", "Runs briefly", "5 min", "Custom Dockerfile", "0 MB", "v1.8.3"]
)
def test_find_size_none(text):
    assert units.find_size(text) is None


def test_size_forms():
    assert units.compose_size(256 * MIB) == "256m"
    assert units.compose_size(1024 * MIB) == "1g"
    assert units.compose_size(1536 * MIB) == "1536m"
    assert units.compose_size(1000) == "1000b"
    assert units.redis_size(256 * MIB) == "256mb"
    assert units.redis_size(2 * 1024 * MIB) == "2gb"
    assert units.nginx_size(10 * 1024) == "10k"
    assert units.nginx_size(MIB) == "1m"


@pytest.mark.parametrize(
    ("text", "cpus"),
    [
        ("0.25", 0.25),
        ("1 vCPU", 1.0),
        ("2 vCPUs", 2.0),
        ("250m", 0.25),
        ("2 cores", 2.0),
        ("0,5", 0.5),
    ],
)
def test_find_cpus(text, cpus):
    assert units.find_cpus(text) == pytest.approx(cpus)


@pytest.mark.parametrize("text", ["256 MB", "", "many", "0", "250m vCPU"])
def test_find_cpus_none(text):
    assert units.find_cpus(text) is None


@pytest.mark.parametrize(
    ("text", "seconds", "form"),
    [
        ("30s max per request", 30, "30s"),
        ("Drain connections before terminating (30s timeout)", 30, "30s"),
        ("30 seconds", 30, "30s"),
        ("5 minutes", 300, "300s"),
        ("500ms", 0.5, "500ms"),
        ("1 hour", 3600, "3600s"),
    ],
)
def test_find_duration(text, seconds, form):
    assert units.find_duration(text) == pytest.approx(seconds)
    assert units.duration_form(units.find_duration(text)) == form


def test_find_duration_none():
    assert units.find_duration("no time given") is None
    assert units.find_duration("v1.8s3") is None


def test_find_port_and_int():
    assert units.find_port("3801") == 3801
    assert units.find_port("App (port 3000)") == 3000
    assert units.find_port("99999 then 8080") == 8080
    assert units.find_port("node:20-slim") is None
    assert units.find_int("Min 2 replicas") == 2
    assert units.find_int("0.25") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Nginx: 10 req/s general, 5 req/min auth",
            [("general", None, "10r/s"), ("auth", None, "5r/m")],
        ),
        (
            "100 req/min per user, 10 uploads per 15 min",
            [(None, "user", "100r/m"), ("uploads", None, None)],
        ),
        ("600 requests per hour", [(None, None, "10r/m")]),
        ("120 req/min", [(None, None, "120r/m")]),
        ("10 r/s for login", [("login", None, "10r/s")]),
    ],
)
def test_find_rates(text, expected):
    rates = units.find_rates(text)
    assert [(r.name, r.scope, r.nginx()) for r in rates] == expected


def test_rate_period_and_text():
    (rate,) = units.find_rates("10 uploads per 15 min")
    assert (rate.count, rate.period, rate.text) == (10, 900, "10 uploads per 15 min")
    assert units.find_rates("no limits here") == []
