import Testing
@testable import AegisLog

@Suite struct ChecksumTests {
    @Test func xxh3KnownVectors() {
        // Reference values from the xxHash test suite (XXH3_64bits, seed 0).
        #expect(Checksum.xxh3([UInt8]()) == 0x2D06_8005_38D3_94C2)
        #expect(Checksum.xxh3(Array("a".utf8)) == 0xE6C6_32B6_1E96_4E1F)
    }

    @Test func streamingEqualsOneShot() {
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var h = Checksum.Hasher()
        h.update(Array(bytes[0..<17]))
        h.update(Array(bytes[17..<4000]))
        h.update(Array(bytes[4000...]))
        #expect(h.finalize() == Checksum.xxh3(bytes))
    }
}

@Suite struct LZ4BlockTests {
    @Test func roundTrip() throws {
        let text = Array(String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 200).utf8)
        let block = try LZ4Block.compress(text)
        #expect(block.count < text.count / 4)
        #expect(try LZ4Block.decompress(block, expectedSize: text.count, maxSize: 1 << 20) == text)
    }

    @Test func emptyRoundTrip() throws {
        let block = try LZ4Block.compress([UInt8]())
        #expect(try LZ4Block.decompress(block, expectedSize: 0, maxSize: 10) == [])
    }

    @Test func wrongExpectedSizeIsCorruption() throws {
        let text = Array(String(repeating: "abc", count: 1000).utf8)
        let block = try LZ4Block.compress(text)
        for size in [text.count - 1, text.count + 1, 0] {
            #expect(throws: LogError.self) { _ = try LZ4Block.decompress(block, expectedSize: size, maxSize: 1 << 20) }
        }
    }

    @Test func decompressionBombCappedBeforeAllocation() throws {
        // A tiny block that claims to expand to 2 GiB must be refused by the cap, not allocated.
        let block = try LZ4Block.compress([UInt8](repeating: 0, count: 1 << 16))
        let error = #expect(throws: LogError.self) {
            _ = try LZ4Block.decompress(block, expectedSize: 1 << 31, maxSize: 64 << 20)
        }
        #expect(error?.code == .corruption)
    }

    @Test func garbageBlocksNeverCrash() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let n = Int(rng.next() % 64) + 1
            let garbage = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? LZ4Block.decompress(garbage, expectedSize: Int(rng.next() % 4096), maxSize: 4096)
        }
    }
}
