"""`/metrics` of a real `aegis-memory serve` (swift-metrics + swift-prometheus; docs/configuration.md
"Metrics"): the start-up recovery gauge only `serve` can set, and `promtool check metrics` on the scrape."""
import os
import re
import shutil
import subprocess
import urllib.request


def test_serve_scrape_has_recovery_time_and_passes_promtool(server, client):
    # Read-only traffic (the session server is shared with the SDK suite, which counts memories).
    client.query("scrape the metrics", agent_id="metrics-agent")
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    m = re.search(r"^aegis_recovery_duration_seconds (\S+)$", text, re.M)
    assert m and float(m.group(1)) > 0, "aegis_recovery_duration_seconds missing or zero"
    assert "# HELP aegis_recovery_duration_seconds " in text
    assert re.search(r'^aegis_memory_operations_total\{operation="query",status="success"\} [1-9]', text, re.M)
    assert "metrics-agent" not in text
    promtool = shutil.which("promtool")
    if promtool is None:
        assert os.environ.get("AEGIS_REQUIRE_OPS_TOOLS") != "1", "promtool missing (make promtool-deps)"
        return
    p = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
