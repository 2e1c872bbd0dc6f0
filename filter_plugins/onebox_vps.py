"""Shim so playbooks run from this checkout find the spec filters without an installed collection.

The one implementation is the collection's ``plugins/filter/spec.py``; this file only
re-exports its FilterModule (ansible.cfg's collections_path makes the checkout resolve
as ``onebox.vps``).
"""

from ansible_collections.onebox.vps.plugins.filter.spec import FilterModule

__all__ = ["FilterModule"]
