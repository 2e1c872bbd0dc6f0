#!/bin/sh
# Run one molecule scenario step by step: destroy leftovers, create, prepare, converge,
# idempotence (zero changed), check mode on the converged host (zero changed), verify,
# destroy. Molecule's own "check" command rebuilds the instances first and does not
# assert zero changes, so check mode runs here as `converge -- --check` and the recap
# of the test hosts is read.
# usage: scenario.sh NAME[@PLATFORM]
#   PLATFORM: noble (Ubuntu 24.04, the default), jammy (Ubuntu 22.04) or bookworm (Debian 12);
#   it sets MOLECULE_IMAGE for the scenario's targets.
set -eu
run=$1
s=${run%@*}
case $run in
  *@noble) export MOLECULE_IMAGE=local/ubuntu-systemd:noble ;;
  *@jammy) export MOLECULE_IMAGE=local/ubuntu-systemd:jammy ;;
  *@bookworm) export MOLECULE_IMAGE=local/debian-systemd:bookworm ;;
  *@*) echo "scenario.sh: unknown platform in $run (noble, jammy, bookworm)" >&2 && exit 2 ;;
  *) ;;
esac
work=${HARNESS_DIR:-.harness}
mkdir -p "$work/logs"
log=$work/logs/molecule-$run-check.log
image=${MOLECULE_IMAGE:-local/ubuntu-systemd:noble}
echo "scenario.sh: $run on $image"
# images.sh tags Debian 12 under an Ubuntu name when Ubuntu's archive did not answer (an
# image missing here is no fallback: molecule's create step fails on it with its own message)
fallback=$(docker image inspect -f '{{ index .Config.Labels "onebox.fallback" }}' "$image" 2>/dev/null || true)
case $fallback in
  "" | "<no value>") ;;
  *) echo "scenario.sh: !!! $run: $image IS A DEBIAN 12 FALLBACK, NOT UBUNTU (see images.sh) !!!" ;;
esac

molecule destroy -s "$s" >/dev/null 2>&1 || true
trap 'molecule destroy -s "$s" >/dev/null 2>&1 || true' EXIT
molecule create -s "$s"
molecule prepare -s "$s"
molecule converge -s "$s"
molecule idempotence -s "$s"
molecule converge -s "$s" -- --check >"$log" 2>&1 || { cat "$log"; exit 1; }
recap=$(sed -n '/PLAY RECAP/,$p' "$log" | grep -E 'changed=[0-9]+' | grep -v '^localhost ' || true)
if [ -z "$recap" ]; then
  cat "$log"; echo "scenario.sh: $run: no play recap in check mode" >&2; exit 1
fi
if echo "$recap" | grep -Eqv 'changed=0 '; then
  cat "$log"; echo "scenario.sh: $run: check mode on the converged host reports changes:" >&2
  echo "$recap" >&2; exit 1
fi
echo "scenario.sh: $run: check mode on the converged host: zero changes"
echo "$recap"
molecule verify -s "$s"
