#!/bin/sh
# Build a minimal root filesystem tarball with mmdebstrap: Debian 12 (bookworm), or Ubuntu
# (noble, jammy) from Ubuntu's archive with its main and universe components.
# usage: mkrootfs.sh OUT.tar [comma-separated extra packages] [suite]
# env: MIRROR, SECMIRROR (the archive and its security host); UBUNTU_KEYRING, the checked
#      keyring for an Ubuntu suite (images.sh fetches it); DOCKER_CLEAN=1 adds the apt
#      "docker-clean" config the official images carry
set -eu
out=$1
inc=${2:-}
suite=${3:-bookworm}
here=$(cd "$(dirname "$0")" && pwd)
clean_hook=true
if [ -n "${DOCKER_CLEAN:-}" ]; then
  clean_hook="cp $here/docker-clean.apt.conf \"\$1/etc/apt/apt.conf.d/docker-clean\" && rm -f \"\$1\"/var/cache/apt/*.bin"
fi
case $suite in
  bookworm)
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
    SECMIRROR=${SECMIRROR:-http://deb.debian.org/debian-security}
    # The merged-usr hook keeps usrmerge (and with it all of perl) out of the image.
    set -- --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
    sources="deb $MIRROR $suite main|deb $MIRROR $suite-updates main|deb $SECMIRROR $suite-security main"
    ;;
  noble | jammy)
    MIRROR=${MIRROR:-http://archive.ubuntu.com/ubuntu}
    SECMIRROR=${SECMIRROR:-http://security.ubuntu.com/ubuntu}
    : "${UBUNTU_KEYRING:?an Ubuntu suite needs UBUNTU_KEYRING (images.sh checks and passes it)}"
    # inside the image apt trusts the ubuntu-keyring package, which apt depends on
    set -- --keyring="$UBUNTU_KEYRING"
    c="main universe"
    sources="deb $MIRROR $suite $c|deb $MIRROR $suite-updates $c|deb $SECMIRROR $suite-security $c"
    ;;
  *)
    echo "mkrootfs.sh: unknown suite $suite" >&2
    exit 2
    ;;
esac
IFS='|'
# shellcheck disable=SC2086 # $sources is split on | into one argument per apt source line
mmdebstrap --quiet --variant=minbase ${inc:+--include=$inc} "$@" \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --customize-hook='rm -f "$1/etc/resolv.conf" "$1/etc/hostname"; : > "$1/etc/machine-id"' \
  --customize-hook="$clean_hook" \
  "$suite" "$out" $sources
