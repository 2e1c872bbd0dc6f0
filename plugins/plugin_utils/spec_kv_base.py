"""The key/value line (KV) and its key's canonical name in the vocabulary."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from ansible_collections.onebox.vps.plugins.plugin_utils import spec_facts as F
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_vocab as vocab
from ansible_collections.onebox.vps.plugins.plugin_utils.spec_blocks import Line, Where

REPO_RE = re.compile(
    r"(?:github|gitlab|bitbucket)\.(?:com|org)/[\w.-]+/([\w.-]+?)(?:\.git)?(?=[/#?)\]\s]|$)", re.I
)


@dataclass(frozen=True)
class KV:
    key: str
    value: str
    line: Line

    @property
    def nk(self) -> str:
        return F.norm(self.key)

    @property
    def canon(self) -> str | None:
        return canonical(self.key)

    @property
    def where(self) -> Where:
        return self.line.where


@lru_cache(maxsize=4096)
def canonical(key: str) -> str | None:
    nk = F.norm(key)
    if nk in vocab.KEYS:
        return vocab.KEYS[nk]
    words = nk.split()
    if len(words) > 1 and words[0] in {
        "app",
        "web",
        "api",
        "application",
        "vps",
        "server",
        "host",
        "nginx",
        "ufw",
        "firewall",
        "project",
    }:
        rest = " ".join(words[1:])
        if words[0] in {"vps", "server", "host"} and re.search(r"ram|memory|mem|v?cpus?", rest):
            return "server"
        if rest in vocab.KEYS:  # app_replicas, nginx_read_timeout, ufw_open_ports
            return vocab.KEYS[rest]
        if words[0] == "project" and rest in {"slug", "id", "key"}:
            return "name"
    for pattern, name in (
        (r"\bhealth|\bsonde\b|\bsante\b|\bsalud\b|\bsaude\b", "health"),
        (
            r"\bmax\w*\b.*\b(?:memory|memoire|memoria|speicher)\b|"
            r"\b(?:memory|memoire|memoria|speicher)\b.*\bmax",
            "max_memory",
        ),
        (r"\brestart", "restart"),
        (r"graceful|stop grace|shutdown.*timeout", "grace"),
        (r"timeout", "timeout"),
        (r"rate limit|throttl|^(?:\w+ )?rate$", "rate"),
        (r"\bbody\b|upload|client max|envois|subida", "body"),
        (r"\bpool\b", "pool"),
        (r"delai|timeout|tiempo de espera|tempo limite|zeitlimit|time out", "timeout"),
        (r"^(?:vps|server|serveur|servidor|host|box|maquina|machine)\b", "server"),
        (r"off-?site|offsite|remote copy|copy to|copia externa|externe kopie", "offsite"),
        (r"\blog(?:s)? rotation|logrotat|log retention", "log_rotation"),
        (r"persist", "persistence"),
        (r"eviction|maxmemory.policy", "policy"),
        (r"connection pool|pool size", "pool"),
        (r"backup|sauvegard|sicherung|respaldo", "backup"),
        (r"\bssh\b", "ssh"),
        (r"\blogs?\b.*(aggregation|shipping|shipper|management|search)", "logs"),
        (r"\bdomain|\bhostname|\bdominio|\bdomaine", "domain"),
        (
            r"^(?:\w+ )?(?:memory|ram|mem|memoria|speicher|arbeitsspeicher|memoire|geheugen)\b"
            r"(?!.*(?:usage|used|utili|free|headroom|spike|alert))",
            "memory",
        ),
        (r"^(?:container|memory|ram) limit$|^limit$", "memory"),
        (r"^(?:v?cpus?|cores?)\b(?!.*(?:usage|utili|load))", "cpu"),
        (r"^(?:\w+ )?(?:port|porta|puerto)$", "port"),
    ):
        if re.search(pattern, nk):
            return name
    return None


def paths(text: str) -> list[str]:
    """URL paths in ``text``: '/health' and the path of 'http://localhost:8000/status'."""
    found = []
    for match in re.finditer(r"https?://[^\s\"'`]+|(?<![\w/:.])/[\w./{}*-]*", text):
        token = match.group(0)
        path = urlsplit(token).path if "://" in token else token
        path = path.rstrip(".,;")
        if len(path) > 1 and path.startswith("/"):
            found.append(path)
    return found
