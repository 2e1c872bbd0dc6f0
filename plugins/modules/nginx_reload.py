#!/usr/bin/python
# Copyright: onebox.vps maintainers
# MIT License (see LICENSE at the root of the collection, or https://opensource.org/license/mit)
# SPDX-License-Identifier: MIT

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nginx_reload
short_description: Pin the app's traffic to given containers, or unpin it, and reload Nginx safely
description:
  - Writes (O(pin) non-empty) or removes (O(pin=[])) the two pin files of the stack's Nginx in
    C(<project_dir>/nginx/conf.d/pin/) - an upstream C(onebox_app_pinned) of the given addresses
    and the line that sends the app's traffic to it - which the server configuration of the
    C(onebox.vps.nginx) role includes. Without O(pin) the pin files are left as they are.
  - Then, when O(reload=always) or a pin file changed, checks the configuration (C(nginx -t)),
    notes the workers running the old configuration, reloads Nginx (C(nginx -s reload)) and,
    with O(drain_timeout) above 0, waits until those workers have finished their requests and
    exited. Workers still running after O(drain_timeout) are returned in RV(draining) and named
    in a warning (a WebSocket, a long request); the run goes on.
  - Runs C(docker compose) in O(project_dir) on the managed host. Used by the
    C(onebox.vps.runbook) role (rollout, reload_nginx).
version_added: 0.3.0
author:
  - onebox.vps maintainers (@onebox)
options:
  project_dir:
    description: The compose project's directory.
    type: path
    required: true
  pin:
    description:
      - The containers to send the app's traffic to, each with its C(name) and its C(address) on
        the edge network. An empty list removes the pin (Docker's DNS again).
    type: list
    elements: dict
  port:
    description: The app's port in the containers. Required when O(pin) is not empty.
    type: int
  reload:
    description: V(always) reloads Nginx; V(changed) only when a pin file changed.
    type: str
    choices: [always, changed]
    default: always
  drain_timeout:
    description: Seconds to wait for the old workers after the reload; 0 does not wait.
    type: int
    default: 0
extends_documentation_fragment:
  - onebox.vps.attributes
attributes:
  check_mode:
    support: full
    details: Says whether a pin file would change; reloads nothing.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Pin the app's traffic to the new containers and let the old workers drain
  onebox.vps.nginx_reload:
    project_dir: /opt/shop
    pin: [{name: shop-app-3, address: 172.20.0.7}]
    port: 8000
    drain_timeout: 120

- name: Back to Docker's DNS (reloads only when a pin file was removed)
  onebox.vps.nginx_reload:
    project_dir: /opt/shop
    pin: []
    reload: changed
"""

RETURN = r"""
files:
  description: The pin files written or removed (paths).
  returned: always
  type: list
  elements: str
reloaded:
  description: Nginx was reloaded.
  returned: always
  type: bool
draining:
  description: Process ids of old workers still running after O(drain_timeout).
  returned: always
  type: list
  elements: int
"""

import os  # noqa: E402
import time  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402

HEADER = (
    "# Written by an onebox.vps runbook while it switches the app's containers; removed after.\n"
)
PIN_FILES = ("http-app.conf", "server-app.conf")


def pin_files(servers, port):
    """The content of each pin file for *servers* ({name, address}) on *port*; {} unpins."""
    if not servers:
        return {}
    lines = "".join(f"    server {s['address']}:{port}; # {s['name']}\n" for s in servers)
    return {
        "http-app.conf": f"{HEADER}upstream onebox_app_pinned {{\n{lines}}}\n",
        "server-app.conf": f"{HEADER}set $app_upstream http://onebox_app_pinned;\n",
    }


def child_pids(ppid, proc="/proc"):
    """The ids of the processes whose parent is *ppid*, read from *proc*'s stat files."""
    children = []
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc, entry, "stat"), encoding="utf-8") as handle:
                stat = handle.read()
        except OSError:
            continue  # ended meanwhile
        # pid (comm) state ppid ...: comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == ppid:
            children.append(int(entry))
    return sorted(children)


def _docker(module, project_dir, *args):
    rc, out, err = module.run_command(["docker", "compose", *args], cwd=project_dir)
    if rc != 0:
        module.fail_json(msg=f"docker compose {' '.join(args)}: {(err or out).strip()}")
    return out.strip()


def main():
    module = AnsibleModule(
        argument_spec={
            "project_dir": {"type": "path", "required": True},
            "pin": {"type": "list", "elements": "dict"},
            "port": {"type": "int"},
            "reload": {"type": "str", "choices": ["always", "changed"], "default": "always"},
            "drain_timeout": {"type": "int", "default": 0},
        },
        supports_check_mode=True,
    )
    p = module.params
    pin_dir = os.path.join(p["project_dir"], "nginx", "conf.d", "pin")
    changed_files = []
    if p["pin"] is not None:
        if p["pin"] and p["port"] is None:
            module.fail_json(msg="port is required to pin containers")
        bad = [s for s in p["pin"] if not s.get("address") or not s.get("name")]
        if bad:
            module.fail_json(msg=f"each pinned container needs a name and an address: {bad}")
        wanted = pin_files(p["pin"], p["port"])
        for name in PIN_FILES:
            path = os.path.join(pin_dir, name)
            current = None
            if os.path.exists(path):
                with open(path, encoding="utf-8") as handle:
                    current = handle.read()
            if current != wanted.get(name):
                changed_files.append(path)
        if changed_files and not module.check_mode:
            if wanted:
                os.makedirs(pin_dir, mode=0o755, exist_ok=True)
            for path in changed_files:
                content = wanted.get(os.path.basename(path))
                if content is None:
                    os.remove(path)
                    continue
                tmp = path + ".tmp"
                with open(tmp, "w", encoding="utf-8") as handle:
                    handle.write(content)
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)

    reload_now = p["reload"] == "always" or bool(changed_files)
    draining = []
    if reload_now and not module.check_mode:
        _docker(module, p["project_dir"], "exec", "-T", "nginx", "nginx", "-t")
        container = _docker(module, p["project_dir"], "ps", "-q", "nginx")
        rc, out, err = module.run_command(
            ["docker", "inspect", "--format", "{{.State.Pid}}", container]
        )
        if rc != 0:
            module.fail_json(msg=f"docker inspect nginx: {err.strip()}")
        workers = child_pids(int(out.strip()))
        _docker(module, p["project_dir"], "exec", "-T", "nginx", "nginx", "-s", "reload")
        deadline = time.monotonic() + p["drain_timeout"]
        draining = workers if p["drain_timeout"] > 0 else []
        while draining:
            draining = [pid for pid in draining if os.path.exists(f"/proc/{pid}")]
            if not draining or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        if draining:
            module.warn(
                f"Nginx workers {', '.join(map(str, draining))} still had connections open after "
                f"{p['drain_timeout']}s (long requests or WebSockets); the old containers now get "
                "their stop grace period to finish them."
            )
    module.exit_json(
        changed=bool(changed_files) or reload_now,
        files=changed_files,
        reloaded=reload_now and not module.check_mode,
        draining=draining,
    )


if __name__ == "__main__":
    main()
