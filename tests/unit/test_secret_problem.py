"""onebox.vps.secret_problem: the values the preflight refuses, and that it never repeats one."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.onebox.vps.plugins.filter.secrets import secret_problem


@pytest.mark.parametrize(
    "value",
    [
        "9f2c4e1a7b3d5f60c8e2a4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5",  # openssl rand -hex 32
        "postgresql://app:s3cr3t-Pa55@db.example.com:5432/app?sslmode=require",
        'with "double" quotes and $dollar and spaces',
        "Replacement-is-a-word-here",  # REPLACE only in capitals, as a word
        "exchangemeter",  # "changeme" inside a word
        "a<b and c>d",
    ],
)
def test_usable_values(value):
    assert secret_problem(value) == ""


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("line one\nVAR=injected", "more than one line"),
        ("carriage\rreturn", "more than one line"),
        ("tab\there", "a control character"),
        ("it's", "a single quote (it ends a quoted env-file value)"),
        ("REPLACE-openssl-rand-hex-32", "a placeholder (REPLACE...)"),
        ("postgresql://app:REPLACE@db.example.com:5432/app", "a placeholder (REPLACE...)"),
        ("TODO", "a placeholder (TODO)"),
        ("changeme", "a placeholder (changeme)"),
        ("Change-Me", "a placeholder (changeme)"),
        ("<your-token>", "a placeholder (<...>)"),
        ("Bearer <api key>", "a placeholder (<...>)"),
        ("postgresql://<user>:<password>@db/app", "a placeholder (<...>)"),
    ],
)
def test_refused_values_and_why(value, problem):
    assert secret_problem(value) == problem
    # the reason never repeats the value (a bare placeholder word names itself, and is no secret)
    if value and value.strip() and not problem.startswith("a placeholder"):
        assert value not in problem


def test_quotes_can_be_allowed():
    assert secret_problem("it's", quotes=True) == ""


def test_a_number_is_read_as_its_digits_and_a_mapping_is_an_error():
    assert secret_problem(12345678901234567) == ""
    with pytest.raises(AnsibleFilterError):
        secret_problem({"not": "a secret"})
