import Foundation
import Testing
@testable import AegisEmbedding

@Suite struct SafeTensorsTests {
    /// Builds a safetensors file from a header JSON string and raw data bytes.
    static func file(_ header: String, _ data: [UInt8], declaredLength: UInt64? = nil) -> Data {
        var d = Data()
        let h = Array(header.utf8)
        var n = (declaredLength ?? UInt64(h.count)).littleEndian
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(contentsOf: h)
        d.append(contentsOf: data)
        return d
    }

    static func floats(_ v: [Float]) -> [UInt8] { v.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } } }

    static let good = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F16","shape":[2],"data_offsets":[16,20]}}"#
    static let goodData = floats([1, 2, 3, 4]) + [0x00, 0x3C, 0x00, 0xC0]  // F16 1.0, -2.0

    func code(_ data: Data) -> ModelFileError.Code? {
        do { _ = try SafeTensorsFile(data: data, path: "test.safetensors"); return nil } catch let e as ModelFileError {
            #expect(e.file == "test.safetensors")
            return e.code
        } catch { return nil }
    }

    @Test func readsAValidFile() throws {
        let f = try SafeTensorsFile(data: Self.file(Self.good, Self.goodData))
        #expect(f.metadata == ["format": "pt"])
        #expect(try f.floats("a", shape: [2, 2]) == [1, 2, 3, 4])
        #expect(try f.floats("b", shape: [nil]) == [1, -2])
        #expect(f.tensors["a"]?.dtype == .F32 && f.tensors["a"]?.shape == [2, 2])
    }

    @Test func wrongShapeOrMissingTensorIsReported() throws {
        let f = try SafeTensorsFile(data: Self.file(Self.good, Self.goodData))
        do { _ = try f.floats("a", shape: [4]); Issue.record("expected badShape") } catch let e as ModelFileError {
            #expect(e.code == .badShape && e.message.contains("[2, 2]"))
        }
        do { _ = try f.floats("zzz", shape: [1]); Issue.record("expected missing") } catch let e as ModelFileError {
            #expect(e.code == .missing)
        }
    }

    @Test func tooShortFile() { #expect(code(Data([1, 2, 3])) == .badHeader) }

    @Test func headerLengthBeyondTheFile() {
        #expect(code(Self.file(Self.good, Self.goodData, declaredLength: 1 << 40)) == .badHeader)
        #expect(code(Self.file(Self.good, Self.goodData, declaredLength: UInt64.max)) == .badHeader)
    }

    @Test func headerIsNotJSON() { #expect(code(Self.file("{not json}", [])) == .badHeader) }

    @Test func headerIsNotAnObject() { #expect(code(Self.file("[1,2]   ", [])) == .badHeader) }

    @Test func unknownDType() {
        #expect(code(Self.file(#"{"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}"#, [0])) == .badDType)
    }

    @Test func negativeOrFractionalShape() {
        #expect(code(Self.file(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0])) == .badShape)
        #expect(code(Self.file(#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, [0, 0, 0, 0])) == .badShape)
    }

    @Test func hugeShapeDoesNotOverflowOrAllocate() {
        let h = #"{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}}"#
        #expect(code(Self.file(h, [0, 0, 0, 0])) == .badShape)
    }

    @Test func offsetsPastTheEnd() {
        #expect(code(Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, [0, 0, 0, 0])) == .badOffsets)
    }

    @Test func byteCountDisagreesWithShape() {
        #expect(code(Self.file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, [0, 0, 0, 0])) == .badOffsets)
    }

    @Test func overlappingTensors() {
        let h = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#
        #expect(code(Self.file(h, [UInt8](repeating: 0, count: 6))) == .badOffsets)
    }

    @Test func holeBetweenTensors() {
        let h = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        #expect(code(Self.file(h, [UInt8](repeating: 0, count: 12))) == .badOffsets)
    }

    @Test func trailingBytesNotInTheHeader() {
        #expect(code(Self.file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0, 9])) == .badOffsets)
    }

    @Test func missingFields() {
        #expect(code(Self.file(#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0])) == .badHeader)
        #expect(code(Self.file(#"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#, [0, 0, 0, 0])) == .badHeader)
        #expect(code(Self.file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, [0, 0, 0, 0])) == .badHeader)
    }

    @Test func modelDirectoryWithTruncatedWeightsIsRejectedBeforeUse() throws {
        let dir = try temporaryDirectory("model")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = URL(fileURLWithPath: TestPaths.modelDirectory)
        for f in ["config.json", "vocab.txt", "sentence_bert_config.json"] {
            try FileManager.default.copyItem(at: src.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        // The real header followed by only 1 MB of the 90 MB of weights.
        let h = try FileHandle(forReadingFrom: src.appendingPathComponent("model.safetensors"))
        let prefix = try h.read(upToCount: 1 << 20)!
        try h.close()
        try prefix.write(to: dir.appendingPathComponent("model.safetensors"))
        #expect(throws: ModelFileError.self) { _ = try MiniLMModel(directory: dir.path) }
        // Whichever tensor is checked first is found not to fit: too many elements or offsets past the end.
        do { _ = try MiniLMModel(directory: dir.path) } catch let e as ModelFileError { #expect(e.code == .badOffsets || e.code == .badShape) }
    }

    @Test func missingModelDirectoryNamesTheFile() {
        do { _ = try MiniLMModel(directory: "/nonexistent/model"); Issue.record("expected an error") } catch let e as ModelFileError {
            #expect(e.code == .missing && e.file.hasSuffix("config.json"))
        } catch { Issue.record("unexpected \(error)") }
    }
}
