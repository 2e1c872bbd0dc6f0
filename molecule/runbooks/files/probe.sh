#!/bin/sh
# A bounded probe loop through Nginx on 127.0.0.1, as the site's name NAME (SNI and Host): about 10 requests a second, cycling through
# the app's health, a Redis read, a PostgreSQL read and a Redis write (a POST, which Nginx never
# retries), one line per request: "<n> <http code> <method> <path> rc=<curl exit> [goaway-retried]".
# Stops when STOPFILE appears or after MAX requests, whichever comes first.
#
# The probe speaks HTTP/2 and behaves as an HTTP/2 client must (RFC 9113 8.7): when Nginx reloads,
# a connection that has not sent its request yet is closed with GOAWAY (last stream 0), which tells
# the client the request was not processed and may be sent again; browsers do so. curl 7.88 does
# not, so the probe retries exactly that case once and marks the line. Any other failure (a refused
# or reset connection, a timeout, a 5xx) is recorded as it is.
# usage: probe.sh OUTFILE STOPFILE MAX NAME
set -u
out=$1 stop=$2 max=$3 name=$4
err=$out.curl
i=0
: >"$out"
request() {
  if [ "$method" = POST ]; then
    curl -vsk -o /dev/null -w '%{http_code}' --max-time 10 --resolve "$name:443:127.0.0.1" \
      --data-binary "$i" "https://$name$path" 2>"$err"
  else
    curl -vsk -o /dev/null -w '%{http_code}' --max-time 10 --resolve "$name:443:127.0.0.1" \
      "https://$name$path" 2>"$err"
  fi
}
while [ ! -e "$stop" ] && [ "$i" -lt "$max" ]; do
  case $((i % 4)) in
    0) path=/health method=GET ;;
    1) path=/kv/probe-key method=GET ;;
    2) path=/db/probe-key method=GET ;;
    *) path=/kv/probe-write method=POST ;;
  esac
  note=""
  code=$(request)
  rc=$?
  if [ "$rc" -ne 0 ] && grep -q 'GOAWAY, error=0, last_stream=0$' "$err"; then
    note=" goaway-retried"
    code=$(request)
    rc=$?
  fi
  echo "$i $code $method $path rc=$rc$note" >>"$out"
  i=$((i + 1))
  sleep 0.1
done
rm -f "$err"
echo done >>"$out"
