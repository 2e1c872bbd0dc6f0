#!/bin/sh
# Create .harness/venv with the tools pinned in pyproject.toml ([dependency-groups] test).
# Rebuilt only when pyproject.toml changes (a stamp holds its hash).
# VENV_NAME and VENV_GROUP make another one, e.g. `VENV_NAME=venv-oldest VENV_GROUP=oldest`
# (the oldest ansible-core and libraries the collection claims to work with).
set -eu
work=${HARNESS_DIR:-.harness}
name=${VENV_NAME:-venv}
group=${VENV_GROUP:-test}
venv=$work/$name
mkdir -p "$work"
# one builder at a time: two make targets started together must not both rebuild it
exec 9>"$work/$name.lock"
flock 9
# The interpreter: $PYTHON if set, else the distribution's own python3 when it is recent
# enough for ansible-core (3.11+), else the first python3 on PATH. Distribution builds are
# optimised (profile-guided, libpython linked in): the spec parser and ansible-playbook's
# controller work run about 12 % faster on Debian 12's 3.11 than on a default source build
# such as pyenv's (tests/bench/bench_spec.py, 1 MB document: 0.92 s against 1.05 s).
python=${PYTHON:-}
if [ -z "$python" ]; then
  # no python3 in the system directories is not an error: the PATH's is used below
  python=$(PATH=/usr/local/bin:/usr/bin:/bin command -v python3 || true)
  if [ -z "$python" ] || ! "$python" -c 'import sys, venv; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    python=$(command -v python3)
  fi
fi
want=$( (sha256sum pyproject.toml; echo "$group"; "$python" -c 'import sys; print(sys.executable, sys.version)') | sha256sum | cut -c1-16)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check 'pip>=25.1'
"$venv/bin/python" -m pip install -q --disable-pip-version-check --group "$group"
echo "$want" >"$venv/.stamp"
"$venv/bin/python" -m pip freeze --all >"$work/$name-freeze.txt"
echo "venv.sh: $(grep -c . "$work/$name-freeze.txt") packages in $venv ($("$venv/bin/python" -VV | head -1), from $python)"
