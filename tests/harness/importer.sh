#!/bin/sh
# galaxy-importer, the checks Galaxy and Automation Hub run on an uploaded collection, on the
# tarball `ansible-galaxy collection build` makes of this checkout. Fails on any error it
# logs (or a failed import); its warnings are printed and counted (README: "Galaxy import").
# Settings: .config/galaxy-importer.cfg (no ansible-test, no ansible-lint: stages of their own).
# galaxy-importer has its own venv, $HARNESS_DIR/importer-venv, from the `importer` dependency
# group of pyproject.toml: it requires attrs<24, the test venv resolves attrs 26. Rebuilt
# when that group or the interpreter changes (a stamp holds their hash).
set -eu
work=${HARNESS_DIR:-.harness}
venv=$work/importer-venv
mkdir -p "$work"
exec 9>"$work/importer-venv.lock"
flock 9
python=${PYTHON:-$(PATH=/usr/local/bin:/usr/bin:/bin command -v python3 || command -v python3)}
want=$( (sed -n '/^importer = \[/,/^\]/p' pyproject.toml; "$python" -c 'import sys; print(sys.executable, sys.version)') | sha256sum | cut -c1-16)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check 'pip>=25.1'
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --group importer
  echo "$want" >"$venv/.stamp"
  "$venv/bin/python" -m pip freeze --all >"$work/importer-freeze.txt"
  echo "importer.sh: galaxy-importer venv in $venv"
fi
exec 9>&-

tmp=$(mktemp -d "${TMPDIR:-/tmp}/onebox-importer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ansible-galaxy collection build --output-path "$tmp" . >/dev/null
rc=0
# its venv first on PATH: the importer runs that venv's ansible-doc (and ansible-lint); from
# $tmp, where it leaves its importer_result.json
bin=$PWD/$venv/bin
cfg=$PWD/.config/galaxy-importer.cfg
(cd "$tmp" && PATH=$bin:$PATH GALAXY_IMPORTER_CONFIG=$cfg \
  "$bin/python" -m galaxy_importer.main onebox-vps-*.tar.gz >log 2>&1) || rc=$?
# INFO lines are plain; the others start with their level. grep exits 1 when it selects or
# counts nothing, which is no failure here: the import's own status is rc, and errors is judged below
grep -v '^Loading ' "$tmp/log" || true
errors=$(grep -c '^ERROR' "$tmp/log" || true)
warnings=$(grep -c '^WARNING' "$tmp/log" || true)
echo "importer.sh: galaxy-importer $errors error(s), $warnings warning(s), exit status $rc"
[ "$rc" -eq 0 ] && [ "$errors" -eq 0 ]
