#!/bin/sh
# The built-in demo target: a local container that behaves like a fresh VPS (Ubuntu 24.04,
# systemd as PID 1, sshd, the operator's key in root's authorized_keys; from
# local/ubuntu-systemd:noble), converged with the whole of site.yml through inventories/local,
# over SSH as an operator does: as root the first time, then as the admin with sudo.
#
# usage: tests/harness/demo.sh up        create or start the target, converge, print the URL
#                                        and the health answer (what `make demo` runs)
#        tests/harness/demo.sh create    create or start the target and wait for systemd
#        tests/harness/demo.sh converge  ansible-playbook site.yml -i inventories/local, over SSH
#                                        as the admin if it can log in, as root otherwise
#        tests/harness/demo.sh health    print the URL and the health answer
#        tests/harness/demo.sh audit     check by behaviour what the stack refuses and hides (the
#                                        app's database role, Redis ACL, secrets, limits, Nginx
#                                        unprivileged, firewall, ssh-audit, daemon options):
#                                        tests/harness/demo_audit.py; non-zero when one fails
#        tests/harness/demo.sh destroy   remove the target and its volume (what `make demo-destroy` runs)
# env:   ONEBOX_DEMO_NAME        container name (default onebox-demo)
#        ONEBOX_DEMO_IMAGE       target image (default local/ubuntu-systemd:noble)
#        ONEBOX_DEMO_HTTP_PORT   127.0.0.1 port published to the target's 80 (default 8080)
#        ONEBOX_DEMO_HTTPS_PORT  127.0.0.1 port published to the target's 443 (default 8443)
#        ONEBOX_DEMO_SSH_PORT    127.0.0.1 port published to the target's 22 (default 2222;
#                                Ansible itself connects to the container's address)
#                                (an empty value publishes nothing; ports are set when the
#                                container is created: `make demo-destroy demo` to change them)
#        ONEBOX_DEMO_QUIET=1     converge log to the log file only (default: also on stdout)
#        ONEBOX_DEMO_LOG         the converge log (default .harness/logs/demo-NAME-converge.log)
# Needs `make setup images` (the Makefile's demo target depends on them).
#
# The target gets the capability list and mounts of molecule/resources/platform.yml (no
# --privileged, no SYS_TIME/SYS_MODULE/SYS_BOOT/SYS_RAWIO/AUDIT_CONTROL) and a volume of
# its own on /var/lib/docker for the inner engine. Only /proc/sys/net is made writable;
# inventories/local keeps the kernel-global settings (sysctls outside net.*, swap, audit
# rules, the clock) rendered but not applied, because the container shares this machine's
# kernel. Generated secrets and the admin's SSH key pair are kept in .harness/demo/.
set -eu
cd "$(dirname "$0")/../.."
work=${HARNESS_DIR:-.harness}
venv=$work/venv/bin
name=${ONEBOX_DEMO_NAME:-onebox-demo}
image=${ONEBOX_DEMO_IMAGE:-local/ubuntu-systemd:noble}
http_port=${ONEBOX_DEMO_HTTP_PORT-8080}
https_port=${ONEBOX_DEMO_HTTPS_PORT-8443}
ssh_port=${ONEBOX_DEMO_SSH_PORT-2222}
volume=$name-var-lib-docker
# Docker 29 (Ubuntu 24.04) keeps images in containerd's store, which needs a volume of its own too
cvolume=$name-var-lib-containerd
demo=$work/demo
log=${ONEBOX_DEMO_LOG:-$work/logs/demo-$name-converge.log}
export ONEBOX_DEMO_NAME="$name" ANSIBLE_FORCE_COLOR=0 NO_COLOR=1 PY_COLORS=0
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$PWD/$work/self:$PWD/$work/collections}"
mkdir -p "$work/logs"

say() { echo "demo.sh: $*"; }
state() {
  s=$(docker container inspect -f '{{.State.Status}}' "$name" 2>/dev/null) || s=absent
  echo "$s"
}

# The admin's SSH key pair (base_admin_ssh_keys reads the public half). Made with the
# cryptography package ansible-core already depends on, so no ssh-keygen is needed.
ssh_key() {
  [ -s "$demo/ssh/id_ed25519.pub" ] && return 0
  mkdir -p "$demo/ssh"
  chmod 0700 "$demo" "$demo/ssh"
  "$venv/python" - "$demo/ssh/id_ed25519" <<'PY'
import os, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

path = sys.argv[1]
key = Ed25519PrivateKey.generate()
private = key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
)
public = key.public_key().public_bytes(
    serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "wb") as f:
    f.write(private)
with open(path + ".pub", "wb") as f:
    f.write(public + b" onebox-demo-admin\n")
PY
  say "made the admin's SSH key pair in $demo/ssh/"
}

# docker run flags from molecule/resources/platform.yml, the one list of safe capabilities
run_flags() {
  "$venv/python" tests/harness/run_flags.py
}

publish_flags() {
  for pair in "$http_port:80" "$https_port:443" "$ssh_port:22"; do
    [ -n "${pair%%:*}" ] && printf ' --publish=127.0.0.1:%s' "$pair"
  done
  return 0
}

create() {
  ssh_key
  case $(state) in
    running) ;;
    absent)
      # a volume left by a container removed without -v would not be a fresh VPS
      docker volume rm "$volume" "$cvolume" >/dev/null 2>&1 || true
      say "creating $name from $image"
      # shellcheck disable=SC2046 # the flags are quoted words
      eval docker run -d --name "$name" --hostname "$name" --label io.onebox.demo=true \
        $(run_flags) "--volume=$volume:/var/lib/docker" "--volume=$cvolume:/var/lib/containerd" $(publish_flags) "$image" >/dev/null
      ;;
    *)
      say "starting $name"
      docker start "$name" >/dev/null
      ;;
  esac
  i=0
  until docker exec "$name" systemctl is-system-running 2>/dev/null | grep -Eqx 'running|degraded'; do
    i=$((i + 1))
    if [ "$i" -gt 240 ]; then
      docker exec "$name" systemctl --failed --no-pager >&2 || true
      say "$name: systemd did not finish booting" >&2
      exit 1
    fi
    sleep 0.5
  done
  # Docker mounts /proc/sys read-only without --privileged: make only the per-network-
  # namespace sysctls writable (the harden role applies net.*), never kernel.*/fs.*/vm.*.
  docker exec "$name" sh -c 'mountpoint -q /proc/sys/net ||
    { mount --bind /proc/sys/net /proc/sys/net && mount -o remount,rw,bind /proc/sys/net; }'
  # what a cloud provider does when it creates a VPS: the operator's key for root
  docker exec -i "$name" sh -c 'install -d -m 0700 /root/.ssh && touch /root/.ssh/authorized_keys &&
    read -r key && { grep -qxF "$key" /root/.ssh/authorized_keys || echo "$key" >>/root/.ssh/authorized_keys; } &&
    chmod 0600 /root/.ssh/authorized_keys' <"$demo/ssh/id_ed25519.pub"
}

admin() { sed -n "s/^base_admin_user: *//p" inventories/local/group_vars/onebox/base.yml; }

# SSH to the container's address (what inventories/local reads), as the admin once it can log
# in; on a fresh target that is root, and harden turns root login off at the end of that run
connect() {
  ONEBOX_DEMO_HOST=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$name" | cut -d' ' -f1)
  ONEBOX_DEMO_PORT=22
  ONEBOX_DEMO_USER=$(admin)
  if ! ssh -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -i "$demo/ssh/id_ed25519" "$ONEBOX_DEMO_USER@$ONEBOX_DEMO_HOST" true 2>/dev/null; then
    ONEBOX_DEMO_USER=root
  fi
  export ONEBOX_DEMO_HOST ONEBOX_DEMO_PORT ONEBOX_DEMO_USER
  if [ "$ONEBOX_DEMO_USER" = root ]; then
    say "first run: ssh root@$ONEBOX_DEMO_HOST (a fresh VPS has no other account; this run makes the admin and turns root login off)"
  else
    say "ssh $ONEBOX_DEMO_USER@$ONEBOX_DEMO_HOST, become root with sudo"
  fi
}

converge() {
  [ "$(state)" = running ] || { say "$name is not running: run 'make demo'" >&2; exit 1; }
  connect
  say "converging site.yml on $name (log: $log)"
  set -- "$venv/ansible-playbook" -i inventories/local site.yml
  if [ "${ONEBOX_DEMO_QUIET:-0}" = 1 ]; then
    "$@" >"$log" 2>&1 || { tail -60 "$log" >&2; say "converge failed (log: $log)" >&2; exit 1; }
  else
    # pipefail is not POSIX: keep the playbook's status in a file
    { "$@" 2>&1; echo $? >"$log.rc"; } | tee "$log"
    rc=$(cat "$log.rc"); rm -f "$log.rc"
    [ "$rc" = 0 ] || { say "converge failed (log: $log)" >&2; exit "$rc"; }
  fi
  sed -n '/PLAY RECAP/,/^$/p' "$log" | grep -E 'changed=' | sed 's/^/demo.sh: /'
}

health() {
  # the ports the container really publishes (set when it was created)
  published() { docker port "$name" "$1/tcp" 2>/dev/null | grep '^127\.0\.0\.1:' | head -1; }
  https_at=$(published 443) http_at=$(published 80) ssh_at=$(published 22)
  if [ -z "$https_at" ]; then
    say "$name publishes no HTTPS port; inside the target: curl -sk https://127.0.0.1/health"
    docker exec "$name" curl -sk --max-time 10 https://127.0.0.1/health
    echo
    return 0
  fi
  url=https://$https_at
  i=0
  until answer=$(curl -sk --max-time 5 "$url/health") && [ -n "$answer" ]; do
    i=$((i + 1))
    [ "$i" -gt 30 ] && { say "no answer from $url/health" >&2; exit 1; }
    sleep 1
  done
  project=$(docker exec "$name" sh -c 'ls -d /opt/*/compose.yaml 2>/dev/null | head -1 | xargs -r dirname')
  echo
  echo "The demo stack is up: $url/ (self-signed certificate: curl -k)"
  echo "  curl -sk $url/health  ->  $answer"
  [ -n "$http_at" ] && echo "  http://$http_at/ redirects to HTTPS (port 443 of the target)"
  [ -n "$ssh_at" ] && echo "  ssh -i $demo/ssh/id_ed25519 -p ${ssh_at##*:} $(admin)@127.0.0.1   (root login is refused)"
  [ -n "$project" ] && echo "  docker exec -it $name sh -c 'cd $project && docker compose ps'"
  echo "  make demo-destroy   removes the container and its volume"
}

audit() {
  [ "$(state)" = running ] || { say "$name is not running: run 'make demo'" >&2; exit 1; }
  echo
  say "what the stack refuses and hides (tests/harness/demo_audit.py):"
  "$venv/python" tests/harness/demo_audit.py "$name" "$demo/secrets"
}

destroy() {
  if [ "$(state)" != absent ]; then
    say "removing $name and its volumes"
    docker rm -f -v "$name" >/dev/null
  fi
  docker volume rm "$volume" "$cvolume" >/dev/null 2>&1 || true
  say "$name is gone (secrets and the SSH key stay in $demo/)"
}

case ${1:-up} in
  up) create; converge; health; audit ;;
  create) create ;;
  converge) converge ;;
  health) health ;;
  audit) audit ;;
  destroy) destroy ;;
  *) echo "usage: $0 [up|create|converge|health|audit|destroy]" >&2; exit 2 ;;
esac
