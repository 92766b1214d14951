"""A real `aegis-memory serve` (the SDK suite's Server, Tests/SDKCompat/conftest.py) with named
keys: two agent-bound keys of the default project and one key of another project."""
import importlib.util
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("sdk_conftest", os.path.join(HERE, "..", "SDKCompat", "conftest.py"))
sdk_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sdk_conftest)


def create_key(binary, data_dir, project, agent=None):
    args = [binary, "keys", "create", "--project", project, "--data-dir", data_dir]
    if agent:
        args += ["--agent", agent]
    r = subprocess.run(args, capture_output=True, text=True, timeout=60,
                       env={k: v for k, v in os.environ.items() if not k.startswith("AEGIS_")})
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.fixture(scope="session")
def server():
    s = sdk_conftest.Server()
    os.makedirs(s.data_dir, exist_ok=True)
    s.keys = {
        "dev": "dev-key",
        "alice": create_key(s.binary, s.data_dir, "default-project", "alice"),
        "bob": create_key(s.binary, s.data_dir, "default-project", "bob"),
        "other": create_key(s.binary, s.data_dir, "other-project"),
    }
    s.start()
    yield s
    s.stop()
    s.log.close()
    s.tmp.cleanup()
