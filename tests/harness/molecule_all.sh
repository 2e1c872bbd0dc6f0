#!/bin/sh
# Run molecule scenarios through scenario.sh, MOLECULE_JOBS at a time (default 2), the
# longest first. Much of a scenario's time is waiting (apt, image loads, health checks,
# compose waits), so two lanes finish well before one on a two-core machine. Each scenario
# writes to .harness/logs/molecule-<name>.log; a failed one's log is printed at the end.
# usage: molecule_all.sh SCENARIO...
set -u
work=${HARNESS_DIR:-.harness}
jobs=${MOLECULE_JOBS:-2}
mkdir -p "$work/logs"
# known long poles first (longest first), then the rest in the order given
order=""
for s in runbooks full_stack harden edge; do
  case " $* " in *" $s "*) order="$order $s" ;; esac
done
for s in "$@"; do
  case " $order " in *" $s "*) ;; *) order="$order $s" ;; esac
done
echo "molecule_all.sh: $jobs at a time:$order"
# shellcheck disable=SC2086
printf '%s\n' $order | xargs -P "$jobs" -I{} sh -c \
  'tests/harness/stage.sh "molecule {}" tests/harness/scenario.sh {} >"$0/logs/molecule-{}.log" 2>&1 \
     && tail -n 1 "$0/logs/molecule-{}.log" \
     || { echo "molecule_all.sh: {} FAILED, log follows"; cat "$0/logs/molecule-{}.log"; exit 1; }' "$work"
