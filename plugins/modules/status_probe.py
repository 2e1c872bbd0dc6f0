#!/usr/bin/python
# Copyright: onebox.vps maintainers
# MIT License (see LICENSE at the root of the collection, or https://opensource.org/license/mit)
# SPDX-License-Identifier: MIT

from __future__ import annotations

DOCUMENTATION = r"""
---
module: status_probe
short_description: Read the facts playbooks/status.yml judges, on the host in one go
description:
  - Reads the compose project's containers (C(docker compose ps)), disk use of C(/),
    C(/var/lib/docker) and the backup directory, C(/proc/meminfo), apt's simulated upgrade (no
    download) for pending security updates and the reboot-required flag, the newest backup
    archive and C(ufw status).
  - Read-only; judging the facts is the C(onebox.vps.status_checks) filter's job.
version_added: 0.3.0
author:
  - onebox.vps maintainers (@onebox)
options:
  project_dir:
    description: The compose project's directory.
    type: path
    required: true
  project:
    description: The compose project's name (backup archives are C(<project>-*.tar)).
    type: str
    required: true
  backup_dir:
    description: Where playbooks/backup.yml keeps the archives.
    type: path
    required: true
extends_documentation_fragment:
  - onebox.vps.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Read the host
  onebox.vps.status_probe:
    project_dir: /opt/shop
    project: shop
    backup_dir: /var/backups/onebox/shop
  register: probe
"""

RETURN = r"""
status:
  description: The facts read.
  returned: always
  type: dict
  contains:
    containers:
      description: "Each container's name, service, state, health and image."
      type: list
    disks:
      description: "Per file system: path, used_percent, free_gb."
      type: list
    memory:
      description: "total_mb, available_mb, available_percent."
      type: dict
    updates:
      description: "supported, count, packages (20 at most), lists_age_hours, reboot_required."
      type: dict
    backup:
      description: "newest (file name or null), age_hours, count."
      type: dict
    firewall:
      description: "tool (ufw or null), active, detail (the first line of ufw status)."
      type: dict
"""

import glob  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402


def parse_ps(out):
    """docker compose ps --format json's lines (one object a line) reduced to what is judged."""
    rows = []
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        c = json.loads(line)
        rows.append(
            {
                "name": c.get("Name"),
                "service": c.get("Service"),
                "state": c.get("State"),
                "health": c.get("Health") or "",
                "image": c.get("Image"),
            }
        )
    return rows


def run(args: list[str], cwd: str | None = None) -> tuple[int, str]:
    try:
        proc = subprocess.run(
            args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, str(exc)
    return proc.returncode, proc.stdout + proc.stderr


def containers(project_dir: str) -> list[dict]:
    rc, out = run(["docker", "compose", "ps", "--all", "--format", "json"], cwd=project_dir)
    if rc != 0:
        return []
    return parse_ps(out)


def disks(paths: list[str]) -> list[dict]:
    seen, rows = set(), []
    for path in paths:
        if not os.path.exists(path):
            continue
        st = os.statvfs(path)
        if st.f_fsid in seen:
            continue
        seen.add(st.f_fsid)
        total = st.f_blocks * st.f_frsize
        free = st.f_bavail * st.f_frsize
        used_pct = round(100 * (total - free) / total, 1) if total else 0.0
        rows.append({"path": path, "used_percent": used_pct, "free_gb": round(free / 1e9, 1)})
    return rows


def memory(path: str = "/proc/meminfo") -> dict:
    info = {}
    with open(path, encoding="ascii") as handle:
        for line in handle:
            key, value = line.split(":", 1)
            info[key] = int(value.split()[0])
    total, available = info.get("MemTotal", 0), info.get("MemAvailable", 0)
    return {
        "total_mb": total // 1024,
        "available_mb": available // 1024,
        "available_percent": round(100 * available / total, 1) if total else 0.0,
    }


def security_packages(out: str) -> list[str]:
    """The packages apt-get -s dist-upgrade would install from a security pocket."""
    return [
        line.split()[1]
        for line in out.splitlines()
        if line.startswith("Inst ") and "security" in line.lower()
    ]


def security_updates() -> dict:
    if not shutil.which("apt-get"):
        return {"supported": False, "count": 0, "packages": []}
    rc, out = run(["apt-get", "-s", "-o", "Debug::NoLocking=1", "dist-upgrade"])
    packages = security_packages(out)
    lists = glob.glob("/var/lib/apt/lists/*_Packages*")
    age = min((time.time() - os.path.getmtime(p) for p in lists), default=None)
    return {
        "supported": rc == 0,
        "count": len(packages),
        "packages": packages[:20],
        "lists_age_hours": round(age / 3600, 1) if age is not None else None,
        "reboot_required": os.path.exists("/var/run/reboot-required"),
    }


def last_backup(backup_dir: str, project: str) -> dict:
    archives = glob.glob(os.path.join(backup_dir, f"{project}-*.tar"))
    if not archives:
        return {"newest": None, "age_hours": None, "count": 0}
    newest = max(archives, key=os.path.getmtime)
    return {
        "newest": os.path.basename(newest),
        "age_hours": round((time.time() - os.path.getmtime(newest)) / 3600, 1),
        "count": len(archives),
    }


def firewall() -> dict:
    if not shutil.which("ufw"):
        return {"tool": None, "active": False, "detail": "ufw is not installed"}
    rc, out = run(["ufw", "status"])
    first = out.splitlines()[0] if out else ""
    return {"tool": "ufw", "active": rc == 0 and first.strip() == "Status: active", "detail": first}


def main():
    module = AnsibleModule(
        argument_spec={
            "project_dir": {"type": "path", "required": True},
            "project": {"type": "str", "required": True},
            "backup_dir": {"type": "path", "required": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    module.exit_json(
        changed=False,
        status={
            "containers": containers(p["project_dir"]),
            "disks": disks(["/", "/var/lib/docker", p["backup_dir"]]),
            "memory": memory(),
            "updates": security_updates(),
            "backup": last_backup(p["backup_dir"], p["project"]),
            "firewall": firewall(),
        },
    )


if __name__ == "__main__":
    main()
