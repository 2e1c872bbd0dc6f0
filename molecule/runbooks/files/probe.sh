#!/bin/sh
# A bounded probe loop through Nginx on 127.0.0.1: about 10 requests a second, cycling through
# the app's health, a Redis read, a PostgreSQL read and a Redis write (a POST, which Nginx never
# retries), one line per request: "<n> <http code> <path>". Stops when STOPFILE appears or after
# MAX requests, whichever comes first.
# usage: probe.sh OUTFILE STOPFILE MAX
set -u
out=$1 stop=$2 max=$3
i=0
: >"$out"
while [ ! -e "$stop" ] && [ "$i" -lt "$max" ]; do
  case $((i % 4)) in
    0) path=/health method=GET ;;
    1) path=/kv/probe-key method=GET ;;
    2) path=/db/probe-key method=GET ;;
    *) path=/kv/probe-write method=POST ;;
  esac
  if [ "$method" = POST ]; then
    code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 10 --data-binary "$i" "https://127.0.0.1$path")
  else
    code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 10 "https://127.0.0.1$path")
  fi
  echo "$i $code $method $path" >>"$out"
  i=$((i + 1))
  sleep 0.1
done
echo done >>"$out"
