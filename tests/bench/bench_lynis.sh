#!/bin/sh
# Benchmark of onebox.vps.harden (not a test): the Lynis hardening index of the stock test
# image and after base + harden, and the converge and idempotent re-run wall times.
#
# usage: tests/bench/bench_lynis.sh        (from `make bench`; needs `make setup images`)
# env:   BENCH_IMAGE   target image (default: local/debian-systemd:bookworm)
#        BENCH_AIDE=0  skip the third measurement, with AIDE turned on (adds about a minute)
#
# A throwaway container of its own (never the scenario's), with the capabilities and
# mounts of molecule/resources/platform.yml. molecule/harden/prepare.yml and converge.yml run
# in it with the scenario's variables, so the same safety rules hold: only /proc/sys/net
# is writable, kernel-global sysctls are rendered but not applied, audit rules are
# rendered with auditd masked. Lynis only reads.
set -eu
cd "$(dirname "$0")/../.."
work=${HARNESS_DIR:-.harness}/bench-lynis
venv=${HARNESS_DIR:-.harness}/venv/bin
image=${BENCH_IMAGE:-local/debian-systemd:bookworm}
name=onebox-bench-lynis-$$
mkdir -p "$work"
export ANSIBLE_FORCE_COLOR=0 NO_COLOR=1 PY_COLORS=0
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$PWD/.harness/self:$PWD/.harness/collections}"

cleanup() { docker rm -f -v "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM

# docker run flags (molecule/resources/platform.yml) and the scenario's variables
"$venv/python" tests/harness/run_flags.py >"$work/run-flags"
"$venv/python" - "$work" <<'PY'
import json, sys
from pathlib import Path
import yaml

work = Path(sys.argv[1])
scenario = yaml.safe_load(Path("molecule/harden/molecule.yml").read_text())
variables = scenario["provisioner"]["inventory"]["group_vars"]["all"]
(work / "vars.json").write_text(json.dumps(variables))
PY

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
in_target() { docker exec "$name" sh -c "$1"; }

lynis_index() { # label
  in_target 'lynis audit system --quick --no-colors >/root/lynis.out 2>&1; true'
  docker cp "$name:/root/lynis.out" "$work/lynis-$1.txt" >/dev/null
  docker cp "$name:/var/log/lynis-report.dat" "$work/lynis-report-$1.dat" >/dev/null
  sed -n 's/^hardening_index=//p' "$work/lynis-report-$1.dat"
}

play() { # playbook, extra ansible-playbook arguments...
  book=$1; shift
  "$venv/ansible-playbook" -i "$name," -c community.docker.docker -e "@$work/vars.json" "$@" "$book" \
    >"$work/$(basename "$book" .yml).log" 2>&1 || { tail -40 "$work/$(basename "$book" .yml).log"; exit 1; }
}

echo "bench_lynis: container $name from $image"
# shellcheck disable=SC2046 # the flags file holds quoted words
eval docker run -d --name "$name" $(cat "$work/run-flags") "$image" >/dev/null
i=0
until [ "$(docker exec "$name" systemctl is-system-running 2>/dev/null || true)" = running ]; do
  i=$((i + 1)); [ $i -gt 120 ] && { echo "bench_lynis: target did not boot" >&2; exit 1; }; sleep 0.5
done

# lynis is installed first, so both audits see the same set of packages
in_target 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lynis >/dev/null'
stock=$(lynis_index stock)
echo "bench_lynis: Lynis hardening index, stock image: $stock"

play molecule/harden/prepare.yml
t=$(now); play molecule/harden/converge.yml; converge=$(since "$t")
t=$(now); play molecule/harden/converge.yml; rerun=$(since "$t")
grep -q 'changed=0 ' "$work/converge.log" || echo "bench_lynis: WARNING: the re-run reported changes"
after=$(lynis_index after)
echo "bench_lynis: Lynis hardening index, after base + harden (scenario settings): $after"
echo "bench_lynis: converge ${converge}s, idempotent re-run ${rerun}s"

if [ "${BENCH_AIDE:-1}" != 0 ]; then
  t=$(now); play molecule/harden/converge.yml -e '{"harden_aide_enabled": true}'; aide=$(since "$t")
  with_aide=$(lynis_index aide)
  echo "bench_lynis: Lynis hardening index, with AIDE on as well: $with_aide (converge ${aide}s)"
fi
echo "bench_lynis: reports and logs in $work"
