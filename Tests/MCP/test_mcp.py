"""The official Python MCP client (`mcp` from PyPI; the Makefile runs this file once per pinned
version) against a real `aegis-memory`: `/mcp` over streamable HTTP, `aegis-memory mcp` over
stdio in both modes (forwarding to the server; opening its own data directory). docs/mcp.md."""
import json
import os
import subprocess
import tempfile
import uuid
from contextlib import asynccontextmanager

import urllib.error
import urllib.request

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

try:  # mcp 1.x
    import httpx as http_lib
    from mcp.shared.exceptions import McpError as ProtocolError
except ImportError:  # mcp 2.x: its own httpx fork, renamed exception, snake_case result fields
    import httpx2 as http_lib
    from mcp.shared.exceptions import MCPError as ProtocolError

SERVER_VERSIONS = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"}
TOOLS = {"add_memory", "query_memory", "cross_agent_query", "vote_memory", "add_reflection", "update_session",
         "list_features", "get_memory", "delete_memory", "handoff", "get_playbook", "update_feature"}


def run(fn, *args):
    return anyio.run(fn, *args)


def field(obj, snake, camel):
    """A result field under its 2.x (snake_case) or 1.x (camelCase) name."""
    return getattr(obj, snake) if hasattr(obj, snake) else getattr(obj, camel)


@asynccontextmanager
async def http_session(url, key):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with http_lib.AsyncClient(headers=headers, timeout=60) as hc:
        async with streamable_http_client(url + "/mcp", http_client=hc) as streams:
            async with ClientSession(streams[0], streams[1]) as s:
                init = await s.initialize()
                yield s, init


def _env(extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEGIS_")}
    env.update({"AEGIS_EMBEDDER": "hash", "LOG_LEVEL": "warning"})
    env.update(extra)
    return env


@asynccontextmanager
async def stdio_session(binary, args, env, cwd):
    params = StdioServerParameters(command=binary, args=["mcp", *args], env=_env(env), cwd=cwd)
    async with stdio_client(params) as (r, w):
        async with ClientSession(r, w) as s:
            init = await s.initialize()
            yield s, init


async def call(s, name, **args):
    """A successful call: returns the structured content (checked against its text copy)."""
    r = await s.call_tool(name, args)
    text = r.content[0].text
    assert not field(r, "is_error", "isError"), f"{name} failed: {text}"
    structured = field(r, "structured_content", "structuredContent")
    assert structured == json.loads(text), name
    return structured


async def fail(s, name, args):
    r = await s.call_tool(name, args)
    assert field(r, "is_error", "isError"), f"{name}({args}) should fail: {r.content[0].text}"
    return r.content[0].text


async def exercise(s, init):
    """Every tool and resource once, in a fresh namespace; bad input."""
    assert field(init, "protocol_version", "protocolVersion") in SERVER_VERSIONS
    assert field(init, "server_info", "serverInfo").name == "aegis-memory"
    tools = {t.name: t for t in (await s.list_tools()).tools}
    assert TOOLS <= set(tools), TOOLS - set(tools)
    for t in tools.values():
        schema = field(t, "input_schema", "inputSchema")
        assert t.description and schema["type"] == "object", t.name
        for name, prop in schema.get("properties", {}).items():
            assert prop.get("description"), (t.name, name)
    resources = {str(r.uri) for r in (await s.list_resources()).resources}
    assert resources == {"aegis://memories/recent", "aegis://features/status"}
    listed = await s.list_resource_templates()
    templates = {field(t, "uri_template", "uriTemplate") for t in field(listed, "resource_templates", "resourceTemplates")}
    assert templates == {"aegis://session/state/{session_id}"}

    ns = "mcp-" + uuid.uuid4().hex[:8]
    private = await call(s, "add_memory", content="alice prefers dark roast coffee", agent_id="alice",
                         scope="agent-private", namespace=ns)
    # the original server's wrapper
    shared = await call(s, "add_memory", input_data={"content": "the office closes at 6pm", "agent_id": "alice",
                                                     "scope": "global", "namespace": ns})
    assert private["id"] and shared["id"] and private["id"] != shared["id"]

    q = await call(s, "query_memory", query="coffee", agent_id="alice", namespace=ns)
    assert private["id"] in [m["id"] for m in q["memories"]]
    x = await call(s, "cross_agent_query", query="coffee office", requesting_agent_id="bob", namespace=ns)
    ids = [m["id"] for m in x["memories"]]
    assert shared["id"] in ids and private["id"] not in ids

    v = await call(s, "vote_memory", memory_id=shared["id"], vote="helpful", voter_agent_id="bob")
    assert v["bullet_helpful"] == 1
    refl = await call(s, "add_reflection", content="check the timezone before scheduling", agent_id="alice",
                      error_pattern="timezone", namespace=ns)
    pb = await call(s, "get_playbook", query="scheduling timezone", agent_id="alice", namespace=ns)
    assert refl["id"] in [e["id"] for e in pb["entries"]]

    sid = "sess-" + ns
    st = await call(s, "update_session", session_id=sid, agent_id="alice", namespace=ns,
                    completed_items=["design"], next_items=["build", "ship"])
    assert st["completed_count"] == 1 and st["next_items"] == ["build", "ship"]
    st = await call(s, "update_session", session_id=sid, completed_items=["build"], in_progress_item="ship")
    assert st["completed_items"] == ["design", "build"] and st["in_progress_item"] == "ship"

    f = await call(s, "update_feature", feature_id="login", namespace=ns, description="users can log in",
                   status="in_progress")
    assert f["status"] == "in_progress" and f["passes"] is False
    f = await call(s, "update_feature", feature_id="login", namespace=ns, passes=True, verified_by="bob")
    assert f["status"] == "complete" and f["passes"] is True
    fl = await call(s, "list_features", namespace=ns)
    assert fl["total"] == 1 and fl["passing"] == 1

    got = await call(s, "get_memory", memory_id=private["id"])
    assert got["content"] == "alice prefers dark roast coffee"
    baton = await call(s, "handoff", source_agent_id="alice", target_agent_id="bob", namespace=ns)
    assert shared["id"] in baton["memory_ids"] and private["id"] not in baton["memory_ids"]

    tmp = await call(s, "add_memory", content="temporary note", agent_id="alice", namespace=ns)
    d = await call(s, "delete_memory", memory_id=tmp["id"])
    assert d == {"deleted": True, "memory_id": tmp["id"]}
    assert "not found" in (await fail(s, "get_memory", {"memory_id": tmp["id"]})).lower()

    recent = json.loads((await s.read_resource(f"aegis://memories/recent?namespace={ns}")).contents[0].text)
    assert {shared["id"], refl["id"]} <= {m["id"] for m in recent["memories"]}
    assert tmp["id"] not in {m["id"] for m in recent["memories"]}
    state = json.loads((await s.read_resource(f"aegis://session/state/{sid}")).contents[0].text)
    assert state["session_id"] == sid and state["in_progress_item"] == "ship"
    fs = json.loads((await s.read_resource(f"aegis://features/status?namespace={ns}")).contents[0].text)
    assert fs["passing"] == 1

    # Bad input: a tool error naming the field; nothing written.
    assert "top_k" in await fail(s, "query_memory", {"query": "x", "top_k": 1000})
    assert "content" in await fail(s, "add_memory", {"agent_id": "alice", "namespace": ns})
    assert "scope" in await fail(s, "add_memory", {"content": "never stored", "scope": "public", "namespace": ns})
    assert "vote" in await fail(s, "vote_memory", {"memory_id": shared["id"], "vote": "meh", "voter_agent_id": "bob"})
    assert "memory_id" in await fail(s, "get_memory", {})
    assert "input_data" in await fail(s, "add_memory", {"input_data": "not an object"})
    after = await call(s, "query_memory", query="never stored", namespace=ns, top_k=100)
    assert "never stored" not in [m["content"] for m in after["memories"]]
    # Unknown tool and unknown resource: protocol errors.
    with pytest.raises(ProtocolError):
        await s.call_tool("no_such_tool", {})
    with pytest.raises(ProtocolError):
        await s.read_resource("aegis://nothing/here")
    return ns


def test_http_every_tool_and_resource(server):
    async def go():
        async with http_session(server.url, "dev-key") as (s, init):
            await exercise(s, init)
    run(go)


def test_stdio_forwarding_to_the_server(server):
    async def go():
        env = {"AEGIS_API_URL": server.url, "AEGIS_API_KEY": "dev-key"}
        async with stdio_session(server.binary, [], env, server.tmp.name) as (s, init):
            await exercise(s, init)
    run(go)


def test_stdio_local_data_directory(server):
    async def go():
        with tempfile.TemporaryDirectory(prefix="aegis-mcp-local-") as d:
            async with stdio_session(server.binary, ["--data-dir", os.path.join(d, "data")], {}, d) as (s, init):
                ns = await exercise(s, init)
            # The store is durable: a second process sees what the first wrote.
            async with stdio_session(server.binary, ["--data-dir", os.path.join(d, "data")], {}, d) as (s, _):
                r = await call(s, "query_memory", query="office closes", top_k=100, namespace=ns)
                assert any(m["content"] == "the office closes at 6pm" for m in r["memories"])
    run(go)


def test_stdio_local_refuses_a_locked_directory(server):
    r = subprocess.run([server.binary, "mcp", "--data-dir", server.data_dir], input="", capture_output=True,
                       text=True, timeout=120, env=_env({}), cwd=server.tmp.name)
    assert r.returncode != 0
    assert "locked" in r.stderr and "AEGIS_API_URL" in r.stderr, r.stderr
    assert r.stdout == ""


def test_agent_bound_keys_and_private_memories(server):
    async def go():
        ns = "iso-" + uuid.uuid4().hex[:8]
        async with http_session(server.url, server.keys["alice"]) as (alice, _):
            private = await call(alice, "add_memory", content="alice's secret plan", agent_id="alice",
                                 scope="agent-private", namespace=ns)
            # a bound key cannot act as another agent
            msg = await fail(alice, "add_memory", {"content": "pretending", "agent_id": "bob", "namespace": ns})
            assert "bound" in msg.lower()
            await fail(alice, "query_memory", {"query": "plan", "agent_id": "bob", "namespace": ns})
            await fail(alice, "vote_memory", {"memory_id": private["id"], "vote": "helpful", "voter_agent_id": "bob"})
        async with http_session(server.url, server.keys["bob"]) as (bob, _):
            for name, args in [
                ("cross_agent_query", {"query": "secret plan", "requesting_agent_id": "bob", "namespace": ns}),
                ("cross_agent_query", {"query": "secret plan", "requesting_agent_id": "bob",
                                       "target_agent_ids": ["alice"], "namespace": ns}),
                ("query_memory", {"query": "secret plan", "agent_id": "bob", "namespace": ns}),
                ("handoff", {"source_agent_id": "alice", "target_agent_id": "bob", "namespace": ns}),
                ("get_playbook", {"query": "secret plan", "agent_id": "bob", "namespace": ns,
                                  "include_types": ["standard"]}),
            ]:
                r = await bob.call_tool(name, args)
                assert "alice's secret plan" not in r.content[0].text, name
                assert not field(r, "is_error", "isError"), (name, r.content[0].text)
            assert "not found" in (await fail(bob, "get_memory", {"memory_id": private["id"]})).lower()
            await fail(bob, "delete_memory", {"memory_id": private["id"]})
            recent = (await bob.read_resource(f"aegis://memories/recent?namespace={ns}")).contents[0].text
            assert private["id"] not in recent
        async with http_session(server.url, server.keys["other"]) as (other, _):
            assert "not found" in (await fail(other, "get_memory", {"memory_id": private["id"]})).lower()
        async with http_session(server.url, server.keys["alice"]) as (alice, _):
            assert (await call(alice, "get_memory", memory_id=private["id"]))["content"] == "alice's secret plan"
    run(go)


def raw(url, method="POST", body=None, key=None):
    """(status, parsed JSON body or None) of one plain HTTP request."""
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    return status, (json.loads(text) if text.strip() else None)


def test_http_errors_version_negotiation_and_metrics(server):
    mcp = server.url + "/mcp"
    for version in sorted(SERVER_VERSIONS):
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}
        status, body = raw(mcp, body=init, key="dev-key")
        assert status == 200 and body["result"]["protocolVersion"] == version
    init["params"]["protocolVersion"] = "2099-01-01"  # unknown: the server offers its latest
    assert raw(mcp, body=init, key="dev-key")[1]["result"]["protocolVersion"] == "2025-11-25"
    status, body = raw(mcp, body=init)
    assert status == 401 and "detail" in body
    status, body = raw(mcp, body=b"{not json", key="dev-key")
    assert status == 400 and body["error"]["code"] == -32700
    assert raw(mcp, body={"jsonrpc": "2.0", "id": 2, "method": "no/such/method"}, key="dev-key")[1]["error"]["code"] == -32601
    status, body = raw(mcp, body={"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "nope"}}, key="dev-key")
    assert body["error"]["code"] == -32602
    assert raw(mcp, method="GET", key="dev-key")[0] == 405
    with urllib.request.urlopen(server.url + "/metrics", timeout=30) as r:
        metrics = r.read().decode()
    lines = [l for l in metrics.splitlines() if l.startswith("aegis_http_requests_total") and 'endpoint="/mcp"' in l]
    assert any('status="200"' in l for l in lines) and any('status="401"' in l for l in lines), lines
    # the client itself reports the 401
    async def go():
        with pytest.raises(Exception):
            async with http_session(server.url, None):
                pass
    run(go)


def test_stdio_forwarding_reports_http_errors(server):
    """A wrong key through the forwarder: the client gets a JSON-RPC error carrying the 401 and its detail."""
    async def go():
        env = {"AEGIS_API_URL": server.url, "AEGIS_API_KEY": "wrong-key"}
        try:
            async with stdio_session(server.binary, [], env, server.tmp.name):
                pass
        except BaseException as e:  # the client's task groups may wrap it in an exception group
            errors = [e]
            while errors and not isinstance(errors[0], ProtocolError):
                first = errors.pop(0)
                errors += list(getattr(first, "exceptions", []))
            assert errors, repr(e)
            assert "401" in str(errors[0]) and "Invalid API key" in str(errors[0]), str(errors[0])
        else:
            pytest.fail("initialize succeeded with a wrong key")
    run(go)


def test_stdio_forwarding_keeps_the_agent_binding(server):
    async def go():
        env = {"AEGIS_API_URL": server.url, "AEGIS_API_KEY": server.keys["bob"]}
        async with stdio_session(server.binary, [], env, server.tmp.name) as (s, _):
            msg = await fail(s, "add_memory", {"content": "pretending", "agent_id": "alice"})
            assert "bound" in msg.lower()
            own = await call(s, "add_memory", content="bob's note", agent_id="bob", scope="agent-private")
            assert (await call(s, "get_memory", memory_id=own["id"]))["agent_id"] == "bob"
    run(go)
