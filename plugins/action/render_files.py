"""Action plugin ``onebox.vps.render_files``: several templates (or literal contents) in one task.

An unchanged ``ansible.builtin.template`` costs about five trips to the host (home directory,
temporary directory, ``stat``, ``file``, clean-up). This action renders every file on the
controller exactly as ``template`` does (the role's ``templates/`` search path, ``trim_blocks``,
``ansible_managed`` and the ``template_*`` variables), checks all of them in one run of
``onebox.vps.file_states``, and only then touches the host:

* a file whose content differs (or that is missing) goes through ``ansible.builtin.copy``,
  as ``template`` itself does: ``validate``, ``backup``, check mode and diff as usual;
* a file whose content is right but whose owner, group or mode drifted gets
  ``ansible.builtin.file``;
* a file that is right costs nothing more.

``directories`` are looked at in the same trip and made (or their owner, group and mode set)
with ``ansible.builtin.file`` only when they need it, before the files that go in them.

So a task of N unchanged files costs one trip instead of about 5 N. The task changes when any
file changed, so one task should hold the files that share a handler. Documentation:
``plugins/modules/render_files.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from ansible import constants as C
from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase
from ansible.template import trust_as_template
from ansible.utils.hashing import checksum_s

try:  # the variables ansible.builtin.template adds (ansible_managed, template_path, ...)
    from ansible._internal._templating._template_vars import generate_ansible_template_vars
except ImportError:  # pragma: no cover - older or newer ansible-core: the template action's
    generate_ansible_template_vars = None  # own import path is the one to follow

_FILE_KEYS = frozenset(
    ("src", "content", "dest", "owner", "group", "mode", "validate", "backup", "vars")
)
_ATTRS = ("owner", "group", "mode")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("files", "directories", "owner", "group", "mode"))

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        directories = self._directories()
        files = self._files(required=not directories)
        rendered = [(spec, self._render(spec, task_vars)) for spec in files]
        paths = [d["path"] for d in directories] + [spec["dest"] for spec in files]
        states = self._execute_module(
            module_name="onebox.vps.file_states", module_args={"paths": paths}, task_vars=task_vars
        )
        if states.get("failed"):
            raise AnsibleActionFail(f"could not look at the files: {states.get('msg')}")
        known = states["states"]
        results, diffs = [], []
        work = [(d, None) for d in directories] + rendered  # directories first: files go in them
        try:
            for spec, content in work:
                if content is None:
                    outcome = self._directory(spec, known.get(spec["path"], {}), task_vars)
                else:
                    state = known.get(spec["dest"], {"exists": False})
                    outcome = self._converge(spec, content, state, task_vars)
                results.append(outcome)
                if outcome.get("diff"):
                    diffs.extend(outcome.pop("diff"))
                if outcome.get("failed"):
                    where = spec.get("dest", spec.get("path"))
                    result.update(failed=True, msg=f"{where}: {outcome.get('msg')}")
                    break
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        result["changed"] = any(r.get("changed") for r in results)
        result["results"] = results
        if diffs and self._task.diff:
            result["diff"] = diffs
        return result

    # ------------------------------------------------------------------------------ arguments
    def _directories(self) -> list[dict[str, Any]]:
        items = self._task.args.get("directories") or []
        if not isinstance(items, list):
            raise AnsibleActionFail("directories must be a list of {path, owner, group, mode}")
        defaults = {k: self._task.args[k] for k in ("owner", "group") if self._task.args.get(k)}
        out = []
        for index, item in enumerate(items):
            where = f"directories[{index}]"
            if not isinstance(item, dict):
                raise AnsibleActionFail(f"{where} must be a mapping, got {type(item).__name__}")
            unknown = sorted(set(item) - {"path", *_ATTRS})
            if unknown:
                raise AnsibleActionFail(f"{where}: unknown keys {', '.join(unknown)}")
            path = item.get("path")
            if not isinstance(path, str) or not path.startswith("/"):
                raise AnsibleActionFail(f"{where}: path must be an absolute path")
            if not isinstance(item.get("mode", "0755"), str):
                raise AnsibleActionFail(f"{where}: mode must be a quoted string such as '0755'")
            out.append({"mode": "0755", **defaults, **{k: v for k, v in item.items() if v}})
        return out

    def _files(self, required: bool = True) -> list[dict[str, Any]]:
        files = self._task.args.get("files")
        if files is None and not required:
            return []
        if not isinstance(files, list) or not files:
            raise AnsibleActionFail("files must be a non-empty list of {src or content, dest, ...}")
        defaults = {k: self._task.args[k] for k in _ATTRS if self._task.args.get(k) is not None}
        out, seen = [], set()
        for index, item in enumerate(files):
            where = f"files[{index}]"
            if not isinstance(item, dict):
                raise AnsibleActionFail(f"{where} must be a mapping, got {type(item).__name__}")
            unknown = sorted(set(item) - _FILE_KEYS)
            if unknown:
                raise AnsibleActionFail(f"{where}: unknown keys {', '.join(unknown)}")
            if ("src" in item) == ("content" in item):
                raise AnsibleActionFail(f"{where}: give exactly one of src and content")
            dest = item.get("dest")
            if not isinstance(dest, str) or not dest.startswith("/"):
                raise AnsibleActionFail(f"{where}: dest must be an absolute path")
            if dest in seen:
                raise AnsibleActionFail(f"{where}: {dest} is listed twice")
            seen.add(dest)
            spec = {**defaults, **{k: v for k, v in item.items() if v is not None}}
            if not isinstance(spec.get("vars", {}), dict):
                raise AnsibleActionFail(f"{where}: vars must be a mapping")
            if "mode" in spec and not isinstance(spec["mode"], str):
                raise AnsibleActionFail(f"{where}: mode must be a quoted string such as '0644'")
            out.append(spec)
        return out

    # ------------------------------------------------------------------------------ rendering
    def _render(self, spec: dict[str, Any], task_vars: dict[str, Any]) -> str:
        """The file's text, as ansible.builtin.template would render it."""
        if "content" in spec:
            return to_text(spec["content"])
        try:
            source = self._find_needle("templates", spec["src"])
        except AnsibleError as exc:
            raise AnsibleActionFail(to_text(exc)) from exc
        data = trust_as_template(self._loader.get_text_file_contents(source))
        searchpath = [*task_vars.get("ansible_search_path", []), self._loader._basedir]
        searchpath.append(os.path.dirname(source))
        searchpath = [p for base in searchpath for p in (os.path.join(base, "templates"), base)]
        variables = {**task_vars, **spec.get("vars", {})}  # this file's own variables win
        if generate_ansible_template_vars is not None:
            variables.update(
                generate_ansible_template_vars(
                    path=spec["src"],
                    fullpath=source,
                    dest_path=spec["dest"],
                    include_ansible_managed="ansible_managed" not in variables,
                )
            )
        templar = self._templar.copy_with_new_env(
            searchpath=searchpath, available_variables=variables
        )
        overrides = {"trim_blocks": True, "lstrip_blocks": False, "newline_sequence": "\n"}
        text = templar.template(data, escape_backslashes=False, overrides=overrides)
        return "" if text is None else to_text(text)

    # ------------------------------------------------------------------------------ one file
    def _converge(self, spec, content: str, state: dict, task_vars) -> dict[str, Any]:
        dest = spec["dest"]
        if state.get("type") != "file" or state.get("checksum") != checksum_s(content):
            return self._copy(spec, content, task_vars)
        drift = [attr for attr in _ATTRS if attr in spec and not _same(attr, spec[attr], state)]
        if not drift:
            return {"dest": dest, "changed": False}
        return self._file_module("dest", spec, dest, "file", f"{', '.join(drift)} set", task_vars)

    def _directory(self, spec: dict[str, Any], state: dict, task_vars) -> dict[str, Any]:
        path = spec["path"]
        if state.get("type") == "directory" and all(
            _same(a, spec[a], state) for a in spec if a in _ATTRS
        ):
            return {"path": path, "changed": False}
        return self._file_module(
            "path", spec, path, "directory", "directory made or its attributes set", task_vars
        )

    def _file_module(self, key: str, spec, path: str, state: str, msg: str, task_vars) -> dict:
        """ansible.builtin.file on one path: a directory to make, or attributes to set."""
        args = {"path": path, "state": state, **{a: spec[a] for a in _ATTRS if a in spec}}
        done = self._execute_module(
            module_name="ansible.legacy.file", module_args=args, task_vars=task_vars
        )
        return _outcome(key, path, done, msg)

    def _copy(self, spec: dict[str, Any], content: str, task_vars) -> dict[str, Any]:
        local = tempfile.mkdtemp(dir=C.DEFAULT_LOCAL_TMP)
        try:
            path = os.path.join(local, os.path.basename(spec["dest"]))
            with open(to_bytes(path, errors="surrogate_or_strict"), "wb") as handle:
                handle.write(to_bytes(content, encoding="utf-8", errors="surrogate_or_strict"))
            task = self._task.copy()
            task.args = {"src": path, "dest": spec["dest"]}
            task.args.update({k: spec[k] for k in (*_ATTRS, "validate", "backup") if k in spec})
            copy = self._shared_loader_obj.action_loader.get(
                "ansible.legacy.copy",
                task=task,
                connection=self._connection,
                play_context=self._play_context,
                loader=self._loader,
                templar=self._templar,
                shared_loader_obj=self._shared_loader_obj,
            )
            done = copy.run(task_vars=task_vars)
        finally:
            shutil.rmtree(to_bytes(local, errors="surrogate_or_strict"), ignore_errors=True)
        return _outcome("dest", spec["dest"], done, "content written")


def _outcome(key: str, path: str, done: dict[str, Any], msg: str) -> dict[str, Any]:
    """One entry of ``results`` from what copy or file returned (diffs taken out later)."""
    return {
        key: path,
        "changed": bool(done.get("changed")),
        "failed": bool(done.get("failed")),
        "msg": done.get("msg", msg),
        "diff": [d for d in _as_list(done.get("diff")) if d],
    }


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _same(attr: str, wanted: Any, state: dict[str, Any]) -> bool:
    """Whether the file already has the wanted owner, group or mode. A mode that is not octal
    ('u=rw,g=r') is left to ansible.builtin.file to judge."""
    if attr == "mode":
        try:
            return int(str(wanted), 8) == int(state.get("mode", "-1"), 8)
        except ValueError:
            return False
    ident = {"owner": "uid", "group": "gid"}[attr]
    return str(wanted) in {str(state.get(attr)), str(state.get(ident))}
