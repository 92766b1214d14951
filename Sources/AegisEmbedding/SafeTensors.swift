import Foundation

/// A read-only safetensors file (https://huggingface.co/docs/safetensors): an 8-byte
/// little-endian header length N, N bytes of JSON `{name: {dtype, shape, data_offsets}}`
/// (plus an optional `__metadata__` map of strings), then the tensor bytes.
/// Everything is validated before any tensor is read: header bounds, JSON shape, known dtypes,
/// element counts × dtype size == byte ranges, ranges inside the file, sorted, with no overlap
/// and no holes.
public struct SafeTensorsFile: Sendable {
    public enum DType: String, Sendable, CaseIterable {
        case F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL
        public var byteSize: Int {
            switch self {
            case .F64, .I64: 8
            case .F32, .I32: 4
            case .F16, .BF16, .I16: 2
            case .I8, .U8, .BOOL: 1
            }
        }
    }

    public struct TensorInfo: Sendable, Equatable {
        public var dtype: DType
        public var shape: [Int]
        /// Absolute byte range in the file.
        public var range: Range<Int>
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Largest header accepted (the format's own limit is 100 MB).
    public static let maxHeaderBytes = 100_000_000

    public let path: String
    public let tensors: [String: TensorInfo]
    public let metadata: [String: String]
    private let data: Data

    public init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw ModelFileError(.io, "cannot read: \(error.localizedDescription)", file: path)
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String = "<memory>") throws {
        func fail(_ c: ModelFileError.Code, _ m: String, _ o: Int? = nil) -> ModelFileError {
            ModelFileError(c, m, file: path, offset: o)
        }
        guard data.count >= 8 else { throw fail(.badHeader, "file is \(data.count) bytes, shorter than the 8-byte header length", 0) }
        let n = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) }
        guard n >= 2, n <= UInt64(Self.maxHeaderBytes), n <= UInt64(data.count - 8) else {
            throw fail(.badHeader, "header length \(n) impossible for a \(data.count)-byte file (max \(Self.maxHeaderBytes))", 0)
        }
        let headerEnd = 8 + Int(n)
        let headerBytes = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + headerEnd))
        guard headerBytes.first == UInt8(ascii: "{") else { throw fail(.badHeader, "header does not start with '{'", 8) }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: headerBytes) } catch {
            throw fail(.badHeader, "header is not valid JSON", 8)
        }
        guard let object = json as? [String: Any] else { throw fail(.badHeader, "header is not a JSON object", 8) }

        let dataSize = data.count - headerEnd
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {  // sorted: the same file always gives the same error
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail(.badHeader, "__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw fail(.badHeader, "__metadata__.\(k) is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw fail(.badHeader, "tensor \(name): entry is not an object") }
            guard let dtypeName = entry["dtype"] as? String else { throw fail(.badHeader, "tensor \(name): dtype missing") }
            guard let dtype = DType(rawValue: dtypeName) else { throw fail(.badDType, "tensor \(name): unknown dtype \(dtypeName)") }
            guard let shapeAny = entry["shape"] as? [Any] else { throw fail(.badHeader, "tensor \(name): shape missing") }
            var shape: [Int] = []
            var count = 1
            for d in shapeAny {
                guard let dim = Self.integer(d), dim >= 0 else { throw fail(.badShape, "tensor \(name): shape \(shapeAny) has a non-integer or negative dimension") }
                let (c, o) = count.multipliedReportingOverflow(by: dim)
                guard !o, c <= dataSize else { throw fail(.badShape, "tensor \(name): shape \(shapeAny) has more elements than the file has bytes") }
                shape.append(dim); count = c
            }
            guard let offs = entry["data_offsets"] as? [Any], offs.count == 2,
                  let begin = Self.integer(offs[0]), let end = Self.integer(offs[1]) else {
                throw fail(.badHeader, "tensor \(name): data_offsets must be two integers")
            }
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw fail(.badOffsets, "tensor \(name): data_offsets [\(begin), \(end)] outside the \(dataSize)-byte data section", headerEnd)
            }
            guard end - begin == count * dtype.byteSize else {
                throw fail(.badOffsets, "tensor \(name): \(end - begin) bytes for \(count) × \(dtype.rawValue) (\(count * dtype.byteSize) expected)", headerEnd + begin)
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, range: (headerEnd + begin)..<(headerEnd + end))
        }
        // Ranges must tile the data section exactly: sorted, no overlap, no holes.
        var cursor = headerEnd
        for (name, info) in tensors.sorted(by: { ($0.value.range.lowerBound, $0.value.range.upperBound) < ($1.value.range.lowerBound, $1.value.range.upperBound) }) {
            guard info.range.lowerBound == cursor else {
                let what = info.range.lowerBound < cursor ? "overlaps the previous tensor" : "leaves a hole of \(info.range.lowerBound - cursor) bytes before it"
                throw fail(.badOffsets, "tensor \(name) \(what)", info.range.lowerBound)
            }
            cursor = info.range.upperBound
        }
        guard cursor == data.count else {
            throw fail(.badOffsets, "\(data.count - cursor) bytes after the last tensor are not described by the header", cursor)
        }
        self.path = path
        self.tensors = tensors
        self.metadata = metadata
        self.data = data
    }

    private static func integer(_ v: Any) -> Int? {
        guard let n = v as? NSNumber else { return nil }
        // JSONSerialization gives NSNumber for both ints and floats; accept only exact integers.
        let d = n.doubleValue
        guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
        return n.intValue
    }

    /// The tensor converted to Float32, after checking its shape (`nil` entries match any size).
    public func floats(_ name: String, shape expected: [Int?]) throws -> [Float] {
        guard let info = tensors[name] else { throw ModelFileError(.missing, "tensor \(name) not found", file: path) }
        guard info.shape.count == expected.count,
              zip(info.shape, expected).allSatisfy({ $1 == nil || $0 == $1 }) else {
            throw ModelFileError(.badShape, "tensor \(name) has shape \(info.shape), expected \(expected.map { $0.map(String.init) ?? "_" })", file: path, offset: info.range.lowerBound)
        }
        guard [.F32, .F16, .BF16, .F64].contains(info.dtype) else {
            throw ModelFileError(.badDType, "tensor \(name) is \(info.dtype.rawValue), a float type is needed", file: path, offset: info.range.lowerBound)
        }
        let n = info.elementCount
        var out = [Float](repeating: 0, count: n)
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + info.range.lowerBound
            out.withUnsafeMutableBufferPointer { o in
                switch info.dtype {
                case .F32:
                    #if _endian(little)
                    UnsafeMutableRawPointer(o.baseAddress!).copyMemory(from: base, byteCount: n * 4)
                    #else
                    for i in 0..<n { o[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
                    #endif
                case .F16:
                    for i in 0..<n { o[i] = Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))) }
                case .BF16:
                    for i in 0..<n { o[i] = Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16) }
                case .F64:
                    for i in 0..<n { o[i] = Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))) }
                default: break
                }
            }
        }
        return out
    }
}
