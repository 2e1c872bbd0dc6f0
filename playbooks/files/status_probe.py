#!/usr/bin/env python3
"""Facts for playbooks/status.yml, read on the host in one go and printed as JSON.

usage: status_probe.py PROJECT_DIR PROJECT BACKUP_DIR
Reads only: docker compose ps, df, /proc/meminfo, apt's simulated upgrade (no download), the
reboot-required flag, the newest backup archive, ufw's status. Judging the facts is the
playbook's job. Standard library only (runs on the managed host's python3).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import time


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


def memory() -> dict:
    info = {}
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            key, value = line.split(":", 1)
            info[key] = int(value.split()[0])
    total, available = info.get("MemTotal", 0), info.get("MemAvailable", 0)
    return {
        "total_mb": total // 1024,
        "available_mb": available // 1024,
        "available_percent": round(100 * available / total, 1) if total else 0.0,
    }


def security_updates() -> dict:
    if not shutil.which("apt-get"):
        return {"supported": False, "count": 0, "packages": []}
    rc, out = run(["apt-get", "-s", "-o", "Debug::NoLocking=1", "dist-upgrade"])
    packages = [
        line.split()[1]
        for line in out.splitlines()
        if line.startswith("Inst ") and "security" in line.lower()
    ]
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


def main() -> int:
    project_dir, project, backup_dir = sys.argv[1:4]
    print(
        json.dumps(
            {
                "containers": containers(project_dir),
                "disks": disks(["/", "/var/lib/docker", backup_dir]),
                "memory": memory(),
                "updates": security_updates(),
                "backup": last_backup(backup_dir, project),
                "firewall": firewall(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
