import Dispatch

/// Weights of one BERT encoder layer, packed for the kernels.
public struct BertLayerWeights: Sendable {
    /// Q, K and V projections concatenated: `hidden → 3·hidden`.
    public let qkv: PackedLinear
    public let attentionOutput: PackedLinear
    public let attentionNorm: LayerNormParameters
    public let intermediate: PackedLinear
    public let output: PackedLinear
    public let outputNorm: LayerNormParameters

    public init(query: PackedLinear, key: PackedLinear, value: PackedLinear, attentionOutput: PackedLinear,
                attentionNorm: LayerNormParameters, intermediate: PackedLinear, output: PackedLinear,
                outputNorm: LayerNormParameters) {
        self.qkv = .concatenating([query, key, value])
        self.attentionOutput = attentionOutput
        self.attentionNorm = attentionNorm
        self.intermediate = intermediate
        self.output = output
        self.outputNorm = outputNorm
    }
}

/// A BERT encoder with mean pooling and L2 normalisation (the sentence-transformers recipe).
/// Immutable and `Sendable`; each thread brings its own `BertWorkspace`.
public struct BertEncoder: Sendable {
    public let hidden: Int
    public let heads: Int
    public let intermediateSize: Int
    public let maxPositions: Int
    let wordEmbeddings: [Float]      // [vocab][hidden]
    let positionEmbeddings: [Float]  // [maxPositions][hidden]
    let tokenTypeEmbedding: [Float]  // type 0 only: [hidden]
    let embeddingNorm: LayerNormParameters
    let layers: [BertLayerWeights]
    public var vocabularySize: Int { wordEmbeddings.count / hidden }

    public init(hidden: Int, heads: Int, intermediateSize: Int, maxPositions: Int,
                wordEmbeddings: [Float], positionEmbeddings: [Float], tokenTypeEmbedding: [Float],
                embeddingNorm: LayerNormParameters, layers: [BertLayerWeights]) {
        precondition(hidden % 16 == 0 && heads > 0 && hidden % heads == 0 && (hidden / heads) % 8 == 0)
        precondition(positionEmbeddings.count == maxPositions * hidden && tokenTypeEmbedding.count == hidden)
        self.hidden = hidden; self.heads = heads; self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions; self.wordEmbeddings = wordEmbeddings
        self.positionEmbeddings = positionEmbeddings; self.tokenTypeEmbedding = tokenTypeEmbedding
        self.embeddingNorm = embeddingNorm; self.layers = layers
    }

    /// Embeds a batch of token-id sequences (each already `[CLS] … [SEP]`, length 1…maxPositions,
    /// ids < vocabularySize — the caller validates). The sequences are laid out back to back
    /// (no padding): dense layers see all tokens of the batch as one matrix, attention runs per
    /// sequence and head. Returns one L2-normalised `hidden`-vector per sequence.
    /// `parallelism` > 1 splits each dense layer's output columns and the attention heads across
    /// that many threads (use it for a single small batch; batch-level parallelism is better).
    public func embed(_ sequences: [[Int32]], workspace: BertWorkspace, parallelism: Int = 1) -> [[Float]] {
        let rows = sequences.reduce(0) { $0 + $1.count }
        let longest = sequences.reduce(0) { max($0, $1.count) }
        workspace.reserve(rows: rows, longest: longest, hidden: hidden, intermediate: intermediateSize,
                          scoreBuffers: max(1, min(parallelism, heads)))
        let h = hidden
        let x = workspace.hiddenStates, qkv = workspace.qkv, ctx = workspace.context
        let tmp = workspace.scratch, inter = workspace.intermediate, scores = workspace.scores

        // Embeddings: word + position + token type 0, then LayerNorm.
        wordEmbeddings.withUnsafeBufferPointer { we in
            positionEmbeddings.withUnsafeBufferPointer { pe in
                tokenTypeEmbedding.withUnsafeBufferPointer { te in
                    var r = 0
                    for seq in sequences {
                        for (pos, id) in seq.enumerated() {
                            let dst = x + r * h, w = we.baseAddress! + Int(id) * h, p = pe.baseAddress! + pos * h
                            var i = 0
                            while i < h { store8(dst + i, load8(w + i) + load8(p + i) + load8(te.baseAddress! + i)); i += 8 }
                            embeddingNorm.apply(dst, residual: nil)
                            r += 1
                        }
                    }
                }
            }
        }

        let headDim = h / heads
        let scale = 1 / Float(headDim).squareRoot()
        for layer in layers {
            layer.qkv.apply(x, xStride: h, rows: rows, into: qkv, yStride: 3 * h, parallelism: parallelism)
            // Self-attention per sequence and head; every token attends to every token of its
            // own sequence (the attention mask of a padded batch, without the padding).
            var start = 0
            for seq in sequences {
                let n = seq.count, s0 = start
                if parallelism > 1 {
                    let qa = UInt(bitPattern: qkv), ca = UInt(bitPattern: ctx), sa = UInt(bitPattern: scores)
                    let parts = min(parallelism, heads)
                    DispatchQueue.concurrentPerform(iterations: parts) { part in
                        for head in stride(from: part, to: self.heads, by: parts) {
                            self.attend(qkv: UnsafeMutablePointer(bitPattern: qa)!, start: s0, count: n, head: head,
                                        scores: UnsafeMutablePointer(bitPattern: sa)! + part * n * n,
                                        context: UnsafeMutablePointer(bitPattern: ca)!, scale: scale)
                        }
                    }
                } else {
                    for head in 0..<heads {
                        attend(qkv: qkv, start: s0, count: n, head: head, scores: scores, context: ctx, scale: scale)
                    }
                }
                start += n
            }
            layer.attentionOutput.apply(ctx, xStride: h, rows: rows, into: tmp, yStride: h, parallelism: parallelism)
            for r in 0..<rows { layer.attentionNorm.apply(x + r * h, residual: tmp + r * h) }
            // Swap roles: the normalised sum is the new hidden state (written into x in place).
            layer.intermediate.apply(x, xStride: h, rows: rows, into: inter, yStride: intermediateSize, parallelism: parallelism)
            VectorMath.gelu(inter, count: rows * intermediateSize)
            layer.output.apply(inter, xStride: intermediateSize, rows: rows, into: tmp, yStride: h, parallelism: parallelism)
            for r in 0..<rows { layer.outputNorm.apply(x + r * h, residual: tmp + r * h) }
        }

        // Mean pooling over each sequence's tokens, then L2 normalisation.
        var result: [[Float]] = []
        result.reserveCapacity(sequences.count)
        var start = 0
        for seq in sequences {
            var v = [Float](repeating: 0, count: h)
            v.withUnsafeMutableBufferPointer { vp in
                let o = vp.baseAddress!
                for r in start..<(start + seq.count) {
                    var i = 0
                    while i < h { store8(o + i, load8(o + i) + load8(x + r * h + i)); i += 8 }
                }
                let norm = VectorMath.dot(o, o, count: h).squareRoot()
                let inv = norm > 0 ? 1 / norm : 0
                for i in 0..<h { o[i] *= inv }
            }
            result.append(v)
            start += seq.count
        }
        return result
    }
}

extension BertEncoder {
    /// One head of scaled dot-product attention for one sequence of `count` tokens starting at
    /// row `start`: `context[:, head] = softmax(Q·Kᵀ·scale)·V`.
    @inline(__always)
    func attend(qkv: UnsafeMutablePointer<Float>, start: Int, count n: Int, head: Int,
                scores: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>, scale: Float) {
        let h = hidden, headDim = hidden / heads, stride = 3 * h
        let qOff = head * headDim, kOff = h + head * headDim, vOff = 2 * h + head * headDim
        for i in 0..<n {
            let q = qkv + (start + i) * stride + qOff
            let srow = scores + i * n
            for j in 0..<n {
                srow[j] = VectorMath.dot(q, qkv + (start + j) * stride + kOff, count: headDim) * scale
            }
            VectorMath.softmax(srow, count: n)
            let out = context + (start + i) * h + qOff
            if headDim == 32 {
                var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                for j in 0..<n {
                    let p = SIMD8<Float>(repeating: srow[j]), v = qkv + (start + j) * stride + vOff
                    a0 = madd(a0, p, load8(v)); a1 = madd(a1, p, load8(v + 8))
                    a2 = madd(a2, p, load8(v + 16)); a3 = madd(a3, p, load8(v + 24))
                }
                store8(out, a0); store8(out + 8, a1); store8(out + 16, a2); store8(out + 24, a3)
            } else {
                var d = 0
                while d < headDim {
                    var acc = SIMD8<Float>()
                    for j in 0..<n {
                        acc = madd(acc, SIMD8(repeating: srow[j]), load8(qkv + (start + j) * stride + vOff + d))
                    }
                    store8(out + d, acc)
                    d += 8
                }
            }
        }
    }
}

/// Reusable scratch memory for `BertEncoder.embed` (one per thread; grows, never shrinks).
public final class BertWorkspace {
    private(set) var rows = 0, longest = 0, hidden = 0, intermediateWidth = 0, scoreBuffers = 0
    var hiddenStates = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    var qkv = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    var context = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    var scratch = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    var intermediate = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    var scores = UnsafeMutablePointer<Float>.allocate(capacity: 0)

    public init() {}

    func reserve(rows: Int, longest: Int, hidden: Int, intermediate width: Int, scoreBuffers: Int) {
        if rows > self.rows || hidden != self.hidden || width != intermediateWidth {
            let r = max(rows, self.rows)
            free()
            hiddenStates = .allocate(capacity: r * hidden)
            qkv = .allocate(capacity: r * 3 * hidden)
            context = .allocate(capacity: r * hidden)
            scratch = .allocate(capacity: r * hidden)
            intermediate = .allocate(capacity: r * width)
            self.rows = r; self.hidden = hidden; self.intermediateWidth = width
        }
        if longest > self.longest || scoreBuffers > self.scoreBuffers {
            scores.deallocate()
            self.longest = max(longest, self.longest)
            self.scoreBuffers = max(scoreBuffers, self.scoreBuffers)
            scores = .allocate(capacity: self.longest * self.longest * self.scoreBuffers)
        }
    }

    private func free() {
        hiddenStates.deallocate(); qkv.deallocate(); context.deallocate()
        scratch.deallocate(); intermediate.deallocate()
    }

    deinit { free(); scores.deallocate() }
}
