"""BM25 scores of a served lexical index equal rank_bm25's BM25Okapi (docs/hybrid-retrieval.md, "Scores").

A real `aegis-memory serve` (hashing embedder) gets the fixture corpus (Fixtures/lexical/corpus.jsonl)
through `/memories/add`; every query of Fixtures/lexical/queries.json is asked with
`"retrieval": "lexical"`. The reference is `rank_bm25.BM25Okapi(k1=1.2, b=0.75, epsilon=0.25)` over
the same tokens (from `aegis-memory tokenize`, the server's tokenizer). Every document sharing a
token with the query must come back with the reference score (within 1e-6), every other one must not.
Also checked after a restart (the index is rebuilt from the tables) and after deletes (the
statistics N, df, avgdl follow).
"""
import json
import os
import subprocess
import sys

import httpx
import pytest
from rank_bm25 import BM25Okapi

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Tests", "SDKCompat"))
from conftest import Server  # noqa: E402  (the one server launcher of the Python suites)

FIX = os.path.join(ROOT, "Fixtures", "lexical")
HEADERS = {"Authorization": "Bearer dev-key"}


def load():
    with open(os.path.join(FIX, "corpus.jsonl"), encoding="utf-8") as f:
        corpus = [json.loads(line) for line in f if line.strip()]
    with open(os.path.join(FIX, "queries.json"), encoding="utf-8") as f:
        queries = json.load(f)
    return corpus, queries


def tokenize(binary, texts):
    inp = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in texts)
    out = subprocess.run([binary, "tokenize", "--json-lines"], input=inp.encode(), capture_output=True, check=True)
    lines = out.stdout.decode().splitlines()
    assert len(lines) == len(texts)
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def server():
    s = Server()
    s.start()
    yield s
    s.stop()


def check(client, binary, docs, queries):
    """docs: id -> text (the live corpus)."""
    ids = sorted(docs)
    tokens = tokenize(binary, [docs[i] for i in ids])
    bm25 = BM25Okapi(tokens, k1=1.2, b=0.75, epsilon=0.25)
    qtokens = tokenize(binary, queries)
    checked = 0
    for q, qt in zip(queries, qtokens):
        ref = bm25.get_scores(qt)
        expected = {ids[i]: float(ref[i]) for i in range(len(ids)) if set(qt) & set(tokens[i])}
        r = client.post("/memories/query", json={"query": q, "top_k": 100, "retrieval": "lexical"})
        assert r.status_code == 200, r.text
        got = {m["id"]: m["score"] for m in r.json()["memories"]}
        assert set(got) == set(expected), q
        for i, s in got.items():
            assert abs(s - expected[i]) <= 1e-6, (q, docs[i], s, expected[i])
            checked += 1
        ranked = [m["score"] for m in r.json()["memories"]]
        assert ranked == sorted(ranked, reverse=True)
    return checked


def test_scores_match_rank_bm25(server):
    corpus, queries = load()
    with httpx.Client(base_url=server.url, headers=HEADERS, timeout=60) as c:
        docs = {}
        for text in corpus:
            r = c.post("/memories/add", json={"content": text, "scope": "global"})
            assert r.status_code == 200, r.text
            assert r.json()["deduped_from"] is None
            docs[r.json()["id"]] = text
        assert check(c, server.binary, docs, queries) > 200

        # Deletes change N, df and avgdl for every remaining document.
        for i in sorted(docs)[:9]:
            assert c.delete(f"/memories/{i}").status_code == 204
            del docs[i]
        check(c, server.binary, docs, queries)

    # Restart: the index is rebuilt from the tables and scores the same.
    server.stop()
    server.start()
    with httpx.Client(base_url=server.url, headers=HEADERS, timeout=60) as c:
        check(c, server.binary, docs, queries)
