#!/bin/sh
# Run molecule scenarios through scenario.sh, MOLECULE_JOBS at a time (default 2), the
# longest first. Much of a scenario's time is waiting (apt, image loads, health checks,
# compose waits), so two lanes finish well before one on a two-core machine.
# A run is NAME or NAME@PLATFORM (scenario.sh); the runs of one scenario on several platforms
# share its target names, so they form one lane's chain, run one after the other.
# Each run writes to .harness/logs/molecule-<run>.log; a failed one's log is printed at the end.
# usage: molecule_all.sh RUN...
set -u
work=${HARNESS_DIR:-.harness}
jobs=${MOLECULE_JOBS:-2}
mkdir -p "$work/logs"
# the scenarios in order, longest first (measured in CI: runbooks ~1,100-1,300 s, harden ~600,
# full_stack ~450, docker ~380, edge ~300, base ~200), so the two lanes end close together;
# then the rest as given
names=""
for s in runbooks harden full_stack docker edge base; do
  case " $* " in *" $s "* | *" $s@"*) names="$names $s" ;; esac
done
for r in "$@"; do
  case " $names " in *" ${r%@*} "*) ;; *) names="$names ${r%@*}" ;; esac
done
# one chain per scenario: its runs joined by '+'
chains=""
for s in $names; do
  chain=""
  for r in "$@"; do
    [ "${r%@*}" = "$s" ] && chain="${chain:+$chain+}$r"
  done
  chains="$chains $chain"
done
echo "molecule_all.sh: $jobs at a time:$chains"
# shellcheck disable=SC2086,SC2016 # the chains are words; $0 and $1 are the inner shell's
printf '%s\n' $chains | xargs -P "$jobs" -I{} sh -c '
  rc=0
  for r in $(echo "$1" | tr "+" " "); do
    tests/harness/stage.sh "molecule $r" tests/harness/scenario.sh "$r" >"$0/logs/molecule-$r.log" 2>&1 \
      && tail -n 1 "$0/logs/molecule-$r.log" \
      || { echo "molecule_all.sh: $r FAILED, log follows"; cat "$0/logs/molecule-$r.log"; rc=1; }
  done
  exit $rc' "$work" {}
