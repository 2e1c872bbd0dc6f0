#!/bin/sh
# Make sure this machine has what the tests need from Debian and a running Docker
# engine. There is no systemd on the CI hosts, so dockerd is started directly.
# Idempotent: does nothing when everything is already there.
set -eu
export DEBIAN_FRONTEND=noninteractive
work=${HARNESS_DIR:-.harness}
mkdir -p "$work"

need=""
# the shellcheck package: for the shellcheck test of ansible-test sanity (make sanity)
for pair in dockerd:docker.io mmdebstrap:mmdebstrap shellcheck:shellcheck; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need="$need ${pair#*:}"
done
# python3-venv: the venv module is missing from Debian's python3 without it
python3 -c 'import ensurepip' 2>/dev/null || need="$need python3-venv"
if [ -n "$need" ]; then
  [ "$(id -u)" = 0 ] || { echo "engine.sh: need root to install:$need" >&2; exit 1; }
  echo "engine.sh: installing$need"
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $need ca-certificates iptables >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "engine.sh: starting dockerd (log: $work/dockerd.log)"
  nohup dockerd >"$work/dockerd.log" 2>&1 &
  i=0
  until docker info >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 120 ]; then tail -50 "$work/dockerd.log" >&2; exit 1; fi
    sleep 0.5
  done
fi
docker info --format 'engine.sh: docker {{.ServerVersion}}, storage {{.Driver}}, cgroup v{{.CgroupVersion}}'
