#!/bin/sh
# Build the local test images: the "fresh VPS" targets (Ubuntu 24.04 and 22.04 from Ubuntu's
# archive, Debian 12; each with systemd), a slim Debian base, and stand-ins for the official
# service images built from it.
# Each image carries a label with the hash of its recipe and is rebuilt only when the
# recipe (or the base it is built on) changes.
# usage: images.sh [name ...]      (default: all, in dependency order)
set -eu
export DOCKER_BUILDKIT=0 # the Debian client has no buildx; the legacy builder is enough
dir=tests/images
work=${HARNESS_DIR:-.harness}
mkdir -p "$work/logs"

recipe_hash() { # dir [extra]
  { find "$1" -type f ! -name rootfs.tar ! -path '*/certs/*' | LC_ALL=C sort | xargs sha256sum; echo "${2:-}"; } |
    sha256sum | cut -c1-16
}
current_hash() {
  docker image inspect -f '{{ index .Config.Labels "onebox.recipe" }}' "$1" 2>/dev/null || true
}

build_rootfs_image() { # name tag [suite]
  name=$1 tag=$2 suite=${3:-bookworm}
  extra=""
  [ "$suite" = bookworm ] || extra="$suite $(sha256sum "$dir/ubuntu-keyring.pin")"
  # the systemd targets share one Dockerfile; debian-slim has its own
  dockerfile=$dir/$name/Dockerfile
  [ -f "$dockerfile" ] || { dockerfile=$dir/systemd.Dockerfile && extra="$extra $(sha256sum "$dockerfile")"; }
  h=$(recipe_hash "$dir/$name" "$(sha256sum "$dir/mkrootfs.sh" "$dir/docker-clean.apt.conf")$extra")
  [ "$(current_hash "$tag")" = "$h" ] && return 0
  echo "images.sh: building $tag (mmdebstrap)"
  clean=""
  [ "$name" = debian-slim ] && clean=1
  DOCKER_CLEAN=$clean "$dir/mkrootfs.sh" "$dir/$name/rootfs.tar" "$(cat "$dir/$name/packages")" "$suite" \
    >"$work/logs/mkrootfs-$name-$suite.log" 2>&1 || { tail -30 "$work/logs/mkrootfs-$name-$suite.log" >&2; return 1; }
  docker build -q --label "onebox.recipe=$h" -f "$dockerfile" -t "$tag" "$dir/$name" >/dev/null || return 1
  rm -f "$dir/$name/rootfs.tar"
}

# Ubuntu's archive keyring: the pinned .deb (sha256) from the archive, holding the pinned
# signing key; prints the keyring's path. Fails when the archive does not answer or a check fails.
ubuntu_keyring() {
  pin=$dir/ubuntu-keyring.pin
  deb=$(sed -n 's/^deb=//p' "$pin") sum=$(sed -n 's/^sha256=//p' "$pin") fpr=$(sed -n 's/^fingerprint=//p' "$pin")
  k=$work/ubuntu-keyring
  mkdir -p "$k"
  if ! [ -s "$k/keyring.deb" ] || ! echo "$sum  $k/keyring.deb" | sha256sum -c --status; then
    curl -fsS --max-time 60 -o "$k/keyring.deb" "${UBUNTU_MIRROR:-http://archive.ubuntu.com/ubuntu}/$deb" || return 1
  fi
  echo "$sum  $k/keyring.deb" | sha256sum -c --status || { echo "images.sh: $deb: sha256 differs from $pin" >&2; return 1; }
  rm -rf "$k/x" && dpkg-deb -x "$k/keyring.deb" "$k/x"
  gpg --no-default-keyring --keyring "$k/x/usr/share/keyrings/ubuntu-archive-keyring.gpg" --with-colons --fingerprint 2>/dev/null |
    grep -q "^fpr:*$fpr:" || { echo "images.sh: the keyring does not hold $fpr" >&2; return 1; }
  echo "$k/x/usr/share/keyrings/ubuntu-archive-keyring.gpg"
}

# the line of $work/platform-fallback.txt about SUITE, removed (a file is there only after a fallback)
forget_fallback() { # suite
  [ ! -f "$work/platform-fallback.txt" ] || sed -i "/ubuntu-systemd:$1 /d" "$work/platform-fallback.txt"
}

# local/ubuntu-systemd:SUITE from Ubuntu's archive; when the archive does not answer (or the
# keyring fails its checks) the tag names the Debian 12 target instead, said loudly here and
# recorded in $work/platform-fallback.txt, which `make test` prints with the stage timings.
build_ubuntu() { # suite
  suite=$1 tag=local/ubuntu-systemd:$1
  if keyring=$(ubuntu_keyring) && UBUNTU_KEYRING=$keyring build_rootfs_image ubuntu-systemd "$tag" "$suite"; then
    forget_fallback "$suite"
    return 0
  fi
  echo "images.sh: !!! $tag NOT BUILT (Ubuntu's archive did not answer, the keyring failed its check, or mmdebstrap failed: $work/logs/mkrootfs-ubuntu-systemd-$suite.log): IT IS DEBIAN 12 (local/debian-systemd:bookworm) IN THIS RUN !!!" >&2
  docker build -q --label onebox.recipe=fallback --label onebox.fallback=bookworm -t "$tag" - >/dev/null 2>&1 <<DOCKERFILE
FROM local/debian-systemd:bookworm
DOCKERFILE
  forget_fallback "$suite"
  echo "local/ubuntu-systemd:$suite fell back to Debian 12: not built from Ubuntu's archive ($(date -u +%FT%TZ))" >>"$work/platform-fallback.txt"
}

pebble_certs() { # a throwaway test CA and server certificate for pebble's own HTTPS
  c=$dir/pebble/certs
  [ -s "$c/cert.pem" ] && return 0
  mkdir -p "$c"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Pebble Test Minica" \
    -keyout "$c/pebble.minica.key.pem" -out "$c/pebble.minica.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=pebble" -keyout "$c/key.pem" -out "$c/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:pebble,DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$c/ext.cnf"
  openssl x509 -req -in "$c/server.csr" -CA "$c/pebble.minica.pem" -CAkey "$c/pebble.minica.key.pem" \
    -CAcreateserial -days 3650 -extfile "$c/ext.cnf" -out "$c/cert.pem" 2>/dev/null
}

build_standin() { # name
  name=$1 tag=local/$1:latest
  [ "$name" = pebble ] && pebble_certs
  h=$(recipe_hash "$dir/$name" "$(docker image inspect -f '{{.Id}}' local/debian:bookworm-slim)")
  if [ "$(current_hash "$tag")" != "$h" ]; then
    echo "images.sh: building $tag"
    docker build -q --label "onebox.recipe=$h" -t "$tag" "$dir/$name" >"$work/logs/build-$name.log" 2>&1 ||
      { tail -30 "$work/logs/build-$name.log" >&2; exit 1; }
  fi
  # official names the role defaults use, so compose files find the stand-ins locally
  if [ -f "$dir/$name/aliases" ]; then
    grep -v '^#' "$dir/$name/aliases" | while read -r alias; do
      [ -n "$alias" ] && docker tag "$tag" "$alias"
    done
  fi
  return 0
}

# Releases of the demo app for the runbook tests (deploy, rollback): the same recipe built
# with another APP_VERSION, and a broken release whose /health fails. Not tagged :latest.
build_release() { # tag version recipe-dir
  tag=$1 version=$2 rdir=$3
  h=$(recipe_hash "$rdir" "$version $(docker image inspect -f '{{.Id}}' local/demo-app:latest)")
  [ "$(current_hash "$tag")" = "$h" ] && return 0
  echo "images.sh: building $tag"
  docker build -q --label "onebox.recipe=$h" --build-arg "APP_VERSION=$version" --build-arg "VERSION=$version" -t "$tag" "$rdir" \
    >"$work/logs/build-$(echo "$tag" | tr '/:' '__').log" 2>&1 ||
    { tail -30 "$work/logs/build-$(echo "$tag" | tr '/:' '__').log" >&2; exit 1; }
}

# Archives of images for the engines inside test targets (no registry to pull from):
# .harness/imgcache/NAME.tar, rewritten only when one of its images changed.
save_archive() { # name image...
  name=$1
  shift
  mkdir -p "$work/imgcache"
  ids=$(docker image inspect -f '{{.Id}}' "$@" | tr '\n' ' ')
  [ -s "$work/imgcache/$name.tar" ] && [ "$(cat "$work/imgcache/$name.ids" 2>/dev/null)" = "$ids" ] && return 0
  echo "images.sh: saving $work/imgcache/$name.tar ($*)"
  # written aside and moved in: a scenario loading the archive meanwhile reads the old one whole
  docker save -o "$work/imgcache/$name.tar.new" "$@"
  mv "$work/imgcache/$name.tar.new" "$work/imgcache/$name.tar"
  echo "$ids" >"$work/imgcache/$name.ids"
}

all="debian-systemd ubuntu-noble ubuntu-jammy debian-slim nginx redis certbot postgres pebble demo-app"
# shellcheck disable=SC2048 # image names are single words, split on purpose (none given: all)
for name in ${*:-$all}; do
  case $name in
    debian-systemd) build_rootfs_image debian-systemd local/debian-systemd:bookworm ;;
    ubuntu-noble) build_ubuntu noble ;;
    ubuntu-jammy) build_ubuntu jammy ;;
    debian-slim) build_rootfs_image debian-slim local/debian:bookworm-slim ;;
    *) build_standin "$name" ;;
  esac
done
[ $# -eq 0 ] && save_archive docker local/debian:bookworm-slim nginx:1.27
# certbot and pebble for full_stack's ACME host: 77 MB more in the stack archive, where loading
# the edge archive as well would copy 227 MB more into that host
[ $# -eq 0 ] && save_archive stack nginx:1.27 redis:7 postgres:15 postgres:16 postgres:17 local/demo-app:1.0.0 \
  certbot/certbot:v2.11.0 local/pebble:latest
[ $# -eq 0 ] && save_archive edge nginx:1.27 local/demo-app:1.0.0 certbot/certbot:v2.11.0 local/pebble:latest
if [ $# -eq 0 ]; then
  build_release local/demo-app:1.1.0 1.1.0 "$dir/demo-app"
  build_release local/demo-app:1.2.0-broken 1.2.0-broken "$dir/demo-app-broken"
  save_archive demo-app-1.1.0 local/demo-app:1.1.0
  save_archive demo-app-1.2.0-broken local/demo-app:1.2.0-broken
fi
docker images --filter 'reference=local/*' --format 'images.sh: {{.Repository}}:{{.Tag}} {{.Size}}'
