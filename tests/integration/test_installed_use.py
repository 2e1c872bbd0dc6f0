"""Installed use: the tarball and its dependencies in an empty directory, used by FQCN from a
directory outside the checkout, with an environment that does not see the checkout.

Galaxy is unreachable here, so the dependencies come from tarballs of the vendored copies
(.harness/collections, copied). `ansible-galaxy collection install -r requirements.yml --offline`
then has nothing to do, which proves that requirements.yml's names and ranges (those of
galaxy.yml's dependencies) resolve to what is installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from .helpers import BIN, REPO, recap

VENDORED = REPO / os.environ.get("HARNESS_DIR", ".harness") / "collections" / "ansible_collections"
SPEC = REPO / "tests" / "fixtures" / "specs" / "001_36153ecda6a937a2.txt"


def isolated(args: list[str], cwd: Path, home: Path, collections: Path):
    """Run an Ansible command with no ANSIBLE_* from this shell, no ansible.cfg (cwd is outside
    the checkout) and only *collections* on the collections path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        ANSIBLE_HOME=str(home),
        ANSIBLE_LOCAL_TEMP=str(home / "tmp"),
        ANSIBLE_FORCE_COLOR="0",
        NO_COLOR="1",
        PAGER="cat",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
    )
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    # make test vendors them first (make collections): without them this test cannot run, and a
    # skip would let a broken vendoring pass unseen
    assert VENDORED.is_dir(), "no vendored collections: run make collections"
    tmp = tmp_path_factory.mktemp("standalone")
    work, home, dest = tmp / "work", tmp / "home", tmp / "collections"
    for d in (work, home / "tmp", dest):
        d.mkdir(parents=True)
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    built = isolated(
        ["ansible-galaxy", "collection", "build", "--output-path", str(tmp), str(REPO)],
        work,
        home,
        dest,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    tarball = tmp / f"onebox-vps-{version}.tar.gz"
    inst = isolated(
        ["ansible-galaxy", "collection", "install", "--no-deps", "-p", str(dest), str(tarball)],
        work,
        home,
        dest,
    )
    assert inst.returncode == 0, inst.stdout + inst.stderr
    # the dependencies: copies of the vendored ones (Galaxy is unreachable, and the copies in
    # the `ansible` wheel lack files their FILES.json lists, so they make no artifacts)
    for ns, name in (("community", "docker"), ("community", "general"), ("ansible", "posix")):
        shutil.copytree(
            VENDORED / ns / name, dest / "ansible_collections" / ns / name, symlinks=True
        )
    return tarball, dest, home, work


def test_tarball_keeps_the_clone_only_files_out(standalone):
    with tarfile.open(standalone[0]) as tf:
        names = set(tf.getnames())
    for shipped in (
        "playbooks/site.yml",
        "requirements.txt",
        "requirements.yml",
        "bindep.txt",
        "meta/execution-environment.yml",
        "inventories/prod/hosts.yml",
    ):
        assert shipped in names
    for kept_out in ("ansible.cfg", "site.yml", "filter_plugins/onebox_vps.py", "Makefile"):
        assert kept_out not in names
    assert not [n for n in names if n.startswith(("inventories/local", ".harness", "tests/"))]


def test_requirements_yml_has_galaxy_yml_dependencies():
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())["dependencies"]
    reqs = yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]
    assert {r["name"]: r["version"] for r in reqs} == galaxy


def test_requirements_yml_resolves_to_the_installed_collections(standalone):
    dest, home, work = standalone[1:]
    proc = isolated(
        [
            "ansible-galaxy",
            "collection",
            "install",
            "--offline",
            "--no-deps",
            "-p",
            str(dest),
            "-r",
            str(REPO / "requirements.yml"),
        ],
        work,
        home,
        dest,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Nothing to do" in out
    listing = isolated(
        ["ansible-galaxy", "collection", "list", "--format", "json"], work, home, dest
    )
    assert listing.returncode == 0, listing.stderr
    installed = {
        name
        for path, found in json.loads(listing.stdout).items()
        if path.startswith(str(dest))  # not ansible-core's own ansible._protomatter
        for name in found
    }
    assert installed == {"onebox.vps", "community.docker", "community.general", "ansible.posix"}


def test_site_by_fqcn(standalone):
    dest, home, work = standalone[1:]
    inventory = dest / "ansible_collections" / "onebox" / "vps" / "inventories" / "prod"
    proc = isolated(
        ["ansible-playbook", "onebox.vps.site", "-i", str(inventory), "--syntax-check"],
        work,
        home,
        dest,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "onebox.vps.site" in proc.stdout or "site.yml" in proc.stdout


def test_runbook_status_by_fqcn_parses(standalone):
    dest, home, work = standalone[1:]
    proc = isolated(
        ["ansible-playbook", "onebox.vps.status", "-i", "localhost,", "--syntax-check"],
        work,
        home,
        dest,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_runbook_show_spec_runs_by_fqcn(standalone):
    dest, home, work = standalone[1:]
    proc = isolated(
        ["ansible-playbook", "onebox.vps.show_spec", "-e", f"spec={SPEC}"], work, home, dest
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "app_port" in out and "3801" in out
    assert recap(out)["localhost"]["failed"] == 0
