#!/bin/sh
# Build a minimal Debian 12 root filesystem tarball with mmdebstrap.
# usage: mkrootfs.sh OUT.tar [comma-separated extra packages]
# env: MIRROR, SECMIRROR; DOCKER_CLEAN=1 adds the apt "docker-clean" config the official images carry
set -eu
out=$1
inc=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECMIRROR=${SECMIRROR:-http://deb.debian.org/debian-security}
clean_hook=true
if [ -n "${DOCKER_CLEAN:-}" ]; then
  clean_hook="cp $here/docker-clean.apt.conf \"\$1/etc/apt/apt.conf.d/docker-clean\" && rm -f \"\$1\"/var/cache/apt/*.bin"
fi
# The merged-usr hook keeps usrmerge (and with it all of perl) out of the image.
mmdebstrap --quiet --variant=minbase ${inc:+--include=$inc} \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"; : > "$1/etc/machine-id"' \
  --customize-hook="$clean_hook" \
  bookworm "$out" \
  "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb $SECMIRROR bookworm-security main"
