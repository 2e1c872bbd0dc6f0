"""The demo inventory (`make demo`): it resolves, its spec reads cleanly, and its generated
secrets stay in the harness directory.

No container is touched: ``ansible-inventory`` and a ``debug`` task only template variables
on the controller. The converge itself is what ``make demo`` and the full_stack scenario do.
"""

from __future__ import annotations

import base64
import json
import re
import stat

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_parser as sp

from .helpers import REPO, run

INVENTORY = REPO / "inventories/local"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDNzgt2fM8fSR0uJlFE+0+ICtN9/Tybx+Nn5Wp/eM4Ol test"


def test_inventory_resolves_one_ssh_target_in_the_onebox_group():
    proc = run(["ansible-inventory", "-i", str(INVENTORY), "--list"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    inventory = json.loads(proc.stdout)
    assert inventory["onebox"]["hosts"] == ["onebox-demo"]
    host = inventory["_meta"]["hostvars"]["onebox-demo"]
    # reached as a VPS is: over SSH, becoming root with sudo unless the login is root
    assert host["ansible_connection"] == "ssh"
    assert host["ansible_become"] is True
    # the kernel-global settings stay off: the target shares this machine's kernel
    assert host["harden_sysctl_apply_kernel_global"] is False
    assert host["harden_auditd_load_rules"] is False
    assert host["base_swap_activate"] is False
    assert host["docker_firewall_log_blocked"] is False


def test_demo_spec_reads_without_findings():
    text = (INVENTORY / "spec.md").read_text(encoding="utf-8")
    # the demo answers on 127.0.0.1: no public domain, which the inventory says (provided)
    assert [f["code"] for f in sp.spec_findings(text)] == ["app-domain-missing"]
    spec = sp.spec_to_vars(text)
    assert spec["app_name"] == "demo"
    assert spec["app_image"] == "local/demo-app:1.0.0"
    assert (spec["app_port"], spec["app_health_path"]) == (3000, "/health")
    assert spec["redis_enabled"] is True
    assert (spec["postgres_enabled"], spec["postgres_version"]) == (True, "15")
    processes = {p["name"]: (p["replicas"], p["singleton"]) for p in spec["app_processes"]}
    assert processes == {"worker": (2, False), "scheduler": (1, True)}
    assert {"name": "SESSION_SECRET", "generate": "hex32"} in spec["app_secrets"]


def test_secrets_are_generated_once_in_the_harness_directory(tmp_path):
    (tmp_path / "demo/ssh").mkdir(parents=True)
    (tmp_path / "demo/ssh/id_ed25519.pub").write_text(KEY + "\n")
    expr = (
        "{{ {'host': ansible_host, 'port': ansible_port, 'user': ansible_user,"
        " 'key': ansible_ssh_private_key_file, 'keys': base_admin_ssh_keys,"
        " 'redis': redis_password,"
        " 'postgres': postgres_password, 'app': app_secret_values,"
        " 'archives': docker_images_offline | map(attribute='archive') | unique}"
        " | to_json | b64encode }}"
    )
    env = {"HARNESS_DIR": str(tmp_path)}

    def resolve(**extra: str) -> dict:
        proc = run(
            ["ansible", "-i", str(INVENTORY), "onebox", "-m", "ansible.builtin.debug",
             "-a", f"msg=RESOLVED={expr}=END"],
            env={**env, **extra},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return json.loads(base64.b64decode(re.search(r"RESOLVED=(\S+?)=END", proc.stdout)[1]))

    first = resolve()
    # without demo.sh: the SSH port `make demo` publishes, as the admin of base.yml
    assert (first["host"], first["port"], first["user"]) == ("127.0.0.1", 2222, "ops")
    assert first["key"] == str(tmp_path / "demo/ssh/id_ed25519")
    # demo.sh gives the container's address, and root for the first run
    other = resolve(ONEBOX_DEMO_HOST="172.17.0.9", ONEBOX_DEMO_PORT="22", ONEBOX_DEMO_USER="root")
    assert (other["host"], other["port"], other["user"]) == ("172.17.0.9", 22, "root")
    assert first["keys"] == [KEY]
    assert first["archives"] == [str(tmp_path / "imgcache/stack.tar")]
    secrets = tmp_path / "demo/secrets"
    for value in (first["redis"], first["postgres"], first["app"]["SESSION_SECRET"]):
        assert re.fullmatch(r"[0-9a-f]{64}", value)
    assert len({first["redis"], first["postgres"], first["app"]["SESSION_SECRET"]}) == 3
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    files = sorted(p.name for p in secrets.iterdir())
    assert files == ["app_SESSION_SECRET", "postgres_password", "redis_password"]
    assert all(stat.S_IMODE((secrets / f).stat().st_mode) == 0o600 for f in files)
    # a second run reads the same values back
    assert resolve() == first
