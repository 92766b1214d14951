"""docs/openapi.yaml is valid YAML with the OpenAPI 3.1 top-level shape."""
import os

import yaml

from conftest import ROOT


def test_openapi_yaml_loads():
    with open(os.path.join(ROOT, "docs", "openapi.yaml")) as f:
        doc = yaml.safe_load(f)
    assert doc["openapi"].startswith("3.1")
    assert len(doc["paths"]) >= 25
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "parameters":  # path-level parameters, shared by the operations
                continue
            assert method in ("get", "post", "patch", "delete"), (path, method)
            assert "responses" in op and op["responses"], (path, method)
