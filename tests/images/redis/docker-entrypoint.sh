#!/bin/sh
# Foreground redis-server as user redis; protected-mode off unless asked (as the official build).
set -e
case "$1" in -*|*.conf) set -- redis-server "$@";; esac
if [ "$1" = redis-server ]; then
  shift
  conf=""; case "${1:-}" in -*|"") ;; *) conf=$1; shift;; esac
  case " $* " in *" --protected-mode "*) ;; *) set -- --protected-mode no "$@";; esac
  set -- redis-server ${conf:+"$conf"} "$@"
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' + 2>/dev/null || true
    umask 0077
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
