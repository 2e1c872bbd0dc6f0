"""The filter ``onebox.vps.secret_problem``: why a secret value cannot be used, or ``''``.

The roles write secrets into env files as ``NAME='value'`` (compose's env_file format, where a
single-quoted value is taken literally) and into password files of one line. A value holding a
newline, a single quote or another control character could end the value early and add a
variable, or break the file; an empty value or a placeholder left from an example vault
(``REPLACE-...``, ``changeme``, ``<your token>``, ``TODO``) would start the stack with a secret
anyone can guess. The preflight asserts use this filter and name the variable, never the value.
Documentation is in the sidecar file ``secret_problem.yml`` next to this file.
"""

from __future__ import annotations

import re
from typing import Any

from ansible.errors import AnsibleFilterError

PLACEHOLDERS = (
    (re.compile(r"(?<![A-Za-z])REPLACE(?![a-z])"), "a placeholder (REPLACE...)"),
    (re.compile(r"(?<![A-Za-z])TODO(?![A-Za-z])"), "a placeholder (TODO)"),
    (re.compile(r"(?i)(?<![a-z])change[-_ ]?me(?![a-z])"), "a placeholder (changeme)"),
    # a bracketed name standing alone or as a URL part: <your token>, postgresql://<user>:<pw>@
    (re.compile(r"(?i)(?:^|[\s:=/@])<[a-z][a-z0-9 _.-]*>(?=$|[\s:=/@])"), "a placeholder (<...>)"),
)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def secret_problem(value: Any, quotes: bool = False) -> str:
    """'' when *value* can be written as a secret; otherwise what is wrong with it, in words
    that never repeat the value. *quotes*: single quotes are allowed (a value not written in
    single quotes)."""
    if value is None:
        return "empty"
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise AnsibleFilterError(f"secret_problem: expected a string, got {type(value).__name__}")
    text = str(value)
    if text.strip() == "":
        return "empty"
    if "\n" in text or "\r" in text:
        return "more than one line"
    if CONTROL.search(text):
        return "a control character"
    if "'" in text and not quotes:
        return "a single quote (it ends a quoted env-file value)"
    for pattern, what in PLACEHOLDERS:
        if pattern.search(text):
            return what
    return ""


class FilterModule:
    """onebox.vps secret checks."""

    def filters(self) -> dict[str, Any]:
        return {"secret_problem": secret_problem}
