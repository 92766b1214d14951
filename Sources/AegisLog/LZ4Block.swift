import CLZ4

/// LZ4 block format (no frame). The decompressed length is stored by the container.
public enum LZ4Block {
    /// Largest input LZ4 accepts (LZ4_MAX_INPUT_SIZE).
    public static let maxInputSize = 0x7E00_0000

    /// Worst-case compressed size of `count` input bytes.
    public static func compressBound(_ count: Int) -> Int {
        Int(LZ4_compressBound(Int32(clamping: count)))
    }

    /// Compresses `input` into one block. Throws invalidArgument above `maxInputSize`.
    public static func compress(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard input.count <= maxInputSize else {
            throw LogError(.invalidArgument, "LZ4 input of \(input.count) bytes exceeds \(maxInputSize)")
        }
        if input.isEmpty { return [0] } // LZ4 encodes empty input as one zero token
        let bound = compressBound(input.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = out.withUnsafeMutableBytes { dst in
            LZ4_compress_default(input.baseAddress!.assumingMemoryBound(to: CChar.self),
                                 dst.baseAddress!.assumingMemoryBound(to: CChar.self),
                                 Int32(input.count), Int32(bound))
        }
        guard n > 0 else { throw LogError(.invalidArgument, "LZ4 compression failed") }
        out.removeLast(bound - Int(n))
        return out
    }

    public static func compress(_ input: [UInt8]) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0) }
    }

    /// Decompresses one block that must produce exactly `expectedSize` bytes, with
    /// `expectedSize ≤ maxSize` checked before anything is allocated. Malformed input, a
    /// short or long result, or a size above the cap throws `corruption`.
    public static func decompress(_ block: UnsafeRawBufferPointer, expectedSize: Int, maxSize: Int) throws -> [UInt8] {
        guard expectedSize >= 0, expectedSize <= maxSize, expectedSize <= maxInputSize else {
            throw LogError(.corruption, "LZ4 block claims \(expectedSize) decompressed bytes, limit \(maxSize)")
        }
        var out = [UInt8](repeating: 0, count: expectedSize)
        try out.withUnsafeMutableBytes { try decompress(block, into: $0) }
        return out
    }

    public static func decompress(_ block: [UInt8], expectedSize: Int, maxSize: Int) throws -> [UInt8] {
        try block.withUnsafeBytes { try decompress($0, expectedSize: expectedSize, maxSize: maxSize) }
    }

    /// Decompresses into `output`, which must be exactly the expected size.
    public static func decompress(_ block: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        guard block.count <= Int(Int32.max), output.count <= maxInputSize else {
            throw LogError(.corruption, "LZ4 block too large")
        }
        if output.isEmpty {
            guard block.count == 1, block[0] == 0 else { throw LogError(.corruption, "LZ4 block for empty payload is malformed") }
            return
        }
        guard let src = block.baseAddress, block.count > 0 else { throw LogError(.corruption, "empty LZ4 block") }
        let n = LZ4_decompress_safe(src.assumingMemoryBound(to: CChar.self),
                                    output.baseAddress!.assumingMemoryBound(to: CChar.self),
                                    Int32(block.count), Int32(output.count))
        guard n == Int32(output.count) else {
            throw LogError(.corruption, n < 0 ? "malformed LZ4 block" : "LZ4 block decompressed to \(n) bytes, expected \(output.count)")
        }
    }
}
