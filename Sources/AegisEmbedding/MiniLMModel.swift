import Foundation
import AegisCore
import AegisEmbeddingKernels

/// Loads a sentence-transformers BERT model directory (all-MiniLM-L6-v2 layout):
/// `config.json`, `vocab.txt`, `model.safetensors`, optional `sentence_bert_config.json`
/// (`max_seq_length`, default 256) and `1_Pooling/config.json` (must be mean pooling).
/// Every tensor's shape is checked against `config.json` before use.
public struct MiniLMModel: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var hiddenSize: Int
        public var layers: Int
        public var heads: Int
        public var intermediateSize: Int
        public var maxPositions: Int
        public var vocabularySize: Int
        public var typeVocabularySize: Int
        public var layerNormEpsilon: Float
        public var maxSequenceLength: Int
    }

    public let configuration: Configuration
    public let tokenizer: WordPieceTokenizer
    let encoder: BertEncoder

    public static let requiredFiles = ["config.json", "vocab.txt", "model.safetensors"]

    public init(directory: String) throws {
        let dir = URL(fileURLWithPath: directory)
        for f in Self.requiredFiles where !FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path) {
            throw ModelFileError(.missing, "model file \(f) not found (run `make models` or set AEGIS_MODEL_DIR)", file: dir.appendingPathComponent(f).path)
        }
        try Self.checkCPU()
        let config = try Self.readConfiguration(dir)
        tokenizer = try WordPieceTokenizer(vocabularyFile: dir.appendingPathComponent("vocab.txt").path,
                                           maxLength: config.maxSequenceLength)
        guard tokenizer.vocabularySize == config.vocabularySize else {
            throw ModelFileError(.badShape, "vocab.txt has \(tokenizer.vocabularySize) tokens, config.json says \(config.vocabularySize)", file: dir.appendingPathComponent("vocab.txt").path)
        }
        let weights = try SafeTensorsFile(path: dir.appendingPathComponent("model.safetensors").path)
        encoder = try Self.buildEncoder(weights, config)
        configuration = config
    }

    /// Embeds already-tokenised sequences on the calling thread.
    func embed(tokenized: [[Int32]], workspace: BertWorkspace, parallelism: Int = 1) -> [[Float]] {
        encoder.embed(tokenized, workspace: workspace, parallelism: parallelism)
    }

    private static func readConfiguration(_ dir: URL) throws -> Configuration {
        let path = dir.appendingPathComponent("config.json").path
        let obj = try readJSON(path)
        func int(_ k: String, _ def: Int? = nil) throws -> Int {
            if let v = obj[k] as? NSNumber, v.doubleValue == v.doubleValue.rounded(), v.intValue > 0 { return v.intValue }
            if obj[k] == nil, let d = def { return d }
            throw ModelFileError(.missing, "config.json needs a positive integer \(k)", file: path)
        }
        if let act = obj["hidden_act"] as? String, act != "gelu" {
            throw ModelFileError(.badShape, "hidden_act \(act) is not supported (only gelu)", file: path)
        }
        if let kind = obj["position_embedding_type"] as? String, kind != "absolute" {
            throw ModelFileError(.badShape, "position_embedding_type \(kind) is not supported", file: path)
        }
        var maxSeq = 256
        let stPath = dir.appendingPathComponent("sentence_bert_config.json").path
        if FileManager.default.fileExists(atPath: stPath), let m = try readJSON(stPath)["max_seq_length"] as? NSNumber {
            maxSeq = m.intValue
        }
        let poolPath = dir.appendingPathComponent("1_Pooling/config.json").path
        if FileManager.default.fileExists(atPath: poolPath) {
            let pool = try readJSON(poolPath)
            guard (pool["pooling_mode_mean_tokens"] as? NSNumber)?.boolValue == true else {
                throw ModelFileError(.badShape, "only mean pooling is supported", file: poolPath)
            }
        }
        let c = Configuration(
            hiddenSize: try int("hidden_size"), layers: try int("num_hidden_layers"),
            heads: try int("num_attention_heads"), intermediateSize: try int("intermediate_size"),
            maxPositions: try int("max_position_embeddings"), vocabularySize: try int("vocab_size"),
            typeVocabularySize: try int("type_vocab_size", 2),
            layerNormEpsilon: (obj["layer_norm_eps"] as? NSNumber)?.floatValue ?? 1e-12,
            maxSequenceLength: maxSeq)
        guard c.hiddenSize % 16 == 0, c.intermediateSize % 16 == 0, c.hiddenSize % c.heads == 0,
              (c.hiddenSize / c.heads) % 8 == 0, c.layers <= 64, c.hiddenSize <= 8192, c.intermediateSize <= 32768 else {
            throw ModelFileError(.badShape, "unsupported geometry: hidden \(c.hiddenSize), heads \(c.heads), intermediate \(c.intermediateSize), layers \(c.layers)", file: path)
        }
        guard c.maxSequenceLength >= 2, c.maxSequenceLength <= c.maxPositions else {
            throw ModelFileError(.badShape, "max_seq_length \(c.maxSequenceLength) must be in 2…\(c.maxPositions)", file: stPath)
        }
        return c
    }

    private static func readJSON(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelFileError(.io, "cannot read", file: path) }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelFileError(.badHeader, "not a JSON object", file: path)
        }
        return obj
    }

    private static func buildEncoder(_ st: SafeTensorsFile, _ c: Configuration) throws -> BertEncoder {
        let prefix = st.tensors["embeddings.word_embeddings.weight"] == nil && st.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        let h = c.hiddenSize, i = c.intermediateSize
        func t(_ name: String, _ shape: [Int?]) throws -> [Float] { try st.floats(prefix + name, shape: shape) }
        func linear(_ name: String, out: Int, in inF: Int) throws -> PackedLinear {
            PackedLinear(weight: try t(name + ".weight", [out, inF]), bias: try t(name + ".bias", [out]), outFeatures: out, inFeatures: inF)
        }
        func norm(_ name: String) throws -> LayerNormParameters {
            LayerNormParameters(gamma: try t(name + ".weight", [h]), beta: try t(name + ".bias", [h]), epsilon: c.layerNormEpsilon)
        }
        var layers: [BertLayerWeights] = []
        for l in 0..<c.layers {
            let p = "encoder.layer.\(l)."
            layers.append(BertLayerWeights(
                query: try linear(p + "attention.self.query", out: h, in: h),
                key: try linear(p + "attention.self.key", out: h, in: h),
                value: try linear(p + "attention.self.value", out: h, in: h),
                attentionOutput: try linear(p + "attention.output.dense", out: h, in: h),
                attentionNorm: try norm(p + "attention.output.LayerNorm"),
                intermediate: try linear(p + "intermediate.dense", out: i, in: h),
                output: try linear(p + "output.dense", out: h, in: i),
                outputNorm: try norm(p + "output.LayerNorm")))
        }
        let types = try t("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h])
        return BertEncoder(
            hidden: h, heads: c.heads, intermediateSize: i, maxPositions: c.maxPositions,
            wordEmbeddings: try t("embeddings.word_embeddings.weight", [c.vocabularySize, h]),
            positionEmbeddings: try t("embeddings.position_embeddings.weight", [c.maxPositions, h]),
            tokenTypeEmbedding: Array(types[0..<h]),
            embeddingNorm: try norm("embeddings.LayerNorm"), layers: layers)
    }

    /// The kernels may have been compiled for AVX2+FMA; refuse to run them on a CPU without.
    static func checkCPU() throws {
        if let problem = HostCPU.unsupported(builtForAVX2FMA: KernelBuild.requiresAVX2FMA, component: "MiniLM kernels") {
            throw EmbeddingError(.unavailable, problem)
        }
    }
}
