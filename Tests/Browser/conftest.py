"""Real headless Chromium (Debian's `chromium`, driven by Playwright from PyPI) against a real
`aegis-memory serve` for the /ui memory browser (docs/ui.md).

The binary comes from AEGIS_BIN (default .build/debug/aegis-memory), Chromium from CHROMIUM
(default /usr/bin/chromium; Playwright's own browser downloads are never used). Each server runs
on a free loopback port with a temporary data directory and the in-process MiniLM embedder
(models/all-MiniLM-L6-v2, fetched by `make models`). Screenshots go to UI_SCREENSHOTS
(default .build/ui-screenshots).
"""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEY = "dev-key"
SHOTS = os.environ.get("UI_SCREENSHOTS", os.path.join(ROOT, ".build", "ui-screenshots"))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self):
        self.binary = os.environ.get("AEGIS_BIN", os.path.join(ROOT, ".build", "debug", "aegis-memory"))
        if not os.path.exists(self.binary):
            raise RuntimeError(f"server binary not found: {self.binary} (build first)")
        self.model_dir = os.environ.get("AEGIS_MODEL_DIR", os.path.join(ROOT, "models", "all-MiniLM-L6-v2"))
        if not os.path.exists(os.path.join(self.model_dir, "model.safetensors")):
            raise RuntimeError(f"MiniLM model missing in {self.model_dir} (make models)")
        self.tmp = tempfile.TemporaryDirectory(prefix="aegis-ui-")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.tmp.name, "server.log"), "ab")
        self.proc = None

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AEGIS_")}
        env.update({"AEGIS_EMBEDDER": "minilm", "AEGIS_MODEL_DIR": self.model_dir,
                    "RATE_LIMIT_PER_MINUTE": "100000", "RATE_LIMIT_PER_HOUR": "1000000", "LOG_LEVEL": "warning"})
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--data-dir", os.path.join(self.tmp.name, "data")],
            cwd=self.tmp.name, env=env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except Exception:
                time.sleep(0.2)
        raise RuntimeError("server did not become ready within 120 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def close(self):
        self.stop()
        self.log.close()
        self.tmp.cleanup()

    def call(self, method, path, body=None, key=KEY):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                raw = r.read()
                return r.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


XSS_SCRIPT = "<script>window.__xss = 'script ran'</script> quarantine note about the script tag"
XSS_IMG = "<img src=x onerror=\"window.__xss='img ran'\"> quarantine note about the image tag"


def seed(server):
    """Memories, votes, sessions and features the browser tests look for (ids returned)."""
    ids = {}
    memories = [
        ("deploy", {"content": "Deploy to Kubernetes with the StatefulSet manifest and wait for the readiness probe before sending traffic",
                    "agent_id": "ops-agent", "scope": "global",
                    "metadata": {"source": "runbook", "tags": ["k8s", "deploy"], "owner": {"team": "platform", "oncall": True}}}),
        ("postgres", {"content": "Postgres connection pool exhaustion shows up as slow queries; raise the pool size or shed load",
                      "agent_id": "db-agent", "scope": "global"}),
        ("retry", {"content": "Retry flaky HTTP calls with exponential backoff and jitter, at most five attempts",
                   "agent_id": "ops-agent", "scope": "global", "derived_from_agents": ["planner"]}),
        ("private", {"content": "My private scratch note about the quarterly roadmap", "agent_id": "planner", "scope": "agent-private"}),
        ("shared", {"content": "Shared checklist for the release: tag, build, sign, publish",
                    "agent_id": "planner", "scope": "agent-shared", "shared_with_agents": ["ops-agent", "db-agent"]}),
        ("doomed", {"content": "Obsolete advice: restart the whole cluster whenever a pod is slow", "agent_id": "ops-agent", "scope": "global"}),
        ("xss_script", {"content": XSS_SCRIPT, "agent_id": "mallory", "scope": "global", "metadata": {"<b>key</b>": "<i>value</i>"}}),
        ("xss_img", {"content": XSS_IMG, "agent_id": "mallory", "scope": "global"}),
    ]
    for name, body in memories:
        status, r = server.call("POST", "/memories/add", body)
        assert status == 200, (status, r)
        ids[name] = r["id"]
    for name, vote in [("postgres", "helpful"), ("postgres", "helpful"), ("retry", "helpful"), ("doomed", "harmful"), ("doomed", "harmful")]:
        status, r = server.call("POST", f"/memories/ace/vote/{ids[name]}", {"vote": vote, "voter_agent_id": "reviewer"})
        assert status == 200, (status, r)
    for sid, agent, patch in [
        ("sess-rollout", "ops-agent", {"completed_items": ["build", "test"], "in_progress_item": "deploy", "next_items": ["verify"],
                                       "blocked_items": [{"item": "migrate", "reason": "waiting for DBA approval"}], "total_items": 5,
                                       "summary": "Rolling out 2.0"}),
        ("sess-cleanup", "db-agent", {"completed_items": ["vacuum", "reindex"], "total_items": 2, "status": "completed"}),
    ]:
        assert server.call("POST", "/memories/ace/session", {"session_id": sid, "agent_id": agent})[0] == 200
        assert server.call("PATCH", f"/memories/ace/session/{sid}", patch)[0] == 200
    for fid, desc, patch in [
        ("login-form", "Users can sign in with email and password", {"status": "complete", "implemented_by": "ops-agent"}),
        ("search-page", "Search results page with paging", {"status": "in_progress"}),
        ("export-button", "Export memories as JSONL", {"status": "failed", "failure_reason": "download blocked by CSP"}),
    ]:
        assert server.call("POST", "/memories/ace/feature", {"feature_id": fid, "description": desc, "session_id": "sess-rollout"})[0] == 200
        assert server.call("PATCH", f"/memories/ace/feature/{fid}", patch)[0] == 200
    return ids


@pytest.fixture(scope="session")
def server():
    s = Server()
    s.start()
    s.ids = seed(s)
    yield s
    s.close()


@pytest.fixture(scope="session")
def browser():
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


class Watch:
    """Console errors, page errors and every request URL of one page."""

    def __init__(self, page):
        self.errors, self.requests = [], []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("request", lambda r: self.requests.append(r.url))


@pytest.fixture
def make_page(browser):
    contexts = []

    def make(width=1280, height=800, **kw):
        ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True, **kw)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        return page, Watch(page)

    yield make
    for c in contexts:
        c.close()


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, name + ".png"))
