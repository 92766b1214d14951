"""`aegis-memory serve` configuration: .env file, dev-key only on loopback, SIGTERM exit code."""
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from conftest import ROOT, _free_port

BIN = os.environ.get("AEGIS_BIN", os.path.join(ROOT, ".build", "debug", "aegis-memory"))


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEGIS_") and not k.startswith("RATE_LIMIT")}
    env.update(extra)
    return env


def _wait_ready(url, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, f"server exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(url + "/ready", timeout=2):
                return
        except Exception:
            time.sleep(0.1)
    raise AssertionError("server not ready")


def _post(url, path, key, body):
    req = urllib.request.Request(url + path, data=body.encode(), method="POST",
                                 headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_dotenv_settings_and_sigterm():
    with tempfile.TemporaryDirectory() as d:
        port = _free_port()
        with open(os.path.join(d, ".env"), "w") as f:
            f.write("# settings\nexport AEGIS_API_KEY='from-dotenv'\naegis_embedder=hash\nRATE_LIMIT_PER_MINUTE=2\n")
        proc = subprocess.Popen([BIN, "serve", "--port", str(port), "--data-dir", os.path.join(d, "data")],
                                cwd=d, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, proc)
            assert _post(url, "/memories/query", "dev-key", '{"query":"x"}') == 401
            assert _post(url, "/memories/query", "from-dotenv", '{"query":"x"}') == 200
            assert _post(url, "/memories/query", "from-dotenv", '{"query":"x"}') == 200
            assert _post(url, "/memories/query", "from-dotenv", '{"query":"x"}') == 429
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0


def test_dev_key_refused_off_loopback():
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([BIN, "serve", "--host", "0.0.0.0", "--port", str(_free_port()), "--data-dir", os.path.join(d, "data")],
                           cwd=d, env=_env(AEGIS_API_KEY="dev-key", AEGIS_EMBEDDER="hash"), capture_output=True, text=True, timeout=60)
        assert r.returncode != 0
        assert "loopback" in (r.stdout + r.stderr)


def test_hnsw_traversal_setting():
    """AEGIS_HNSW_TRAVERSAL: int8 (default) and float32 answer the same query with the same
    exact scores; any other value is refused at start-up, naming the variable."""
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([BIN, "serve", "--port", str(_free_port()), "--data-dir", os.path.join(d, "bad")],
                           cwd=d, env=_env(AEGIS_EMBEDDER="hash", AEGIS_HNSW_TRAVERSAL="fp16"),
                           capture_output=True, text=True, timeout=60)
        assert r.returncode != 0
        assert "AEGIS_HNSW_TRAVERSAL" in (r.stdout + r.stderr)

        data = os.path.join(d, "data")
        answers = {}
        for mode in ("float32", "int8"):
            port = _free_port()
            proc = subprocess.Popen([BIN, "serve", "--port", str(port), "--data-dir", data], cwd=d,
                                    env=_env(AEGIS_EMBEDDER="hash", AEGIS_HNSW_TRAVERSAL=mode,
                                             RATE_LIMIT_PER_MINUTE="100000", RATE_LIMIT_PER_HOUR="1000000"),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_ready(url, proc)
                if mode == "float32":
                    # More than the engine's exact-scan threshold (2,000), so the graph is walked.
                    words = ["deploy", "cache", "retry", "schema", "index", "latency", "agent", "vector", "timeout", "queue"]
                    for b in range(25):
                        items = ",".join(
                            f'{{"content":"note {b * 100 + i} {words[(b * 100 + i) % 10]} {words[(b * 7 + i) % 10]} '
                            f'{words[(b + i * 3) % 10]} w{(b * 100 + i) % 97}","scope":"global"}}'
                            for i in range(100))
                        assert _post(url, "/memories/add_batch", "dev-key", f'{{"items":[{items}]}}') == 200
                req = urllib.request.Request(url + "/memories/query", method="POST",
                                             data=b'{"query":"deploys and retries 5","top_k":10}',
                                             headers={"Authorization": "Bearer dev-key"})
                with urllib.request.urlopen(req, timeout=10) as resp:
                    body = json.loads(resp.read())
                answers[mode] = [(m["id"], m["score"]) for m in body["memories"]]
            finally:
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=60) == 0
        assert len(answers["int8"]) == len(answers["float32"]) == 10
        exact = dict(answers["float32"])
        shared = [(i, s) for i, s in answers["int8"] if i in exact]
        assert len(shared) >= 9, (answers["int8"], answers["float32"])
        assert all(s == exact[i] for i, s in shared), "scores must be exact in both modes"
        assert [s for _, s in answers["int8"]] == sorted((s for _, s in answers["int8"]), reverse=True)


def test_connection_settings():
    """Issue 18: AEGIS_REQUEST_HEAD_TIMEOUT_SECONDS / AEGIS_IDLE_TIMEOUT_SECONDS /
    AEGIS_MAX_CONNECTIONS reach the server; bad values are refused, naming the variable."""
    import socket
    with tempfile.TemporaryDirectory() as d:
        for name, value in [("AEGIS_MAX_CONNECTIONS", "0"), ("AEGIS_MAX_CONNECTIONS", "1000000000"),
                            ("AEGIS_REQUEST_HEAD_TIMEOUT_SECONDS", "0"), ("AEGIS_IDLE_TIMEOUT_SECONDS", "soon")]:
            r = subprocess.run([BIN, "serve", "--port", str(_free_port()), "--data-dir", os.path.join(d, "bad")],
                               cwd=d, env=_env(AEGIS_EMBEDDER="hash", **{name: value}),
                               capture_output=True, text=True, timeout=60)
            assert r.returncode != 0, (name, value)
            assert name in (r.stdout + r.stderr), (name, value, r.stdout + r.stderr)

        port = _free_port()
        log_path = os.path.join(d, "server.log")
        log = open(log_path, "ab")
        proc = subprocess.Popen([BIN, "serve", "--port", str(port), "--data-dir", os.path.join(d, "data")], cwd=d,
                                env=_env(AEGIS_EMBEDDER="hash", LOG_LEVEL="info", AEGIS_MAX_CONNECTIONS="2",
                                         AEGIS_REQUEST_HEAD_TIMEOUT_SECONDS="1"),
                                stdout=log, stderr=log)
        socks = []
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, proc)
            time.sleep(0.5)  # let the readiness probe's connection close
            # Three silent connections against a cap of 2: the head timeout closes the accepted
            # ones after ~1 s, then the third is accepted and closed in turn.
            start = time.time()
            for _ in range(3):
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                socks.append(s)
            for s in socks:
                assert s.recv(1) == b""  # closed by the server, no answer
            assert time.time() - start < 8
            with urllib.request.urlopen(url + "/health", timeout=10) as r:
                assert r.status == 200
        finally:
            for s in socks:
                s.close()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
        text = open(log_path, encoding="utf-8", errors="replace").read()
        assert text.count("connection limit reached") == 1, text
        assert "AEGIS_MAX_CONNECTIONS=2" in text
