#!/bin/sh
# One HTTPS request to /health every 0.1 s (under the spec's 10 r/s general limit), one status
# code per line in OUTFILE, until STOPFILE appears or after MAX requests.
# Like any HTTP/2 client, a request is sent again when Nginx's reload closed its connection with
# GOAWAY before processing it (RFC 9113; see docs/runbooks/deploy.md); every other failure counts.
# The request goes to 127.0.0.1 as the site's name NAME (SNI and Host): Nginx answers no other.
# usage: probe.sh OUTFILE STOPFILE MAX NAME
set -u
out=$1 stop=$2 max=$3 name=$4
err=$out.curl
get() {
  curl -vsk -o /dev/null -w '%{http_code}' --max-time 5 --resolve "$name:443:127.0.0.1" \
    "https://$name/health" 2>"$err"
}
i=0
while [ ! -e "$stop" ] && [ "$i" -lt "$max" ]; do
  code=$(get) || { grep -q 'GOAWAY, error=0, last_stream=0$' "$err" && code=$(get); }
  echo "$code" >>"$out"
  i=$((i + 1))
  sleep 0.1
done
