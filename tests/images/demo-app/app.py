"""Demo application for onebox.vps tests (standard library + Debian's redis and psycopg2).

Process types: ``web`` (HTTP on $PORT), ``worker`` and ``scheduler`` (log a tick).
Endpoints: /health, /kv/<key> (Redis) and /db/<key> (PostgreSQL), GET and POST.
Environment: APP_VERSION, PORT, REDIS_URL, DATABASE_URL, DEMO_FAIL_HEALTH=1 (a broken release).
A variable NAME_FILE names a file whose content is NAME's value (the convention of the official
images: a secret mounted as a file stays out of the container's environment).
"""

import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

for _name in [n for n in os.environ if n.endswith("_FILE")]:
    with open(os.environ[_name], encoding="utf-8") as _f:
        os.environ[_name[: -len("_FILE")]] = _f.read().rstrip("\n")

VERSION = os.environ.get("APP_VERSION", "0")


def log(**fields):
    fields.setdefault("ts", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    fields.setdefault("version", VERSION)
    print(json.dumps(fields, sort_keys=True), flush=True)


def redis_client():
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    import redis  # only when configured

    return redis.Redis.from_url(url, socket_timeout=2)


def db_check():
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    import psycopg2  # only when configured

    with psycopg2.connect(url, connect_timeout=2) as conn, conn.cursor() as cur:
        cur.execute("select 1")
        return cur.fetchone()[0] == 1


def db_kv(key, value=None):
    """Write (value given) or read one row of a key/value table in PostgreSQL."""
    import psycopg2

    url = os.environ["DATABASE_URL"]
    with psycopg2.connect(url, connect_timeout=2) as conn, conn.cursor() as cur:
        cur.execute("create table if not exists demo_kv (k text primary key, v text)")
        if value is not None:
            cur.execute(
                "insert into demo_kv (k, v) values (%s, %s) "
                "on conflict (k) do update set v = excluded.v",
                (key, value),
            )
            return value
        cur.execute("select v from demo_kv where k = %s", (key,))
        row = cur.fetchone()
        return row[0] if row else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status, body):
        data = json.dumps(body, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):  # JSON access log instead of stderr lines
        log(
            msg="request",
            path=self.path,
            status=args[1] if len(args) > 1 else None,
            client=self.client_address[0],
        )

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        path = urlparse(self.path).path
        if path == "/health":
            if os.environ.get("DEMO_FAIL_HEALTH") == "1":
                return self._send(503, {"status": "failing"})
            try:
                r = redis_client()
                if r is not None:
                    r.ping()
                db_check()
            except Exception as exc:  # report any dependency failure as unhealthy
                return self._send(503, {"status": "error", "error": type(exc).__name__})
            return self._send(200, {"status": "ok"})
        if path.startswith("/kv/"):
            r = redis_client()
            value = r.get(path[4:]) if r is not None else None
            return self._send(
                200 if value is not None else 404,
                {"key": path[4:], "value": value.decode() if value else None},
            )
        if path.startswith("/db/"):
            if not os.environ.get("DATABASE_URL"):
                return self._send(503, {"error": "no database"})
            value = db_kv(path[4:])
            return self._send(200 if value is not None else 404, {"key": path[4:], "value": value})
        return self._send(
            200,
            {
                "app": os.environ.get("APP_NAME", "demo"),
                "version": VERSION,
                "path": path,
                "client": self.headers.get("X-Real-IP") or self.client_address[0],
                "forwarded_for": self.headers.get("X-Forwarded-For"),
            },
        )

    def do_POST(self):
        path = urlparse(self.path).path
        body = self._body()
        if path.startswith("/kv/"):
            r = redis_client()
            if r is None:
                return self._send(503, {"error": "no redis"})
            r.set(path[4:], body)
            return self._send(201, {"key": path[4:]})
        if path.startswith("/db/"):
            if not os.environ.get("DATABASE_URL"):
                return self._send(503, {"error": "no database"})
            db_kv(path[4:], body.decode())
            return self._send(201, {"key": path[4:]})
        return self._send(200, {"ok": True, "path": path, "bytes": len(body)})


def serve():
    port = int(os.environ.get("PORT", "3000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True

    def drain(signum, frame):
        log(msg="draining", signal=signum)
        server.shutdown()

    signal.signal(
        signal.SIGTERM,
        lambda s, f: __import__("threading").Thread(target=drain, args=(s, f)).start(),
    )
    log(msg="listening", port=port)
    server.serve_forever()
    log(msg="stopped")


def loop(kind, every):
    """A worker or scheduler: a tick every `every` seconds, each touching the heartbeat file
    the collection's app contract names in ONEBOX_HEARTBEAT_PATH (when it does)."""
    stop = []
    signal.signal(signal.SIGTERM, lambda s, f: stop.append(s))
    heartbeat = os.environ.get("ONEBOX_HEARTBEAT_PATH")
    log(msg="started", process=kind)
    while not stop:
        log(msg="tick", process=kind)
        if heartbeat:
            Path(heartbeat).touch()
        for _ in range(int(every * 10)):
            if stop:
                break
            time.sleep(0.1)
    log(msg="stopped", process=kind)


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else "web"
    if kind == "web":
        serve()
    elif kind in ("worker", "scheduler"):
        loop(kind, float(os.environ.get("TICK_SECONDS", "10")))
    else:
        sys.exit(f"unknown process type {kind!r}: web, worker or scheduler")
