#!/bin/sh
# Benchmark of the whole stack (not a test; nothing here is asserted): site.yml through
# inventories/local on a fresh demo target, as `make demo` runs it.
#   - target boot: docker run until systemd is up
#   - cold converge: base, harden, docker and the stack on the fresh target
#   - cold converge over SSH as root (the fresh target), idempotent re-run over SSH as the
#     admin with become, both through demo.sh as `make demo` runs them (the re-run should
#     report changed=0; a warning
#     says when it does not)
#   - memory of the running stack: `docker stats --no-stream` inside the target, per
#     container and in total, and the target container's own memory seen from this machine
#     (systemd, dockerd, containerd and the stack together)
#   - no-change site.yml over SSH as the admin with become (how users run it: pipelining,
#     ControlPersist), and over the docker connection: wall time, tasks, round trips and
#     module runs (counted in a -vvv run of each), the 15 slowest tasks and the time by role
#     (ansible.posix.profile_tasks and profile_roles)
#   - deploy.yml of the release that runs (nothing to do), over both connections, and of a
#     new release (the same image under a new tag: a real rollout, health gate included)
#   - rotate_secrets.yml of one app secret, on a copy of the inventory whose secrets are in an
#     encrypted vault (as in inventories/prod)
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

# --------------------------------------------------------------------- no-change runs, deploys
venv=${HARNESS_DIR:-.harness}/venv/bin
ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")
admin=$(sed -n 's/^base_admin_user: *//p' inventories/local/group_vars/onebox/base.yml)
# the inventory's SSH to the target's address as the admin (become), or the docker connection
export ONEBOX_DEMO_HOST="$ip" ONEBOX_DEMO_PORT=22 ONEBOX_DEMO_USER="$admin"
ssh_vars=""
docker_vars="-e ansible_connection=community.docker.docker -e ansible_host=$name -e ansible_user=root"
export ANSIBLE_HOST_KEY_CHECKING=False
profile=ansible.posix.timer,ansible.posix.profile_tasks,ansible.posix.profile_roles

# play LOG ARGS...: one ansible-playbook run, timed; prints nothing, sets $secs
play() {
  log=$1; shift
  t=$(now)
  # shellcheck disable=SC2086 # $ssh_vars is words
  ANSIBLE_CALLBACKS_ENABLED=$profile PROFILE_TASKS_TASK_OUTPUT_LIMIT=15 \
    "$venv/ansible-playbook" "$@" >"$log" 2>&1 || echo "bench_stack: WARNING: failed: $* (log: $log)"
  secs=$(since "$t")
}
recap() { sed -n '/PLAY RECAP/,$p' "$1" | grep -m1 'ok=' | sed 's/^[^:]*: *//; s/  */ /g'; }
# round trips to the target and module runs (runs of its python3), from a -vvv log; grep -c
# prints 0 and exits 1 when nothing matches, and a count of 0 is a figure, not a failure
trips() { grep -cE 'SSH: EXEC ssh|EXEC \[.*docker' "$1" || true; }
modules() { grep -E 'SSH: EXEC ssh|EXEC \[.*docker' "$1" | grep -c 'python3' || true; }
profile_of() { sed -n '/PLAY RECAP/,$p' "$1" | grep -E -- '-{3,} +[0-9.]+s *$' | sed 's/^/    /'; }

echo
echo "no-change runs of site.yml (the same target, converged):"
printf '  %-44s %8s %6s %6s %7s\n' run seconds tasks trips modules
for via in ssh docker; do
  vars=$ssh_vars
  [ "$via" = docker ] && vars=$docker_vars
  # shellcheck disable=SC2086
  play "$work/nochange-$via.log" -i inventories/local site.yml $vars
  wall=$secs
  # shellcheck disable=SC2086
  play "$work/nochange-$via-vvv.log" -i inventories/local site.yml $vars -vvv
  printf '  %-44s %8s %6s %6s %7s\n' "site.yml over $via ($(recap "$work/nochange-$via.log" | awk '{print $2}'))" \
    "$wall" "$(recap "$work/nochange-$via.log" | sed 's/.*ok=\([0-9]*\).*/\1/')" \
    "$(trips "$work/nochange-$via-vvv.log")" "$(modules "$work/nochange-$via-vvv.log")"
done
# the opt-in of docs/performance.md: Mitogen's strategy (persistent interpreters on the host)
# (the test venv has it; without it the row is left out, and said so)
mitogen=$("$venv/python" -c 'import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))' 2>/dev/null || true)
if [ -z "$mitogen" ]; then
  echo "  (Mitogen is not importable from $venv: the opt-in row is not measured)"
else
  export ANSIBLE_STRATEGY_PLUGINS="$mitogen/plugins/strategy" ANSIBLE_STRATEGY=mitogen_linear
  # shellcheck disable=SC2086
  play "$work/nochange-ssh-mitogen.log" -i inventories/local site.yml $ssh_vars
  unset ANSIBLE_STRATEGY_PLUGINS ANSIBLE_STRATEGY
  printf '  %-44s %8s %6s\n' "site.yml over ssh, Mitogen opt-in ($(recap "$work/nochange-ssh-mitogen.log" | awk '{print $2}'))" \
    "$secs" "$(recap "$work/nochange-ssh-mitogen.log" | sed 's/.*ok=\([0-9]*\).*/\1/')"
fi
echo "  slowest tasks and time by role, no-change run over SSH (profile_tasks, profile_roles):"
profile_of "$work/nochange-ssh.log"

image=$(docker exec "$name" sh -c \
  "docker ps --filter label=com.docker.compose.service=app --format '{{.Image}}' | head -1")
echo
echo "deploy.yml (image $image):"
printf '  %-52s %9s\n' run seconds
# the first deploy after a converge writes the release record; the runs timed after it are no-ops
play "$work/deploy-record.log" -i inventories/local playbooks/deploy.yml -e "image=$image"
# shellcheck disable=SC2086
play "$work/deploy-noop-ssh.log" -i inventories/local playbooks/deploy.yml -e "image=$image" $ssh_vars
printf '  %-52s %9s\n' "the release that runs, over SSH ($(recap "$work/deploy-noop-ssh.log" | awk '{print $2}'))" "$secs"
# shellcheck disable=SC2086
play "$work/deploy-noop-docker.log" -i inventories/local playbooks/deploy.yml -e "image=$image" $docker_vars
printf '  %-52s %9s\n' "the release that runs, over docker ($(recap "$work/deploy-noop-docker.log" | awk '{print $2}'))" "$secs"
next="${image%:*}:bench-next"
docker exec "$name" docker tag "$image" "$next"
# shellcheck disable=SC2086
play "$work/deploy-new-ssh.log" -i inventories/local playbooks/deploy.yml -e "image=$next" $ssh_vars
printf '  %-52s %9s\n' "a new release, over SSH ($(recap "$work/deploy-new-ssh.log" | awk '{print $2}'))" "$secs"
echo "  its slowest tasks (the health gate is the app's own start and health time):"
profile_of "$work/deploy-new-ssh.log" | head -8

# ------------------------------------------------------------------------ rotate one secret
# rotate_secrets.yml rewrites an encrypted vault: a copy of inventories/local whose generated
# secrets are moved into one, as inventories/prod keeps them (the demo keeps them in files).
inv=$work/inventory-vault
rm -rf "$inv"
cp -r inventories/local "$inv"
secrets=${HARNESS_DIR:-.harness}/demo/secrets
"$venv/python" - "$secrets" "$inv/group_vars/onebox" <<'PY'
import sys
from pathlib import Path

import yaml

secrets, group = Path(sys.argv[1]), Path(sys.argv[2])
read = lambda name: (secrets / name).read_text().strip()  # noqa: E731
vault = {
    "vault_redis_password": read("redis_password"),
    "vault_postgres_password": read("postgres_password"),
    "vault_app_secret_values": {
        p.name[len("app_"):]: p.read_text().strip() for p in sorted(secrets.glob("app_*"))
    },
}
(group / "vault.yml").write_text(yaml.safe_dump(vault))
(group / "secrets.yml").write_text(
    "redis_password: '{{ vault_redis_password }}'\n"
    "postgres_password: '{{ vault_postgres_password }}'\n"
    "app_secret_values: '{{ vault_app_secret_values }}'\n"
)
PY
printf 'bench-%s\n' "$$" >"$inv/vault-password"
"$venv/ansible-vault" encrypt --vault-password-file "$inv/vault-password" "$inv/group_vars/onebox/vault.yml" >/dev/null
secret=$(find "$secrets" -name 'app_*' | head -1 | sed 's#.*/app_##')
echo
echo "rotate_secrets.yml (a copy of the inventory with its secrets in an encrypted vault):"
printf '  %-52s %9s\n' run seconds
# HARNESS_DIR absolute: the copy is not two levels under the checkout
case ${HARNESS_DIR:-.harness} in
  /*) ;;
  *) HARNESS_DIR=$PWD/${HARNESS_DIR:-.harness} ;;
esac
export HARNESS_DIR
play "$work/rotate-one.log" -i "$inv" --vault-password-file "$inv/vault-password" \
  playbooks/rotate_secrets.yml -e "secret=$secret"
printf '  %-52s %9s\n' "one app secret ($secret), over SSH ($(recap "$work/rotate-one.log" | awk '{print $2}'))" "$secs"
