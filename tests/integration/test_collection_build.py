"""The collection builds, installs from its tarball, and its content works by FQCN."""

from __future__ import annotations

import os
import tarfile

import pytest
import yaml

from .helpers import REPO, local_play, recap, run, validate_only

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDNzgt2fM8fSR0uJlFE+0+ICtN9/Tybx+Nn5Wp/eM4Ol test"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the tarball, install it (no deps: Galaxy is unreachable) into a fresh path."""
    tmp = tmp_path_factory.mktemp("collection")
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    built = run(
        ["ansible-galaxy", "collection", "build", "--output-path", str(tmp), str(REPO)], cwd=tmp
    )
    assert built.returncode == 0, built.stderr
    tarball = tmp / f"onebox-vps-{version}.tar.gz"
    assert tarball.is_file()
    dest = tmp / "installed"
    # from tmp, so the checkout's own onebox.vps (on its collections path) is not seen as
    # "already installed"
    inst = run(
        ["ansible-galaxy", "collection", "install", "--no-deps", "-p", str(dest), str(tarball)],
        cwd=tmp,
        env={"ANSIBLE_COLLECTIONS_PATH": str(dest)},
    )
    assert inst.returncode == 0, inst.stderr
    vendored = [
        p
        for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(":")
        if p and "self" not in os.path.basename(p)
    ]
    # run from tmp: no ansible.cfg there, so this checkout's collections path is not used
    env = {"ANSIBLE_COLLECTIONS_PATH": ":".join([str(dest), *vendored]), "PAGER": "cat"}
    return tarball, dest, env, tmp


def test_tarball_holds_the_collection_and_no_dev_files(installed):
    tarball = installed[0]
    with tarfile.open(tarball) as tf:
        names = set(tf.getnames())
        # Galaxy and ansible-test refuse links (the checkout's `prod` is left out)
        links = [m.name for m in tf.getmembers() if m.issym() or m.islnk()]
    assert links == []
    assert "roles/base/meta/argument_specs.yml" in names
    assert "meta/runtime.yml" in names
    assert not [n for n in names if n.startswith(("tests/", ".harness/", "molecule/", ".ci/"))]


def test_role_documented_by_fqcn(installed):
    _unused, _unused, env, tmp = installed
    doc = run(["ansible-doc", "-t", "role", "onebox.vps.base"], cwd=tmp, env=env)
    assert doc.returncode == 0, doc.stderr
    assert "base_admin_ssh_keys" in doc.stdout


def test_role_runs_by_fqcn_from_the_installed_collection(installed):
    _unused, dest, env, tmp = installed
    play = tmp / "play.yml"
    play.write_text(
        "- name: Installed role\n  hosts: localhost\n  gather_facts: false\n"
        "  roles:\n    - role: onebox.vps.base\n"
        f"      base_admin_ssh_keys: ['{KEY}']\n"
    )
    proc = validate_only(play, cwd=tmp, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "onebox.vps.base : Validating arguments against arg spec 'main'" in out
    assert recap(out)["localhost"]["failed"] == 0
    # and it came from the installed copy, not from this checkout
    listing = run(
        ["ansible-galaxy", "collection", "list", "onebox.vps", "-p", str(dest)], cwd=tmp, env=env
    )
    assert str(dest) in listing.stdout


def test_filter_documented_by_fqcn(installed):
    _unused, _unused, env, tmp = installed
    doc = run(["ansible-doc", "-t", "filter", "onebox.vps.spec_to_vars"], cwd=tmp, env=env)
    assert doc.returncode == 0, doc.stderr
    assert "strict" in doc.stdout


def test_filter_runs_by_fqcn_from_the_installed_collection(installed):
    _unused, _unused, env, tmp = installed
    spec = REPO / "tests" / "fixtures" / "specs" / "001_36153ecda6a937a2.txt"
    play = tmp / "filter.yml"
    play.write_text(
        "- name: Installed filter\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - name: Read the spec\n      ansible.builtin.assert:\n        that:\n"
        "          - __vars.app_port == 3801\n"
        "          - __vars.redis_enabled\n"
        "      vars:\n"
        f"        __vars: \"{{{{ lookup('ansible.builtin.file', '{spec}')"
        ' | onebox.vps.spec_to_vars }}"\n'
    )
    proc = local_play(play, cwd=tmp, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert recap(out)["localhost"]["ok"] == 1
