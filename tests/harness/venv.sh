#!/bin/sh
# Create .harness/venv with the tools pinned in pyproject.toml ([dependency-groups] test).
# Rebuilt only when pyproject.toml changes (a stamp holds its hash).
set -eu
work=${HARNESS_DIR:-.harness}
venv=$work/venv
mkdir -p "$work"
# one builder at a time: two make targets started together must not both rebuild it
exec 9>"$work/venv.lock"
flock 9
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check 'pip>=25.1'
"$venv/bin/python" -m pip install -q --disable-pip-version-check --group test
echo "$want" >"$venv/.stamp"
"$venv/bin/python" -m pip freeze --all >"$work/venv-freeze.txt"
echo "venv.sh: $(grep -c . "$work/venv-freeze.txt") packages in $venv"
