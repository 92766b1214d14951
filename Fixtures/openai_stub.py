#!/usr/bin/env python3
"""A loopback stub of the OpenAI embeddings API for AegisEmbedding's tests.

POST /<scenario>-<tag>/v1/embeddings behaves by scenario (state is per full prefix):
  ok            200, deterministic vectors (size = "dimensions" or 8), data in reverse order
  429once       first call 429 with Retry-After: 1, then ok
  429msonce     first call 429 with retry-after-ms: 200, then ok
  500twice      two 500s, then ok
  500always     always 500
  429always     always 429 (Retry-After: 0)
  longretry     429 with Retry-After: 3600
  malformed     200 with a body that is not JSON
  wrongdim      200 with vectors one component short
  wrongcount    200 with one embedding missing
  slow          sleeps 10 s, then ok
  unauthorized  401 with an OpenAI-style error body
  badrequest    400 with an OpenAI-style error body
GET /<prefix>/stats -> {"requests": n, "max_batch": m, "auth": "...", "dimensions": d}
Prints the port on stdout; exits when stdin closes (the test process ended).
"""
import hashlib, http.server, json, os, struct, sys, threading, time

state = {}
lock = threading.Lock()

def vector(text, d):
    out, i = [], 0
    while len(out) < d:
        h = hashlib.sha256(f"{i}:{text}".encode()).digest()
        out += [x / 2**31 - 1 for x in struct.unpack("<8I", h)]
        i += 1
    return out[:d]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, code, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        prefix = self.path.rsplit("/stats", 1)[0]
        with lock:
            s = dict(state.get(prefix, {"requests": 0, "max_batch": 0}))
        self.send(200, s)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        prefix = self.path.split("/v1/")[0]
        scenario = prefix.strip("/").split("-")[0]
        with lock:
            s = state.setdefault(prefix, {"requests": 0, "max_batch": 0})
            s["requests"] += 1
            s["max_batch"] = max(s["max_batch"], len(body["input"]))
            s["auth"] = self.headers.get("Authorization", "")
            s["dimensions"] = body.get("dimensions")
            s["model"] = body.get("model")
            n = s["requests"]
        err = lambda m: {"error": {"message": m, "type": "test"}}
        if scenario == "429once" and n == 1:
            return self.send(429, err("Rate limit reached"), [("Retry-After", "1")])
        if scenario == "429msonce" and n == 1:
            return self.send(429, err("Rate limit reached"), [("retry-after-ms", "200")])
        if scenario == "429always":
            return self.send(429, err("Rate limit reached"), [("Retry-After", "0")])
        if scenario == "longretry":
            return self.send(429, err("Quota exceeded"), [("Retry-After", "3600")])
        if (scenario == "500twice" and n <= 2) or scenario == "500always":
            return self.send(500, err("The server had an error"))
        if scenario == "unauthorized":
            return self.send(401, err("Incorrect API key provided"))
        if scenario == "badrequest":
            return self.send(400, err("This model's maximum context length is 8192 tokens"))
        if scenario == "malformed":
            return self.send(200, b'{"data": [ {"embedding": [0.1, ')
        if scenario == "slow":
            time.sleep(10)
        d = body.get("dimensions") or 8
        if scenario == "wrongdim":
            d -= 1
        items = [{"object": "embedding", "index": i, "embedding": vector(t, d)} for i, t in enumerate(body["input"])]
        if scenario == "wrongcount":
            items = items[:-1]
        items.reverse()
        self.send(200, {"object": "list", "data": items, "model": body["model"],
                        "usage": {"prompt_tokens": 1, "total_tokens": 1}})

    def log_message(self, *args):
        pass

def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # returns at EOF: the test process has gone
    os._exit(0)

if __name__ == "__main__":
    main()
