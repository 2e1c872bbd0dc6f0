"""The controller-side Python packages some plugins need, imported optionally.

ansible-core loads a collection's plugins where those packages may be missing (and
``ansible-test sanity`` checks that every plugin file imports without them), so the modules
that use one import it in a ``try``, keep the ImportError and call :func:`require` when the
package is actually needed; the plugin turns the :class:`MissingPackageError` into its own
error with :meth:`MissingPackageError.message`, which names the package and how to install it.
Pure Python, no Ansible.
"""

from __future__ import annotations

from collections.abc import Mapping


class MissingPackageError(ImportError):
    """A Python package a plugin needs on the controller is not installed."""

    def __init__(self, package: str, error: BaseException) -> None:
        super().__init__(f"the Python package {package} is not installed ({error})")
        self.package = package
        self.error = error

    def message(self, plugin: str) -> str:
        """The error to show for ``plugin`` (its fully qualified name)."""
        return (
            f"{plugin} needs the Python package {self.package} on the controller: "
            f"pip install {self.package} (or pip install -r requirements.txt, at the root of "
            f"the onebox.vps collection, for all of them); the import failed with: {self.error}"
        )


def require(import_errors: Mapping[str, BaseException | None]) -> None:
    """Raise MissingPackageError for the first package (by its PyPI name) that failed to import."""
    for package, error in import_errors.items():
        if error is not None:
            raise MissingPackageError(package, error)
