# Copyright: onebox.vps maintainers
# MIT License (see LICENSE at the root of the collection, or https://opensource.org/license/mit)
# SPDX-License-Identifier: MIT
"""What the attributes of the collection's modules mean; each module gives only its support."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and predict the changed status without changing anything.
  diff_mode:
    description: Returns details on what changed (or would change) in diff mode.
"""
