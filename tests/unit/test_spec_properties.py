"""Property tests: random and mutated documents never raise anything but SpecError, and the
output always satisfies the contract (and so the roles' argument specs)."""

from __future__ import annotations

from pathlib import Path

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.onebox.vps.plugins.plugin_utils import spec_parser as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "specs"
CORPUS = Path(__file__).resolve().parent.parent / "corpus"
DOCS = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))]
# the corpus documents too: compose, Kamal, fly, render, Kubernetes, Procfile, group_vars, ...
DOCS += [
    p.read_text(encoding="utf-8")
    for p in sorted(CORPUS.glob("*/*"))
    if p.is_file() and p.name != "expected.yml"
]
VALIDATOR = ArgumentSpecValidator(sp.contract_argument_spec())
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(text) -> None:
    """The two allowed outcomes: SpecError, or output that conforms to the contract."""
    try:
        result = sp.analyse(text)
    except sp.SpecError as error:
        assert error.line is None or isinstance(error.line, int)
        return
    assert sp.check_contract(result.vars) == []
    assert VALIDATOR.validate(result.vars).error_messages == []
    assert list(result.explain) == list(sp.CONTRACT)
    for finding in result.findings:
        assert list(finding) == ["level", "code", "message", "heading", "line"]
        assert finding["level"] in {"error", "warning"} and finding["code"] in sp.FINDING_CODES
        assert finding["line"] is None or finding["line"] >= 1
    lines = [f["line"] or 0 for f in result.findings]
    assert lines == sorted(lines)


@SETTINGS
@given(st.text(max_size=400))
def test_random_text(text):
    check(text)


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes(data):
    check(data)


FRAGMENTS = [
    "| ",
    " |",
    "|---|---|",
    "\\|",
    "**",
    "`",
    "```",
    "```toml",
    "```yaml",
    "```bash",
    "```json",
    "[e.g., 80]",
    "<your-domain>",
    "TBD",
    "- **Port**: ",
    "- **Memory**: ",
    "- **Rate Limiting**: ",
    "## Redis",
    "## Database",
    "# ",
    "\n",
    "\n\n",
    "PORT=",
    "JWT_SECRET=",
    "DATABASE_URL=postgres://a:b@c/d",
    "[deploy]",
    "numReplicas = ",
    "internalPort = ",
    "services:",
    "  app:",
    "    image: ",
    "~",
    "-",
    "0.5 GiB",
    "512Mi",
    "1 vCPU",
    "30s",
    "10 req/s general",
    "per 15 min",
    "(port 6379)",
    "Open",
    "NOT exposed",
    "PostgreSQL 16",
    "RDS",
    "Upstash",
    "No Docker",
    "Cloud Run",
    "✅",
    "❌",
    "\u00e2\u20ac\u201d",  # `—` read as Windows-1252
    "\t",
    ">",
    "1.",
    "99999",
    "-1",
    "1e309",
    "nan",
    "{",
    "}",
    "[",
    "]",
    ":",
    "=",
    '"',
    "'",
    "servers:\n  web:\n    cmd: x\n",
    "proxy:\n  host: ",
    "[processes]\n",
    "[[vm]]\n  memory = ",
    "kind: Deployment\n",
    "apiVersion: v1\n",
    "web: bundle exec puma\n",
    "- [x] ",
    "- [ ] ",
    "⏳ ",
    "⚠️ ",
    "<!-- ",
    " -->",
    "|——|——|",
    "docker run -p 80:80 --memory ",
    "maxmemory ",
    "UTC\u22123",
    "Europe/Berlin",
    "0,5 GB",
    "512 MB\u20131 GB",
    "keep 14",
    "s3://bucket",
    "sk_live_",
    "ghp_",
    "Não usamos Redis",
    "Kein Redis",
    "we don't use Loki",
    "## Context",
    "`worker` container",
]


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=80))
def test_random_markdown_fragments(parts):
    check("".join(parts))


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(DOCS))
    lines = text.split("\n")
    for _i in range(draw(st.integers(1, 6))):
        if not lines:
            break
        kind = draw(
            st.sampled_from(["delete", "duplicate", "insert", "swap", "truncate", "splice"])
        )
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            del lines[i : i + draw(st.integers(1, 20))]
        elif kind == "duplicate":
            lines[i:i] = lines[i : i + draw(st.integers(1, 10))]
        elif kind == "insert":
            lines.insert(i, draw(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30))))
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, max(0, len(lines[i]))))]
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(FRAGMENTS)) + lines[i][at:]
    return "\n".join(lines)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_reference_documents(text):
    check(text)


KEYS = [
    "Port",
    "Memory",
    "RAM",
    "CPU",
    "vCPU",
    "Replicas",
    "Instances",
    "Restart policy",
    "Domain",
    "Image",
    "Database",
    "Redis",
    "Version",
    "Max Memory",
    "Eviction Policy",
    "Persistence",
    "Backups",
    "Rate Limiting",
    "Request Timeouts",
    "Graceful Shutdown",
    "Body size limit",
    "SSH",
    "Log Aggregation",
    "Health Checks",
    "Connection Pooling",
    "Max Connections",
    "Project",
]
VALUES = [
    "3000",
    "0",
    "70000",
    "256 MB",
    "~50-256MB",
    "0.25",
    "2",
    "many",
    "on-failure",
    "example.com",
    "api.shop.test",
    "nginx:latest",
    "PostgreSQL 16 (Cloud SQL)",
    "Redis 7",
    "allkeys-lru",
    "AOF",
    "Daily, 7 days retention",
    "10 req/s general, 5 req/min auth",
    "30s",
    "10KB",
    "Restrict to VPN",
    "Grafana Loki",
    "/health",
    "[e.g., 1]",
    "TBD",
    "",
    "| x |",
    "`code`",
    "**bold**",
]


@st.composite
def generated(draw):
    out = ["# " + draw(st.sampled_from(["Demo", "Infrastructure Spec", "Shop API", ""]))]
    for _i in range(draw(st.integers(1, 8))):
        heading = draw(
            st.sampled_from(["## Redis", "## Database", "## Health", "## Local Dev", "## API", ""])
        )
        out.append(heading)
        kind = draw(st.sampled_from(["kv", "bullets", "env", "toml", "yaml", "table"]))
        pairs = draw(
            st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(VALUES)), max_size=6)
        )
        if kind == "kv":
            out += ["| Setting | Value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in pairs]
        elif kind == "bullets":
            out += [f"- **{k}**: {v}" for k, v in pairs]
        elif kind == "env":
            out += ["```env"] + [f"{k.upper().replace(' ', '_')}={v}" for k, v in pairs] + ["```"]
        elif kind == "toml":
            port = draw(st.one_of(st.integers(-5, 70000), st.text(max_size=4)))
            out += [
                "```toml",
                "[deploy]",
                f"numReplicas = {draw(st.integers(-2, 5))}",
                "[service]",
                f"internalPort = {port!r}".replace("'", '"'),
                "```",
            ]
        elif kind == "yaml":
            out += [
                "```yaml",
                "services:",
                "  app:",
                f"    image: {draw(st.sampled_from(VALUES))}",
                f"    ports: [{draw(st.sampled_from(VALUES))!r}]",
                "  redis:",
                f"    ports: ['{draw(st.integers(0, 70000))}:6379']",
                "```",
            ]
        else:
            cols = draw(
                st.sampled_from(
                    [
                        ["Component", "RAM", "Docker Image"],
                        ["Rule", "Details"],
                        ["Service", "Internal Port", "External Endpoint"],
                        ["Type", "Frequency", "Retention"],
                        ["A", "B", "C"],
                    ]
                )
            )
            out += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            for _i in range(draw(st.integers(0, 4))):
                out.append(
                    "| " + " | ".join(draw(st.sampled_from(KEYS + VALUES)) for _col in cols) + " |"
                )
        out.append("")
    return "\n".join(out)


@SETTINGS
@given(generated())
def test_generated_documents(text):
    check(text)
