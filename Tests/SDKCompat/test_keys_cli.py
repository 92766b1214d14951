"""`aegis-memory keys` as an operator runs it (issue 18): new key ids are random, not the
secret's first hex digits; a key file written with the old ids keeps loading, authenticating
and revoking by id next to new keys, on a running server."""
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from conftest import _free_port
from test_serve_config import BIN, _env, _wait_ready


def _keys(data, *args):
    return subprocess.run([BIN, "keys", *args, "--data-dir", data], env=_env(), capture_output=True, text=True,
                          timeout=60)


def _create(data, project):
    r = _keys(data, "create", "--project", project)
    assert r.returncode == 0, r.stderr
    secret = r.stdout.strip()
    words = r.stderr.split()
    assert words[0] == "key", r.stderr
    return secret, words[1]


def _status(url, key):
    req = urllib.request.Request(url + "/memories/ace/features", headers={"Authorization": key})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()).get("detail")


def test_new_ids_are_not_taken_from_the_secret():
    with tempfile.TemporaryDirectory() as d:
        ids = []
        for _ in range(25):
            secret, kid = _create(d, "alpha")
            body = secret[len("aegis_"):]
            assert len(body) == 40 and len(kid) == 8
            assert kid not in secret, (kid, secret)
            ids.append(kid)
        assert len(set(ids)) == len(ids)
        listed = _keys(d, "list").stdout
        assert all(i in listed for i in ids)


def test_old_style_key_file_keeps_working_and_revokes_by_id():
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "data")
        os.makedirs(data)
        old_secret = "aegis_ea78ca5b" + "0123456789abcdef" * 2
        old = {"id": "ea78ca5b", "project": "alpha", "agent": None,
               "sha256": hashlib.sha256(old_secret.encode()).hexdigest(),
               "created_at": "2026-11-01T10:00:00Z", "expires_at": None, "revoked_at": None}
        with open(os.path.join(data, "api-keys.json"), "w") as f:
            json.dump({"version": 1, "keys": [old]}, f)
        new_secret, new_id = _create(data, "alpha")
        assert new_id != "ea78ca5b"
        listed = _keys(data, "list").stdout
        assert "ea78ca5b" in listed and new_id in listed

        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = open(os.path.join(d, "server.log"), "ab")
        proc = subprocess.Popen([BIN, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data],
                                env=_env(AEGIS_EMBEDDER="hash", LOG_LEVEL="warning"), stdout=log, stderr=log)
        try:
            _wait_ready(url, proc)
            assert _status(url, f"Bearer {old_secret}")[0] == 200
            assert _status(url, f"bearer {new_secret}")[0] == 200
            for kid in ("ea78ca5b", new_id):
                r = _keys(data, "revoke", kid)
                assert r.returncode == 0 and f"key {kid} revoked" in r.stdout, r.stdout + r.stderr
            deadline = time.time() + 10
            while time.time() < deadline and _status(url, f"Bearer {new_secret}")[0] != 401:
                time.sleep(0.2)
            assert _status(url, f"Bearer {old_secret}") == (401, "API key revoked")
            assert _status(url, f"Bearer {new_secret}") == (401, "API key revoked")
            assert _keys(data, "revoke", "00000000").returncode != 0
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
        listed = _keys(data, "list").stdout
        assert listed.count("revoked") == 2
