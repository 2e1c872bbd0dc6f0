# Copyright: onebox.vps maintainers
# MIT License (see LICENSE at the root of the collection, or https://opensource.org/license/mit)
# SPDX-License-Identifier: MIT

# The work is done by the action plugin of the same name (plugins/action/render_files.py),
# which renders on the controller and uses onebox.vps.file_states, ansible.builtin.copy and
# ansible.builtin.file on the host; this file holds its documentation.

DOCUMENTATION = r"""
---
module: render_files
short_description: Several templates or contents in one task, checked in one trip to the host
description:
  - Renders each template on the controller as M(ansible.builtin.template) does (search path
    of the role's C(templates/), C(trim_blocks), C(ansible_managed)), or takes a literal
    O(files[].content).
  - Looks at every destination in one run of M(onebox.vps.file_states). A file whose content
    differs, or that is missing, is written through M(ansible.builtin.copy) (with
    O(files[].validate) and O(files[].backup)); a file whose content is right but whose owner,
    group or mode drifted is fixed with M(ansible.builtin.file); a file that is right costs
    nothing more. N unchanged files cost one trip instead of about five each.
  - The task reports changed when any file changed, so put files that share a handler in one task.
version_added: 0.1.0
author:
  - onebox.vps maintainers (@onebox)
options:
  directories:
    description:
      - Directories to make (with their parents) or whose owner, group or mode to set, before
        any file; looked at in the same trip as the files.
    type: list
    elements: dict
    suboptions:
      path:
        description: Absolute path on the host.
        type: path
        required: true
      owner:
        description: Owner; O(owner) when not given.
        type: str
      group:
        description: Group; O(group) when not given.
        type: str
      mode:
        description: Mode as a quoted octal string.
        type: str
        default: "0755"
  files:
    description: The files, written in this order. Required unless O(directories) is given.
    type: list
    elements: dict
    suboptions:
      src:
        description:
          - A template, looked up as M(ansible.builtin.template) looks up its C(src).
        type: str
      content:
        description: The file's text, instead of O(files[].src).
        type: str
      dest:
        description: Absolute path on the host. Its directory must exist.
        type: path
        required: true
      owner:
        description: Owner; O(owner) when not given.
        type: str
      group:
        description: Group; O(group) when not given.
        type: str
      mode:
        description:
          - Mode as a quoted octal string (V('0644')) or a symbolic mode; O(mode) when not given.
        type: str
      validate:
        description:
          - Command that checks a new content before it replaces the file (C(%s) is the new file).
        type: str
      backup:
        description: Keep a backup of a file that is replaced.
        type: bool
        default: false
      vars:
        description:
          - Variables for this file's template only (one template rendered with other values).
        type: dict
  owner:
    description: Owner of every file and directory that does not name one.
    type: str
  group:
    description: Group of every file and directory that does not name one.
    type: str
  mode:
    description: Mode of every file that does not name one (directories default to V('0755')).
    type: str
extends_documentation_fragment:
  - onebox.vps.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - Files are rendered with the task's variables, like M(ansible.builtin.template).
"""

EXAMPLES = r"""
- name: Render the kernel drop-ins
  onebox.vps.render_files:
    owner: root
    group: root
    mode: "0644"
    directories:
      - path: /etc/systemd/coredump.conf.d
    files:
      - src: limits-coredump.conf.j2
        dest: /etc/security/limits.d/60-onebox-coredump.conf
      - src: coredump.conf.j2
        dest: /etc/systemd/coredump.conf.d/60-onebox.conf
      - content: "install usb-storage /bin/false\n"
        dest: /etc/modprobe.d/onebox-usb.conf
"""

RETURN = r"""
results:
  description: One entry per file, in order.
  returned: always
  type: list
  elements: dict
  contains:
    dest:
      description: The file.
      type: str
    changed:
      description: Whether this file was written or its attributes set.
      type: bool
"""
