#!/usr/bin/python
# Copyright: onebox.vps maintainers
# MIT License (see LICENSE at the root of the collection, or https://opensource.org/license/mit)
# SPDX-License-Identifier: MIT

from __future__ import annotations

DOCUMENTATION = r"""
---
module: image_available
short_description: Whether container images are on the host or can be pulled, before any change
description:
  - For each image, says whether the host's Docker engine already has it and, when it does not,
    whether its registry serves it (the Docker Registry HTTP API v2, with the anonymous or
    C(docker login) token flow registries use). Nothing is pulled or changed.
  - Used by the preflight of C(site.yml) so that an image the stack needs and cannot get stops the
    run before the host is touched, instead of failing its last task after hardening.
  - Images in an offline archive (C(docker_images_offline)) are not passed to it.
  - Docker Hub is C(registry-1.docker.io); names without a registry part are Docker Hub's, one-word
    names are in C(library/). A registry on C(localhost) or C(127.0.0.1) is asked over plain HTTP,
    as the Docker engine does; every other registry over HTTPS.
  - Credentials are read from the C(auths) of the Docker client configuration file, as written by
    C(docker login). When a registry refuses anonymous access and the file names a credential
    store or helper instead, the image is reported as unverified (C(pullable=null)), not missing.
version_added: 0.2.0
author:
  - onebox.vps maintainers (@onebox)
options:
  images:
    description: Image references (C(name:tag), C(registry/name:tag) or C(name@sha256:...)).
    type: list
    elements: str
    required: true
  docker_config:
    description: The Docker client configuration file with registry credentials.
    type: path
    default: /root/.docker/config.json
  timeout:
    description: Seconds for each request to a registry.
    type: int
    default: 10
extends_documentation_fragment:
  - onebox.vps.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Check the stack's images can be had
  onebox.vps.image_available:
    images: [nginx:1.27, redis:7]
  register: images

- name: Stop when one cannot
  ansible.builtin.assert:
    that: images.missing | length == 0
"""

RETURN = r"""
images:
  description: One entry per image, in the order given.
  returned: always
  type: list
  elements: dict
  sample:
    - image: nginx:1.27
      present: false
      pullable: true
      reason: served by registry-1.docker.io
missing:
  description: The images that are neither on the host nor served by their registry.
  returned: always
  type: list
  elements: str
  sample: [grafana/alloy:v1.8.3]
"""

# Ansible modules put their documentation first, their imports after it
import base64  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.urls import open_url  # noqa: E402

DOCKER_HUB = "registry-1.docker.io"
HUB_AUTH_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io", DOCKER_HUB)
MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)


def parse_reference(image):
    """(registry, repository, tag-or-digest, canonical name:tag) of an image reference, with
    the Docker engine's rules for the registry part and the default tag."""
    name, _sep, digest = image.partition("@")
    tag = ""
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    first, _sep, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = DOCKER_HUB, name
    if registry == "docker.io":
        registry = DOCKER_HUB
    if registry == DOCKER_HUB and "/" not in repository:
        repository = "library/" + repository
    reference = digest or tag or "latest"
    short = repository[len("library/") :] if repository.startswith("library/") else repository
    shown = short if registry == DOCKER_HUB else f"{registry}/{repository}"
    canonical = f"{shown}@{digest}" if digest else f"{shown}:{tag or 'latest'}"
    return registry, repository, reference, canonical


def local_images(module):
    """Names (name:tag) and digests (name@sha256:...) the host's engine has, or None and why
    not when there is no engine to ask."""
    docker = module.get_bin_path("docker")
    if not docker:
        return None, "no Docker engine on the host yet"
    rc, out, err = module.run_command(
        [docker, "image", "ls", "--no-trunc", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}"]
    )
    if rc != 0:
        return None, "the Docker engine did not answer: " + (err.strip() or out.strip())[:200]
    have = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        repo, tag, digest = parts
        if tag != "<none>":
            have.add(parse_reference(f"{repo}:{tag}")[3])
        if digest != "<none>":
            have.add(parse_reference(f"{repo}@{digest}")[3])
    return have, ""


def registry_credentials(path, registry):
    """(basic-auth header value or None, whether a credential store/helper may hold some)."""
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError):
        return None, False
    keys = HUB_AUTH_KEYS if registry == DOCKER_HUB else (registry, "https://" + registry)
    auths = config.get("auths") or {}
    for key in keys:
        entry = auths.get(key) or {}
        if entry.get("auth"):
            return "Basic " + entry["auth"], False
        if entry.get("username") and entry.get("password"):
            raw = f"{entry['username']}:{entry['password']}".encode()
            return "Basic " + base64.b64encode(raw).decode(), False
    helpers = config.get("credHelpers") or {}
    return None, bool(config.get("credsStore") or any(k in helpers for k in keys))


def _challenge(header):
    """The parameters of a 'Bearer realm="...",service="..."' WWW-Authenticate header."""
    if not header or not header.lower().startswith("bearer "):
        return None
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


def _request(url, method, headers, timeout):
    try:
        # only http(s) URLs are built here (pullable)
        with open_url(url, method=method, headers=headers, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read() if method == "GET" else b""
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers or {}), b""


def pullable(image, config_path, timeout):
    """(True, why) when the registry serves the manifest, (False, why) when it does not or cannot
    be reached, (None, why) when only a credential store could tell."""
    registry, repository, reference, _unused = parse_reference(image)
    host = registry.split(":")[0]
    scheme = "http" if host in ("localhost", "127.0.0.1", "::1") else "https"
    url = f"{scheme}://{registry}/v2/{repository}/manifests/{urllib.parse.quote(reference)}"
    headers = {"Accept": MANIFEST_TYPES}
    basic, helper = registry_credentials(config_path, registry)
    try:
        status, resp_headers, _body = _request(url, "HEAD", headers, timeout)
        if status == 401:
            challenge = _challenge(
                resp_headers.get("WWW-Authenticate") or resp_headers.get("Www-Authenticate")
            )
            if challenge and challenge.get("realm"):
                query = {"scope": f"repository:{repository}:pull"}
                if challenge.get("service"):
                    query["service"] = challenge["service"]
                token_url = challenge["realm"] + "?" + urllib.parse.urlencode(query)
                auth = {"Authorization": basic} if basic else {}
                t_status, _headers, body = _request(token_url, "GET", auth, timeout)
                if t_status == 200:
                    token = json.loads(body or b"{}")
                    token = token.get("token") or token.get("access_token") or ""
                    headers["Authorization"] = "Bearer " + token
                    status, _headers, _body = _request(url, "HEAD", headers, timeout)
                else:
                    status = t_status
            elif basic:
                headers["Authorization"] = basic
                status, _headers, _body = _request(url, "HEAD", headers, timeout)
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return False, f"{registry} cannot be reached from the host ({reason})"
    if status == 200:
        return True, f"served by {registry}"
    if status in (401, 403):
        if helper:
            return None, (
                f"{registry} refuses anonymous pulls and the credentials are in a Docker "
                "credential store this check cannot read: not verified"
            )
        return False, f"{registry} refuses to serve it without credentials (docker login)"
    if status == 404:
        return False, f"{registry} has no such image or tag"
    return False, f"{registry} answered HTTP {status}"


def main():
    module = AnsibleModule(
        argument_spec={
            "images": {"type": "list", "elements": "str", "required": True},
            "docker_config": {"type": "path", "default": "/root/.docker/config.json"},
            "timeout": {"type": "int", "default": 10},
        },
        supports_check_mode=True,
    )
    have, why_not = local_images(module)
    results, missing = [], []
    for image in module.params["images"]:
        canonical = parse_reference(image)[3]
        entry = {"image": image, "present": bool(have) and canonical in have, "pullable": None}
        if entry["present"]:
            entry["reason"] = "on the host"
        else:
            ok, reason = pullable(image, module.params["docker_config"], module.params["timeout"])
            entry["pullable"] = ok
            entry["reason"] = reason + (f"; {why_not}" if why_not and ok is False else "")
            if ok is False:
                missing.append(image)
        results.append(entry)
    module.exit_json(changed=False, images=results, missing=missing)


if __name__ == "__main__":
    main()
