"""tests/harness/command_share.py on a hand-written collection tree: which tasks count as acting
on the host, which as commands, which command tasks give their reason, and the two groups
(roles; runbooks = playbooks/*.yml and roles/runbook)."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "harness" / "command_share.py"
_spec = importlib.util.spec_from_file_location("command_share", SCRIPT)
command_share = importlib.util.module_from_spec(_spec)
sys.modules["command_share"] = command_share  # dataclasses look their module up
_spec.loader.exec_module(command_share)

ROLE_TASKS = """\
---
- name: Install a package
  ansible.builtin.apt:
    name: jq

# a comment that gives no reason
- name: Run a command without a reason
  ansible.builtin.command: true
  changed_when: false

# a longer explanation first,
# command: the reason, anywhere in the comment block right above
- name: Run a command with a reason
  command: true

- name: Not acting on the host
  ansible.builtin.set_fact:
    x: 1

- name: Checks and includes do not count either
  ansible.builtin.assert:
    that: true

- name: Include
  ansible.builtin.include_tasks: other.yml

- name: Delegated to the controller
  ansible.builtin.command: date
  delegate_to: localhost

- name: A block wrapper is not counted, its tasks are
  when: true
  block:
    # shell: nested tasks give their reason too
    - name: Shell in a block
      ansible.builtin.shell: echo hi
    - name: Copy in a block
      ansible.builtin.copy:
        content: x
        dest: /tmp/x
        mode: "0644"
  rescue:
    - name: Raw in rescue
      ansible.legacy.raw: echo hi
  always:
    - name: Meta in always
      ansible.builtin.meta: flush_handlers

- name: A block delegated to localhost
  delegate_to: localhost
  block:
    - name: Runs on the controller
      ansible.builtin.command: date

- name: Old action spelling
  action: ansible.builtin.shell echo hi

- name: Local action
  local_action: ansible.builtin.command date

- name: Loop keywords are not modules
  with_items: [1]
  ansible.builtin.file:
    path: /tmp/{{ item }}
    state: touch
    mode: "0644"
"""

HANDLERS = """\
---
- name: Reload something
  ansible.builtin.systemd_service:
    name: x
    state: reloaded
  listen: reload x
"""

RUNBOOK_TASKS = """\
---
- name: Script
  ansible.builtin.script: do.sh

- name: Stat
  ansible.builtin.stat:
    path: /tmp
"""

PLAYBOOK = """\
---
- name: On the box
  hosts: onebox
  pre_tasks:
    - name: Pause
      ansible.builtin.pause:
        seconds: 1
  tasks:
    # command: a reason
    - name: Command in a play
      ansible.builtin.command: id
    - name: A module in a play
      ansible.builtin.ping:
  handlers:
    - name: A handler in a play
      ansible.builtin.shell: echo hi

- name: On the controller
  hosts: localhost
  tasks:
    - name: Not on the box
      ansible.builtin.command: date

- name: Imported
  ansible.builtin.import_playbook: other.yml
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    files = {
        "roles/one/tasks/main.yml": ROLE_TASKS,
        "roles/one/handlers/main.yml": HANDLERS,
        "roles/two/tasks/sub/deep.yml": "---\n- name: Deep\n  ansible.builtin.raw: uptime\n",
        "roles/two/defaults/main.yml": "---\nx: 1\n",
        "roles/runbook/tasks/main.yml": RUNBOOK_TASKS,
        "playbooks/one.yml": PLAYBOOK,
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_roles(tree):
    roles = command_share.count_all(tree)[0]
    # apt, command, command, shell, copy, raw, action shell, file, handler, deep raw
    assert roles.acting == 10
    # command x2, shell, raw, action shell, deep raw
    assert roles.commands == 6
    assert roles.share == pytest.approx(60.0)
    assert [u.split(" ", 1)[1] for u in roles.unreasoned] == [
        "Run a command without a reason",
        "Raw in rescue",
        "Old action spelling",
        "Deep",
    ]


def test_labels_name_the_file_and_line(tree):
    roles = command_share.count_all(tree)[0]
    assert roles.listing[0] == "roles/one/tasks/main.yml:7 Run a command without a reason"


def test_runbooks(tree):
    runbooks = command_share.count_all(tree)[1]
    # script, stat, command, ping, handler shell (pause and the localhost play do not count)
    assert runbooks.acting == 5
    assert runbooks.commands == 3
    assert [u.split(" ", 1)[1] for u in runbooks.unreasoned] == ["Script", "A handler in a play"]


def test_module_of():
    assert (
        command_share.module_of({"name": "x", "ansible.builtin.command": "id", "when": True})
        == "command"
    )
    assert command_share.module_of({"action": {"module": "ansible.builtin.shell"}}) == "shell"
    assert command_share.module_of({"name": "x", "block": []}) == "block"
    assert command_share.module_of({"name": "only keywords", "when": True}) is None


def test_main_exit_status(tree, capsys):
    assert command_share.main(["--root", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "roles: 6 command tasks of 10 host-acting (60.0 %)" in out
    assert "runbooks: 3 command tasks of 5 host-acting (60.0 %)" in out
    assert command_share.main(["--root", str(tree), "--max-roles", "50"]) == 1
    assert (
        command_share.main(["--root", str(tree), "--max-roles", "60", "--max-runbooks", "60"]) == 0
    )
    assert command_share.main(["--root", str(tree), "--reasons"]) == 1
