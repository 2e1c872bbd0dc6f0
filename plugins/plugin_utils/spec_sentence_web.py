"""What a sentence says about the web side: the app's port (and a firewall rule written as
'3000/tcp - open'), its domain and aliases, health path, proxy timeout, upload limit,
database pool, name and image; Docker log rotation, 'scale web=2 worker=1', the secrets a
sentence lists, and the host's size. Called by :func:`spec_sentences.sentence_facts`."""

from __future__ import annotations

import re

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_units as units
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Line
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_process_text import (
    SIZE,
)
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_prose import (
    db_facts,
    domain_facts,
    host_facts,
    hosts,
)

_UPLOAD_RE = re.compile(
    r"\b(?:uploads?|request bod(?:y|ies)|bodies|body size|fotos?|photos?|archivos?|arquivos?|"
    r"fichiers?|dateien|envois?|subidas?)\b[^.;]{0,40}?\b(?:capped|limit\w*|max\w*|up to|at most|"
    r"to|no more than|hasta|ate|bis(?: zu)?|jusqu'?a|pesar hasta)\s*(?:at|to|of|is|a|de)?\s*"
    + SIZE
    + r"|\b(?:max\w*|tamano maximo|taille max\w*)\s+(?:de\s+|des\s+)?"
    r"(?:upload|subida|envio|carga|body|envois|requete)\w*\s*:?\s*" + SIZE
)

_POOL_RE = re.compile(
    r"\bpool(?: size)?(?: of| de| von)?\s*[=:]?\s*(\d+)\b|(\d+)[- ]connection pool"
)

_PORT_RE = re.compile(
    r"\b(?:listens?|listening|runs?|running|serves?|serving|escuta|roda|escucha|corre|lauscht|lauft|"
    r"ecoute|tourne|bound|"
    r"binds?|exposes?)\b[^.;]{0,40}?(?:\b(?:port|porta|puerto)\s*:?\s*|\bon\s+|\ben\s+|(?<![\d])\:)"
    r"(\d{2,5})\b"
)

_HEALTH_RE = re.compile(
    r"\bhealth\s*-?(?:checks?|endpoint|path|probe|route|url)?\b[^.;]{0,40}?(/[\w/.-]*\w/?)"
)

_TIMEOUT_RE = re.compile(
    r"\b(?:(?:proxy|read|upstream|request|gateway)[ _-](?:read[ _-])?timeout|tempo limite|"
    r"tiempo de espera|delai d'attente|zeitlimit)[^.;:\d]{0,30}?(?:is|of|:|=|at|to|de|e|es|ist)?"
    r"\s*(\d+)\s*(ms|s|sec|secs|seconds?|segundos?|secondes?|sekunden?|m|min|minutes?|minutos?)\b"
)

_DIRECTIVE_RE = re.compile(r"\b(client_max_body_size|proxy_read_timeout)\s+(\d+[kmg]?|\d+s?)\b")

_ALIAS_WORDS = re.compile(
    r"\b(?:also|alias|aliases|old name|legacy|redirects?|keeps? serving|same app|as well|"
    r"ancienne adresse|ancien domaine|antigua direccion|antigo endereco|alte adresse|"
    r"vecchio indirizzo|oude adres|"
    r"secondary|additional|weitere|tambem|tambien|aussi|ebenfalls|anche)\b"
)

_APP_SLUG_RE = re.compile(
    r"\b(?:the )?(?:app|application|project|service)(?: name)? is\s+\*?"
    r"([a-z][a-z0-9]*(?:-[a-z0-9]+)+)\b"
)

_APP_NAME_RE = re.compile(
    r"\b(?i:the app(?:lication)? is|app(?:lication)? called|project is called|service is called|"
    r"product is|the service is)\s+((?:[A-Z][\w-]*)(?: [A-Z][\w-]*){0,3})"
)

_IMAGE_TEXT_RE = re.compile(
    r"(?<![\w./-])((?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?/[\w./-]+:[\w.-]+|[a-z0-9-]+/[\w.-]+:"
    r"[\w][\w.-]*)(?![\w/])"
)

_IMAGE_RE = re.compile(r"^[a-z0-9][\w.-]*(?:\.[a-z]{2,}|:\d+)?/[\w./-]+:[\w.-]+$")

_DOMAIN_CONTEXT_RE = re.compile(
    r"\b(served|serves|available|lives|hosted|reachable|runs|public|publicly)\b.{0,20}\bat\b|"
    r"\bdomains?\b|"
    r"\bdominio\b|\bdomaine\b|\bredirects? to\b|\bdns\b|\btls\b|\bcertificates?\b|\bbehind\b|"
    r"\bhostname\b|\bpoints? (?:at|to)\b|\bdetras\b|\bhinter\b|\bderriere\b|\batras\b|"
    r"\bpublica\w*|\bservid[ao]\b|\bdisponible\b|\bterminates\b|\bpublic name\b|\bnom public\b|"
    r"\bnome publico\b|\bpublic (?:host|address|url)\b"
)

_VENDOR_DOMAINS = re.compile(
    r"(?:^|\.)(?:github\.com|gitlab\.com|fly\.io|fly\.dev|render\.com|heroku\.com|herokuapp\.com|"
    r"railway\.app|vercel\.app|netlify\.app|amazonaws\.com|cloudflare\.com|sentry\.io|docker\.io|"
    r"docker\.com|ghcr\.io|quay\.io|letsencrypt\.org|grafana\.net|grafana\.com|hetzner\.com|"
    r"digitalocean\.com|ondigitalocean\.app|google\.com|slack\.com|notion\.so|atlassian\.net|"
    r"npmjs\.com|pypi\.org|stripe\.com|twilio\.com|sendgrid\.com|postmarkapp\.com|mailgun\.org|"
    r"supabase\.co|neon\.tech|upstash\.io|onebox\.vps|gitlab\.io|github\.io|nginx\.org|"
    r"nodejs\.org|python\.org|ubuntu\.com|debian\.org)$"
)

_CPU_RE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:x\s*)?(?:(?:dedicated|shared|dedizierte)\s+)?"
    r"(?:v?cpus?|vcores?|cores?|nucleos|kerne)\b"
)

_DOTTED_RE = re.compile(r"[a-z0-9]\.[a-z]")

_KEYED_PORT = re.compile(r"\bport\s*:?\s*(\d{2,5})\b")

_PORT_INSIDE = re.compile(
    r"\bport\s*:?\s*(\d{2,5})\s+(?:inside|in|within|im|dans|en|no|na|nel)\s+"
    r"(?:the |le |el |o |a |de |il )?(?:container|conteneur|contenedor|conteiner|contentor)"
)


def web_facts(line: Line, text: str, folded: str, out: F.Collector, digits: bool) -> None:
    where = line.where
    upload = _UPLOAD_RE.search(folded) if digits else None
    amount = next((g for g in upload.groups() if g), None) if upload else None
    if amount and units.find_size(amount):
        size = units.find_size(amount)
        out.add("nginx_client_max_body_size", units.nginx_size(size), where, 1, text)
    pool = _POOL_RE.search(folded) if digits and "pool" in folded else None
    if pool:
        out.add("app_db_pool_size", int(pool.group(1) or pool.group(2)), where, 1, text)
    if line.key and F.component(line.key) == "app" and digits:
        keyed = _KEYED_PORT.search(folded)
        if keyed:
            out.add("app_port", int(keyed.group(1)), where, 1, text)
    inside = _PORT_INSIDE.search(folded) if digits else None
    if inside:
        out.add("app_port", int(inside.group(1)), where, 1, text)
    port = _PORT_RE.search(folded) if digits else None
    clause = re.split(r"[,;]", folded[: port.start()])[-1] if port else ""
    if (
        port
        and not re.search(
            r"redis|postgres|ssh|nginx|sshd", clause + folded[port.start() : port.start(1)]
        )
        and not re.match(r"\W*(?:the\s+)?(?:ssh|sshd|openssh|redis|postgres\w*)\b", folded)
    ):
        out.add("app_port", int(port.group(1)), where, 1, text)
    if (
        "." in folded
        and _DOTTED_RE.search(folded)  # a name with a dot inside: cheap, and most have none
        and (_DOMAIN_CONTEXT_RE.search(folded) or _ALIAS_WORDS.search(folded))
    ):
        names = [h for h in hosts(text) if not _VENDOR_DOMAINS.search(h)]
        alias = _ALIAS_WORDS.search(folded)
        if names and alias:
            # hosts named before the alias word are the app's, those after are its aliases;
            # 'old.example redirects to new.example': the other way round
            before = [h for h in names if folded.find(h) < alias.start()]
            after = [h for h in names if h not in before]
            if re.match(r"redirects?\s+(?:\(301\)\s+)?to\b", folded[alias.start() :]) and after:
                before, after = after[:1], before
            if before:
                domain_facts(" ".join(before), line, out, 1)
            for host in after if before else names:
                out.add("alias", host, where, 1, text)
        elif names:
            domain_facts(" ".join(names), line, out, 1)
    health = _HEALTH_RE.search(folded) if "health" in folded else None
    if health:
        out.add("app_health_path", health.group(1), where, 1, text)
    timeout = _TIMEOUT_RE.search(folded) if digits else None
    if timeout and units.find_duration(f"{timeout.group(1)} {timeout.group(2)}"):
        seconds = units.find_duration(f"{timeout.group(1)} {timeout.group(2)}")
        out.add("nginx_proxy_read_timeout", units.duration_form(seconds), where, 1, text)
    for key, value in _DIRECTIVE_RE.findall(folded) if digits and "_" in folded else ():
        if key == "client_max_body_size" and units.find_size(
            value + ("b" if value[-1] in "kmg" else "")
        ):
            size = units.find_size(value + ("b" if value[-1] in "kmg" else ""))
            out.add("nginx_client_max_body_size", units.nginx_size(size), where, 2, text)
        elif key == "proxy_read_timeout" and units.find_duration(
            value if value.endswith("s") else value + "s"
        ):
            seconds = units.find_duration(value if value.endswith("s") else value + "s")
            out.add("nginx_proxy_read_timeout", units.duration_form(seconds), where, 2, text)
    name = _APP_NAME_RE.search(text) if vocab.has_any(folded, _NAME_HINTS) else None
    slug = _APP_SLUG_RE.search(folded) if "-" in folded else None
    if name is None and slug:
        out.add("app_name", slug.group(1), where, 1, text)  # 'app is fernwood-orders'
    if name and not set(vocab.fold(name.group(1)).split()) <= vocab.GENERIC_TITLE:
        out.add("app_name", F.slug(name.group(1)), where, 1, text)
    if "image" in folded or "imagem" in folded or "imagen" in folded:
        for match in _IMAGE_TEXT_RE.finditer(text):
            image = match.group(1)
            kind = F.component(image.rsplit("/", 1)[-1].split(":")[0])
            if (
                kind not in {"redis", "postgres", "nginx", "certbot", "alloy"}
                and image not in line.codes
            ):
                F.add_image("app_image", image, where, out, 1)
    rule = _PORT_RULE_RE.match(folded) if digits else None
    if rule:
        from ansible_collections.onebox.vps.plugins.plugin_utils.spec_tables import (
            add_port_rule,
            port_state,
        )

        port, detail = int(rule.group(1)), rule.group(2)
        service = "ssh" if port == 22 else ""
        add_port_rule(
            service or f"port {port}", port, port_state(detail, line.tick), detail, where, out
        )
    rotate = (
        re.search(
            r"\blogs?\b[^.;]{0,40}?\b(?:rotat\w*|max-size)\b[^.;\d]{0,10}(\d+\s*[kmg])b?\b", folded
        )
        if "log" in folded
        else None
    )
    if rotate and units.find_size(rotate.group(1) + "b"):
        size = units.find_size(rotate.group(1) + "b")
        out.add("docker_log_max_size", units.compose_size(size), where, 1, text)
        files = re.search(r"(\d+)\s*(?:files|fichiers|archivos|dateien)|max-file\s*(\d+)", folded)
        if files:
            out.add("docker_log_max_file", int(files.group(1) or files.group(2)), where, 1, text)
    scale = "scale" in folded and re.search(
        r"\bscale(?: count)?\s+((?:[a-z][\w-]*=\d+\s*)+)", folded
    )
    if scale:
        for name, count in re.findall(r"([a-z][\w-]*)=(\d+)", scale.group(1)):
            key = "app_replicas" if name in {"web", "app"} else f"process:{F.slug(name)}:replicas"
            out.add(key, int(count), where, 1, text)
    listed = "ecret" in text and re.search(
        r"\b(?i:secrets?|geheimnisse|segredos|secretos|secrets)\b[^:]{0,40}:\s*"
        r"([A-Z][A-Z0-9_]+(?:\s*(?:,|and|e|y|und|et)\s*[A-Z][A-Z0-9_]+)+)",
        text,
    )
    if listed:
        from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import env_var

        for secret in re.findall(r"[A-Z][A-Z0-9_]+", listed.group(1)):
            env_var(secret, "", where, out, secret=True)
    if (_SECRET_WORDS.search(folded) or ".env" in folded) and (line.codes or "_" in text):
        from ansible_collections.onebox.vps.plugins.plugin_utils.spec_env import HEX32_RE, env_var

        names = [
            c for c in line.codes if re.fullmatch(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,}", c)
        ] or re.findall(r"(?<![\w$])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w=])", text)
        for index, name in enumerate(names):
            after = text[text.find(name) + len(name) :]
            nxt = after.find(names[index + 1]) if index + 1 < len(names) else len(after)
            hint = "32-byte hex" if HEX32_RE.search(after[: max(0, nxt)]) else ""
            env_var(name, hint, where, out, secret=True)
    if "port 22" in folded or "porta 22" in folded or "puerto 22" in folded:
        out.add("harden_ssh_port", 22, where, 1, text)
    for code in line.codes:
        image = F.image(code) if ":" in code and " " not in code else None
        kind = F.component(image.rsplit("/", 1)[-1].split(":")[0]) if image else None
        if image and kind in {"redis", "nginx"}:
            F.add_image(f"{kind}_image", image, where, out, 1)
        elif image and kind == "postgres":
            db_facts(f"postgres {image.partition(':')[2]}", where, out, 1)
        elif image and _IMAGE_RE.match(code) and kind not in {"certbot", "alloy"}:
            F.add_image("app_image", code, where, out, 1)
    cpu = _CPU_RE.search(folded) if digits else None
    if (
        cpu
        and not re.search(
            r"\beach\b|replica|per (?:container|instance)|cada|chacun|jeweils", folded
        )
        and (units.find_size(text) or 0) >= 512 * 1024 * 1024
    ):
        host_facts(text, where, out, 1)


_PORT_RULE_RE = re.compile(r"^\s*(\d{2,5})\s*/\s*(?:tcp|udp)\b\s*[-:\u2013\u2014]*\s*(.*)$")


_NAME_HINTS = ("app", "application", "project", "service", "product")

_SECRET_WORDS = re.compile(
    r"\b(?:secrets?|segredos?|secretos?|geheimnisse|geheim|vault|kluis|coffre|cofre|"
    r"credentials|credenciais|credenciales)\b"
)
