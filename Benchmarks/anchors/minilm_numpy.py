#!/usr/bin/env python3
"""Anchor for EmbedBench: all-MiniLM-L6-v2 in plain numpy (OpenBLAS sgemm), same safetensors file.

usage: python3 minilm_numpy.py <model-dir> <sentences.txt> [count=500] [batch=64] [single-queries=200]
Like sentence-transformers' encode(), each call sorts its texts by length and pads within batches of 32
(attention mask), so little work is wasted on padding.
Prints wall and CPU-time rates like EmbedBench. `--check golden.jsonl` verifies cosine >= 0.999 first.
"""
import json, struct, sys, time, unicodedata
import numpy as np

def load_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    n = struct.unpack("<Q", buf[:8])[0]
    header = json.loads(buf[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        dt = {"F32": np.float32, "I64": np.int64}[info["dtype"]]
        out[name] = np.frombuffer(buf, dtype=dt, count=(e - b) // np.dtype(dt).itemsize, offset=8 + n + b).reshape(info["shape"])
    return out

class Tokenizer:
    def __init__(self, vocab_path, max_len=256):
        self.vocab = {w.rstrip("\n"): i for i, w in enumerate(open(vocab_path, encoding="utf-8"))}
        self.max_len = max_len
    def words(self, text):
        text = "".join(" " if c.isspace() else c for c in text if not (unicodedata.category(c).startswith("C") and c not in "\t\n\r"))
        text = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")
        out, cur = [], ""
        for c in text:
            if c.isspace():
                if cur: out.append(cur); cur = ""
            elif (c.isascii() and not c.isalnum()) or unicodedata.category(c).startswith("P"):
                if cur: out.append(cur); cur = ""
                out.append(c)
            else:
                cur += c
        if cur: out.append(cur)
        return out
    def encode(self, text):
        ids = [self.vocab["[CLS]"]]
        for w in self.words(text):
            start, pieces = 0, []
            while start < len(w):
                end = len(w)
                while end > start and ((("##" if start else "") + w[start:end]) not in self.vocab):
                    end -= 1
                if end == start:
                    pieces = [self.vocab["[UNK]"]]; break
                pieces.append(self.vocab[("##" if start else "") + w[start:end]]); start = end
            ids += pieces
        return ids[:self.max_len - 1] + [self.vocab["[SEP]"]]

try:  # scipy's erf is one fast ufunc; without scipy fall back to the same rational approximation as the Swift kernels
    from scipy.special import erf as _scipy_erf
except ImportError:
    _scipy_erf = None

def erf(x):
    if _scipy_erf is not None:
        return _scipy_erf(x)
    return erf_rational(x)

def erf_rational(x):  # Eigen's float erf
    x = np.clip(x, -4, 4); x2 = x * x
    p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08
    for c in (-2.10102402082508e-06, -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02):
        p = x2 * p + c
    q = x2 * -1.45660718464996e-05 + -2.13374055278905e-04
    for c in (-1.68282697438203e-03, -7.37332916720468e-03, -1.42647390514189e-02):
        q = x2 * q + c
    return x * p / q

class MiniLM:
    def __init__(self, d):
        w = load_safetensors(d + "/model.safetensors")
        self.tok = Tokenizer(d + "/vocab.txt")
        self.we, self.pe = w["embeddings.word_embeddings.weight"], w["embeddings.position_embeddings.weight"]
        self.te = w["embeddings.token_type_embeddings.weight"][0]
        self.eln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for l in range(6):
            p = f"encoder.layer.{l}."
            g = lambda n: w[p + n]
            qkv_w = np.concatenate([g("attention.self.query.weight"), g("attention.self.key.weight"), g("attention.self.value.weight")]).T.copy()
            qkv_b = np.concatenate([g("attention.self.query.bias"), g("attention.self.key.bias"), g("attention.self.value.bias")])
            self.layers.append((qkv_w, qkv_b, g("attention.output.dense.weight").T.copy(), g("attention.output.dense.bias"),
                                (g("attention.output.LayerNorm.weight"), g("attention.output.LayerNorm.bias")),
                                g("intermediate.dense.weight").T.copy(), g("intermediate.dense.bias"),
                                g("output.dense.weight").T.copy(), g("output.dense.bias"),
                                (g("output.LayerNorm.weight"), g("output.LayerNorm.bias"))))
    @staticmethod
    def ln(x, p):
        m = x.mean(-1, keepdims=True); v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + 1e-12) * p[0] + p[1]
    def embed(self, texts, sub_batch=32):
        """Like sentence-transformers' encode: sort by length, pad within batches of 32."""
        ids = [self.tok.encode(t) for t in texts]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(ids), 384), dtype=np.float32)
        for s in range(0, len(order), sub_batch):
            chunk = order[s:s + sub_batch]
            out[chunk] = self.forward([ids[i] for i in chunk])
        return out

    def forward(self, ids):
        B, T = len(ids), max(len(i) for i in ids)
        arr = np.zeros((B, T), dtype=np.int64); mask = np.zeros((B, T), dtype=np.float32)
        for i, s in enumerate(ids):
            arr[i, :len(s)] = s; mask[i, :len(s)] = 1
        x = self.ln(self.we[arr] + self.pe[:T] + self.te, self.eln).astype(np.float32)
        bias = ((1 - mask) * -1e9)[:, None, None, :]
        for (qw, qb, ow, ob, n1, iw, ib, o2w, o2b, n2) in self.layers:
            qkv = x.reshape(B * T, 384) @ qw + qb
            q, k, v = [qkv[:, i * 384:(i + 1) * 384].reshape(B, T, 12, 32).transpose(0, 2, 1, 3) for i in range(3)]
            s = q @ k.transpose(0, 1, 3, 2) * np.float32(1 / np.sqrt(32)) + bias
            s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(B * T, 384)
            x = self.ln((ctx @ ow + ob).reshape(B, T, 384) + x, n1)
            hmid = x.reshape(B * T, 384) @ iw + ib
            hmid = hmid * 0.5 * (1 + erf(hmid * np.float32(0.7071067811865476)))
            x = self.ln((hmid @ o2w + o2b).reshape(B, T, 384) + x, n2).astype(np.float32)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--check")]
    model = MiniLM(args[0])
    if "--check" in " ".join(sys.argv):
        g = [json.loads(l) for l in open(sys.argv[sys.argv.index("--check") + 1])]
        args = [a for a in args if not a.endswith(".jsonl")]
        e = model.embed([x["text"] for x in g])
        worst = min(float(np.dot(v, np.array(x["embedding"])) / np.linalg.norm(x["embedding"])) for v, x in zip(e, g))
        print(f"numpy anchor golden worst cosine {worst:.6f}"); assert worst >= 0.999
    count = int(args[2]) if len(args) > 2 else 500
    batch = int(args[3]) if len(args) > 3 else 64
    singles = int(args[4]) if len(args) > 4 else 200
    lines = [l for l in open(args[1], encoding="utf-8").read().split("\n") if l]
    sents = (lines * (count // len(lines) + 1))[:count]
    model.embed(sents[:32])
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(sents), batch):
        model.embed(sents[i:i + batch])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"numpy batch {batch}: {count / wall:.1f} sentences/s wall, {count / cpu:.1f} sentences per CPU-second ({cpu / wall:.2f} CPUs busy)")
    lat, cpul = [], []
    for q in range(singles):
        t, c = time.perf_counter(), time.process_time()
        model.embed([sents[q % len(sents)]])
        lat.append((time.perf_counter() - t) * 1000); cpul.append((time.process_time() - c) * 1000)
    if lat:
        lat.sort(); cpul.sort()
        print(f"numpy single query: p50 {lat[len(lat) // 2]:.2f} ms, p99 {lat[min(len(lat) - 1, int(len(lat) * 0.99))]:.2f} ms "
              f"({len(lat)} queries); CPU time per query p50 {cpul[len(cpul) // 2]:.2f} ms")

if __name__ == "__main__":
    main()
