#!/usr/bin/python
# Copyright: onebox.vps maintainers
# MIT License (see LICENSE at the root of the collection, or https://opensource.org/license/mit)
# SPDX-License-Identifier: MIT

from __future__ import annotations

DOCUMENTATION = r"""
---
module: file_states
short_description: Checksum, owner, group and mode of several files in one module run
description:
  - Reports, for each path, whether it exists, its type, SHA-1 checksum (regular files),
    owner, group and mode. Symbolic links are not followed.
  - Read-only. Used by the action plugin M(onebox.vps.render_files) to check all the files of
    a task in one trip to the host instead of several per file.
version_added: 0.1.0
author:
  - onebox.vps maintainers (@onebox)
options:
  paths:
    description: Absolute paths on the managed host.
    type: list
    elements: path
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
- name: Look at two files at once
  onebox.vps.file_states:
    paths: [/etc/ssh/sshd_config, /etc/default/ufw]
  register: states
"""

RETURN = r"""
states:
  description: One entry per path, keyed by the path.
  returned: always
  type: dict
  sample:
    /etc/default/ufw:
      exists: true
      type: file
      checksum: 8f3c0c2f6c0e4b6b3e2d5f0b8d1b1e6e2f0a9c11
      owner: root
      group: root
      uid: 0
      gid: 0
      mode: "0644"
"""

# Ansible modules put their documentation first, their imports after it
import grp  # noqa: E402
import os  # noqa: E402
import pwd  # noqa: E402
import stat  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402


def _name(lookup, ident: int) -> str:
    try:
        return lookup(ident)[0]
    except KeyError:  # an id with no name: report the number
        return str(ident)


def describe(module: AnsibleModule, path: str) -> dict:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return {"exists": False}
    kinds = ((stat.S_ISREG, "file"), (stat.S_ISDIR, "directory"), (stat.S_ISLNK, "link"))
    kind = next((name for test, name in kinds if test(info.st_mode)), "other")
    entry = {
        "exists": True,
        "type": kind,
        "owner": _name(pwd.getpwuid, info.st_uid),
        "group": _name(grp.getgrgid, info.st_gid),
        "uid": info.st_uid,
        "gid": info.st_gid,
        "mode": f"{stat.S_IMODE(info.st_mode):04o}",
    }
    if kind == "file":
        entry["checksum"] = module.sha1(path)
    return entry


def main() -> None:
    module = AnsibleModule(
        argument_spec={"paths": {"type": "list", "elements": "path", "required": True}},
        supports_check_mode=True,
    )
    states = {path: describe(module, path) for path in module.params["paths"]}
    module.exit_json(changed=False, states=states)


if __name__ == "__main__":
    main()
