"""A real `aegis-memory serve` process for the SDK 1.2.2 compatibility suite.

The binary comes from AEGIS_BIN (default .build/debug/aegis-memory). The server runs on a free
loopback port with a temporary data directory and the hashing embedder; `restart()` stops it
with SIGTERM (drain + checkpoint) and starts it again on the same port and data directory.
"""
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self):
        self.binary = os.environ.get("AEGIS_BIN", os.path.join(ROOT, ".build", "debug", "aegis-memory"))
        if not os.path.exists(self.binary):
            raise RuntimeError(f"server binary not found: {self.binary} (build first)")
        self.tmp = tempfile.TemporaryDirectory(prefix="aegis-sdk-")
        self.data_dir = os.path.join(self.tmp.name, "data")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log = open(os.path.join(self.tmp.name, "server.log"), "ab")

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AEGIS_")}
        env.update({
            "AEGIS_EMBEDDER": "hash",
            "RATE_LIMIT_PER_MINUTE": "100000",
            "RATE_LIMIT_PER_HOUR": "1000000",
            "LOG_LEVEL": "warning",
        })
        return env

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", self.data_dir],
            cwd=self.tmp.name, env=self.env(), stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("server did not become ready within 60 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("server did not stop within 60 s of SIGTERM")
        code = self.proc.returncode if self.proc else 0
        self.proc = None
        return code

    def restart(self):
        code = self.stop()
        assert code == 0, f"server exited with {code} on SIGTERM"
        self.start()

    def cli_env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AEGIS_")}
        env.update({
            "AEGIS_API_URL": self.url,
            "AEGIS_API_KEY": "dev-key",
            "AEGIS_CONFIG_DIR": os.path.join(self.tmp.name, "cli-config"),
            "NO_COLOR": "1",
            "COLUMNS": "200",
        })
        return env


@pytest.fixture(scope="session")
def server():
    s = Server()
    s.start()
    yield s
    s.stop()
    s.log.close()
    s.tmp.cleanup()


@pytest.fixture(scope="session")
def client(server):
    from aegis_memory import AegisClient
    c = AegisClient(api_key="dev-key", base_url=server.url)
    yield c
    c.close()
