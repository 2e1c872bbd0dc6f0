#!/bin/sh
# Run one molecule scenario step by step: destroy leftovers, create, prepare, converge,
# idempotence (zero changed), check mode on the converged host (zero changed), verify,
# destroy. Molecule's own "check" command rebuilds the instances first and does not
# assert zero changes, so check mode runs here as `converge -- --check` and the recap
# of the test hosts is read.
# usage: scenario.sh NAME
set -eu
s=$1
work=${HARNESS_DIR:-.harness}
mkdir -p "$work/logs"
log=$work/logs/molecule-$s-check.log

molecule destroy -s "$s" >/dev/null 2>&1 || true
trap 'molecule destroy -s "$s" >/dev/null 2>&1 || true' EXIT
molecule create -s "$s"
molecule prepare -s "$s"
molecule converge -s "$s"
molecule idempotence -s "$s"
molecule converge -s "$s" -- --check >"$log" 2>&1 || { cat "$log"; exit 1; }
recap=$(sed -n '/PLAY RECAP/,$p' "$log" | grep -E 'changed=[0-9]+' | grep -v '^localhost ' || true)
if [ -z "$recap" ]; then
  cat "$log"; echo "scenario.sh: $s: no play recap in check mode" >&2; exit 1
fi
if echo "$recap" | grep -Eqv 'changed=0 '; then
  cat "$log"; echo "scenario.sh: $s: check mode on the converged host reports changes:" >&2
  echo "$recap" >&2; exit 1
fi
echo "scenario.sh: $s: check mode on the converged host: zero changes"
echo "$recap"
molecule verify -s "$s"
