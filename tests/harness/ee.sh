#!/bin/sh
# `make ee`: meta/execution-environment.yml gives ansible-builder a build context, and
# ansible-builder's introspection finds the collection's Python and system requirements.
# No image is built (no container registry here, and it would take minutes).
set -eu
repo=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the definition's paths are relative to the collection root: lay the files out as there
mkdir "$tmp/root"
cp meta/execution-environment.yml requirements.txt requirements.yml bindep.txt "$tmp/root/"
ansible-builder create -f "$tmp/root/execution-environment.yml" -c "$tmp/context" \
  --output-filename Containerfile >"$tmp/create.log" 2>&1 || {
  cat "$tmp/create.log"
  exit 1
}
for f in Containerfile _build/requirements.txt _build/requirements.yml _build/bindep.txt; do
  [ -s "$tmp/context/$f" ] || {
    echo "ee.sh: ansible-builder create made no $f" >&2
    exit 1
  }
done
grep -q 'quay.io/centos/centos:stream9' "$tmp/context/Containerfile"
# what an EE that holds onebox.vps would install for it: introspection of the collection
mkdir -p "$tmp/cols/ansible_collections/onebox"
ln -s "$repo" "$tmp/cols/ansible_collections/onebox/vps"
ansible-builder introspect "$tmp/cols" >"$tmp/introspect.yml"
python3 - "$tmp/introspect.yml" <<'PY'
import sys

import yaml

data = yaml.safe_load(open(sys.argv[1]))
python = " ".join(data["python"])
system = " ".join(data["system"])
for want in ("markdown-it-py>=", "ftfy>=", "ruamel.yaml>="):
    assert want in python, (want, data)
assert "openssh-client" in system, data
print(f"ee.sh: build context made; introspection: {len(data['python'])} Python, "
      f"{len(data['system'])} system requirements from onebox.vps")
PY
