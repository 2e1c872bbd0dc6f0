#!/bin/sh
# A bounded probe loop through Nginx on 127.0.0.1, as the site's name NAME (SNI and Host): one
# request every 0.1 s (about 10 a second, under the specs' 10 r/s general limit), cycling
# through the REQUESTs (METHOD:PATH, default GET:/health; a POST sends the request's number as
# its body), one line per request in OUTFILE:
#   "<n> <http code> <method> <path> rc=<curl exit> [goaway-retried]"
# and "done" last, once STOPFILE appears or after MAX requests, whichever comes first.
# Run by testinfra_helpers.probe (next to this file) in the targets of the edge and runbooks
# scenarios.
#
# The probe speaks HTTP/2 and behaves as an HTTP/2 client must (RFC 9113 8.7): when Nginx reloads,
# a connection that has not sent its request yet is closed with GOAWAY (last stream 0), which tells
# the client the request was not processed and may be sent again; browsers do so. curl 7.88 does
# not, so the probe retries exactly that case once and marks the line (see
# docs/runbooks/deploy.md). Any other failure (a refused or reset connection, a timeout after
# SECONDS, a 5xx) is recorded as it is.
# usage: probe.sh OUTFILE STOPFILE MAX NAME SECONDS [REQUEST...]
set -u
out=$1 stop=$2 max=$3 name=$4 seconds=$5
shift 5
[ $# -gt 0 ] || set -- GET:/health
err=$out.curl
: >"$out"
request() {
  if [ "$method" = POST ]; then
    curl -vsk -o /dev/null -w '%{http_code}' --max-time "$seconds" --resolve "$name:443:127.0.0.1" \
      --data-binary "$i" "https://$name$path" 2>"$err"
  else
    curl -vsk -o /dev/null -w '%{http_code}' --max-time "$seconds" --resolve "$name:443:127.0.0.1" \
      "https://$name$path" 2>"$err"
  fi
}
i=0
while [ ! -e "$stop" ] && [ "$i" -lt "$max" ]; do
  # the next request, and round to the end of the list with it
  method=${1%%:*} path=${1#*:}
  set -- "$@" "$1"
  shift
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
echo "done" >>"$out"
