#!/bin/sh
# Subset of the official image's entrypoint: run /docker-entrypoint.d/*.sh, then
# envsubst /etc/nginx/templates/*.template into /etc/nginx/conf.d.
set -e
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
  for f in /docker-entrypoint.d/*.sh; do [ -x "$f" ] && "$f"; done
  tdir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
  odir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
  sfx=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
  if [ -d "$tdir" ]; then
    vars=$(printf '${%s} ' $(env | cut -d= -f1))
    find "$tdir" -follow -type f -name "*$sfx" | while read -r t; do
      rel=${t#"$tdir/"}; out="$odir/${rel%"$sfx"}"
      mkdir -p "$(dirname "$out")"; envsubst "$vars" < "$t" > "$out"
    done
  fi
fi
exec "$@"
