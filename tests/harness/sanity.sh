#!/usr/bin/env bash
# ansible-test sanity for the pinned ansible-core, on this machine's python3 (--venv: the
# sanity tools get their own virtual environments under ~/.ansible/test/venv, installed from
# PyPI the first time; --docker is not available on the test machines).
# ansible-test must run from a directory whose path ends in ansible_collections/onebox/vps and
# resolves to itself (the .harness/self symlink is refused), outside this git checkout (inside
# it, ansible-test asks git for the file list and skips the ignored .harness). So the files git
# knows about (tracked, plus new files not ignored: uncommitted work is tested too) are copied
# into a temporary ansible_collections/onebox/vps; its tests/output comes back to tests/output.
# usage: tests/harness/sanity.sh [ansible-test sanity options, e.g. --test pylint]
set -euo pipefail
python=${SANITY_PYTHON:-$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')}
# ansible-test bootstraps pip into its empty venvs with a get-pip.py from ci-files.testing.ansible.com,
# unreachable here: its cache gets tests/harness/get_pip.py and the pip wheel from PyPI instead
pip_version=$(python -c 'import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="'"$python"'"))["pip"])')
cache=$HOME/.ansible/test/cache
get_pip=$cache/get_pip_${pip_version//./_}.py
if ! ls "$cache/pip-$pip_version-"*.whl >/dev/null 2>&1; then
  python -m pip download -q --disable-pip-version-check --no-deps -d "$cache" "pip==$pip_version"
fi
cmp -s tests/harness/get_pip.py "$get_pip" || install -D -m 0644 tests/harness/get_pip.py "$get_pip"
top=$(mktemp -d "${TMPDIR:-/tmp}/onebox-sanity.XXXXXX")
trap 'rm -rf "$top"' EXIT
dest=$top/ansible_collections/onebox/vps
mkdir -p "$dest"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do
    if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
  done |
  tar --null -T - -cf - | tar -xf - -C "$dest"
rc=0
(cd "$dest" && ansible-test sanity --venv --python "$python" --color no "$@") || rc=$?
rm -rf tests/output
if [ -d "$dest/tests/output" ]; then cp -r "$dest/tests/output" tests/output; fi
exit "$rc"
