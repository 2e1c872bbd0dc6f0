#!/bin/sh
# Benchmark of the whole stack (not a test; nothing here is asserted): site.yml through
# inventories/local on a fresh demo target, as `make demo` runs it.
#   - target boot: docker run until systemd is up
#   - cold converge: base, harden, docker and the stack on the fresh target
#   - idempotent re-run (it should report changed=0; a warning says when it does not)
#   - memory of the running stack: `docker stats --no-stream` inside the target, per
#     container and in total, and the target container's own memory seen from this machine
#     (systemd, dockerd, containerd and the stack together)
#
# usage: tests/bench/bench_stack.sh        (from `make bench`; needs `make setup images`)
# env:   BENCH_IMAGE   target image (default: local/debian-systemd:bookworm)
#
# A throwaway container of its own (never the demo's onebox-demo), made and removed with
# tests/harness/demo.sh, so the same safety settings hold; it publishes no ports.
set -eu
cd "$(dirname "$0")/../.."
work=${HARNESS_DIR:-.harness}/bench-stack
mkdir -p "$work"
export ONEBOX_DEMO_NAME=onebox-bench-stack-$$
export ONEBOX_DEMO_IMAGE="${BENCH_IMAGE:-local/debian-systemd:bookworm}"
export ONEBOX_DEMO_HTTP_PORT='' ONEBOX_DEMO_HTTPS_PORT='' ONEBOX_DEMO_SSH_PORT='' ONEBOX_DEMO_QUIET=1
name=$ONEBOX_DEMO_NAME
demo=tests/harness/demo.sh

cleanup() { "$demo" destroy >/dev/null 2>&1 || true; }
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
changed() { sed -n '/PLAY RECAP/,$p' "$1" | sed -n 's/.* changed=\([0-9]*\) .*/\1/p' | head -1; }

echo "bench_stack: container $name from $ONEBOX_DEMO_IMAGE; logs in $work"
t=$(now); "$demo" create >/dev/null; boot=$(since "$t")
t=$(now); ONEBOX_DEMO_LOG=$work/converge-cold.log "$demo" converge >/dev/null; cold=$(since "$t")
t=$(now); ONEBOX_DEMO_LOG=$work/converge-rerun.log "$demo" converge >/dev/null; rerun=$(since "$t")
cold_changed=$(changed "$work/converge-cold.log")
rerun_changed=$(changed "$work/converge-rerun.log")
[ "$rerun_changed" = 0 ] || echo "bench_stack: WARNING: the re-run reported changed=$rerun_changed"
health=$(docker exec "$name" curl -sk --max-time 10 https://127.0.0.1/health || echo "no answer")

# "12.5MiB / 1.9GiB" -> MiB
to_mib='function mib(s) { v = s + 0; u = s; sub(/^[0-9.]+/, "", u)
  if (u == "GiB") v *= 1024; else if (u == "KiB" || u == "kB") v /= 1024; else if (u == "B") v /= 1048576
  return v }'
inner=$(docker exec "$name" docker stats --no-stream --format '{{.Name}} {{.MemUsage}}')
outer=$(docker stats --no-stream --format '{{.MemUsage}}' "$name")

echo
echo "site.yml on a fresh target (inventories/local, inventories/local/spec.md):"
printf '  %-52s %9s\n' step seconds
printf '  %-52s %9s\n' "target boot (docker run until systemd is up)" "$boot"
printf '  %-52s %9s\n' "cold converge (changed=$cold_changed)" "$cold"
printf '  %-52s %9s\n' "idempotent re-run (changed=$rerun_changed)" "$rerun"
echo "  health through Nginx: $health"
echo
echo "memory of the running stack (docker stats --no-stream):"
printf '  %-52s %9s\n' "container (inside the target)" MiB
echo "$inner" | LC_ALL=C sort | awk "$to_mib"'
  { m = mib($2); total += m; printf "  %-52s %9.1f\n", $1, m }
  END { printf "  %-52s %9.1f\n", "total of the stack (" NR " containers)", total }'
echo "$outer" | awk "$to_mib"'
  { printf "  %-52s %9.1f\n", "the target container (systemd, dockerd, the stack)", mib($1) }'
