"""Share of host-acting tasks that run a command (issue #18 point 7).

Two groups are counted: the roles (roles/*/tasks and roles/*/handlers, without roles/runbook)
and the runbooks (the plays in playbooks/*.yml and roles/runbook). A task acts on the host
when it runs a module on the managed host, so these are not counted:

- block wrappers (their tasks are counted one by one, in block, rescue and always);
- controller-side actions: set_fact, assert, debug, fail, include_*/import_*, meta, pause,
  add_host, group_by, set_stats, validate_argument_spec, include_vars;
- tasks delegated to the controller (delegate_to: localhost or 127.0.0.1, local_action) and
  every task of a play whose hosts is localhost.

A host-acting task is a command task when its module is command, shell, script or raw (short,
ansible.builtin. or ansible.legacy. name). Each command task that stays should say why in a
comment right above it (any line of the comment block starting "# command:", "# shell:",
"# script:" or "# raw:"); the ones without are listed.

usage: command_share.py [--root DIR] [--max-roles PCT] [--max-runbooks PCT] [--reasons]
Exit 1 when a share is over its maximum, or (with --reasons) a command task has no reason.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

COMMANDS = {"command", "shell", "script", "raw"}
CONTROLLER = {
    "set_fact",
    "assert",
    "debug",
    "fail",
    "include_tasks",
    "import_tasks",
    "include_role",
    "import_role",
    "include_vars",
    "include",
    "meta",
    "pause",
    "add_host",
    "group_by",
    "set_stats",
    "validate_argument_spec",
    "end_play",
}
LOCAL = {"localhost", "127.0.0.1", "::1"}
# Keywords a task may carry besides its module (the playbook keywords of a task, plus the
# loop spellings and the old "args").
KEYWORDS = {
    "action",
    "any_errors_fatal",
    "args",
    "async",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "changed_when",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "delay",
    "delegate_facts",
    "delegate_to",
    "diff",
    "environment",
    "failed_when",
    "ignore_errors",
    "ignore_unreachable",
    "listen",
    "local_action",
    "loop",
    "loop_control",
    "module_defaults",
    "name",
    "no_log",
    "notify",
    "poll",
    "port",
    "register",
    "remote_user",
    "retries",
    "run_once",
    "tags",
    "throttle",
    "timeout",
    "until",
    "vars",
    "when",
}
REASON = re.compile(r"^\s*#\s*(command|shell|script|raw):")


@dataclass
class Count:
    """Host-acting and command tasks of one group; the command tasks without a reason."""

    acting: int = 0
    commands: int = 0
    unreasoned: list[str] = field(default_factory=list)
    listing: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        return 100.0 * self.commands / self.acting if self.acting else 0.0


class _Loader(yaml.SafeLoader):
    """Safe loader that keeps each mapping's first line and reads any tag (!unsafe, !vault)
    as its plain value."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    data = loader.construct_mapping(node, deep=True)
    data["__line__"] = node.start_mark.line  # 0-based
    return data


def _any_tag(loader: _Loader, _suffix: str, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return _mapping(loader, node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_multi_constructor("!", _any_tag)


def module_of(task: dict) -> str | None:
    """The short name of the task's module (None when it has none)."""
    if "local_action" in task:
        value = task["local_action"]
        name = value.get("module") if isinstance(value, dict) else str(value).split()[0]
        return str(name).rsplit(".", 1)[-1]
    if "action" in task:
        value = task["action"]
        name = value.get("module") if isinstance(value, dict) else str(value).split()[0]
        return str(name).rsplit(".", 1)[-1]
    for key in task:
        if key == "__line__" or key in KEYWORDS or key.startswith("with_"):
            continue
        return key.rsplit(".", 1)[-1]
    return None


def _local(task: dict, inherited: bool) -> bool:
    if "local_action" in task:
        return True
    if "delegate_to" in task:
        return str(task["delegate_to"]).strip() in LOCAL
    return inherited


def _has_reason(lines: list[str], line: int) -> bool:
    """Whether the comment block right above 0-based line `line` gives a command's reason."""
    i = line - 1
    while i >= 0 and lines[i].lstrip().startswith("#"):
        if REASON.match(lines[i]):
            return True
        i -= 1
    return False


def walk(tasks, count: Count, where: str, lines: list[str], local: bool = False) -> None:
    """Count the tasks of one task list (blocks are walked, not counted)."""
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        here = _local(task, local)
        if any(k in task for k in ("block", "rescue", "always")):
            for part in ("block", "rescue", "always"):
                walk(task.get(part), count, where, lines, here)
            continue
        module = module_of(task)
        if module is None or module in CONTROLLER or here:
            continue
        count.acting += 1
        line = task.get("__line__", 0)
        label = f"{where}:{line + 1} {task.get('name', module)}"
        if module in COMMANDS:
            count.commands += 1
            count.listing.append(label)
            if not _has_reason(lines, line):
                count.unreasoned.append(label)


def _load(path: Path):
    text = path.read_text()
    return yaml.load(text, Loader=_Loader), text.splitlines()


def count_task_files(files, count: Count, root: Path) -> None:
    for path in files:
        data, lines = _load(path)
        if isinstance(data, list):
            walk(data, count, str(path.relative_to(root)), lines)


def count_playbook(path: Path, count: Count, root: Path) -> None:
    data, lines = _load(path)
    for play in data if isinstance(data, list) else []:
        if not isinstance(play, dict) or "import_playbook" in play:
            continue
        local = str(play.get("hosts", "")).strip() in LOCAL or play.get("connection") == "local"
        for part in ("pre_tasks", "tasks", "post_tasks", "handlers"):
            walk(play.get(part), count, str(path.relative_to(root)), lines, local)


def _role_files(role: Path) -> list[Path]:
    return sorted(p for part in ("tasks", "handlers") for p in (role / part).rglob("*.yml"))


def count_all(root: Path) -> tuple[Count, Count]:
    """(roles, runbooks) of the collection at root."""
    roles, runbooks = Count(), Count()
    for role in sorted(p for p in (root / "roles").iterdir() if p.is_dir()):
        target = runbooks if role.name == "runbook" else roles
        count_task_files(_role_files(role), target, root)
    for path in sorted((root / "playbooks").glob("*.yml")):
        count_playbook(path, runbooks, root)
    return roles, runbooks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--max-roles", type=float, default=None)
    parser.add_argument("--max-runbooks", type=float, default=None)
    parser.add_argument(
        "--reasons", action="store_true", help="fail on a command task without a reason"
    )
    parser.add_argument("--list", action="store_true", help="list the command tasks")
    args = parser.parse_args(argv)
    roles, runbooks = count_all(args.root)
    status = 0
    for label, count, limit in (
        ("roles", roles, args.max_roles),
        ("runbooks", runbooks, args.max_runbooks),
    ):
        share = f"{count.share:.1f} %"
        print(f"{label}: {count.commands} command tasks of {count.acting} host-acting ({share})")
        if args.list:
            for item in count.listing:
                print(f"  {item}")
        for item in count.unreasoned:
            print(f"  no reason: {item}")
        if limit is not None and count.share > limit:
            print(f"  over the maximum of {limit:g} %")
            status = 1
        if args.reasons and count.unreasoned:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
