#!/bin/sh
# usage: stage.sh NAME COMMAND...   runs COMMAND, prints and records how long it took
set -u
name=$1
shift
start=$(date +%s)
echo "=== stage $name"
"$@"
rc=$?
took=$(($(date +%s) - start))
status=ok
[ "$rc" -eq 0 ] || status="FAILED rc=$rc"
mkdir -p "${HARNESS_DIR:-.harness}"
printf '%-22s %5ss  %s\n' "$name" "$took" "$status" | tee -a "${HARNESS_DIR:-.harness}/timings.txt"
exit "$rc"
