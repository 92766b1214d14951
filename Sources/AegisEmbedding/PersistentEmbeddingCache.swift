import Foundation

/// An append-only file of embeddings for one (model, dimension), keyed by the SHA-256 of the text.
/// Layout (all integers little-endian; docs/embedding-cache.md):
///
///     header:  "AEGISEMB" | u32 version=1 | u32 dimension | u32 name length n | n bytes model name
///              | u32 CRC-32C of everything before it
///     entry:   u32 0x31424D45 ("EMB1") | 32-byte SHA-256 of the UTF-8 text | dimension × f32
///              | u32 CRC-32C of the entry's previous bytes          (fixed size 40 + 4·dimension)
///
/// Opening scans every entry: a bad marker or checksum skips the entry (counted in
/// `corruptedEntries`, never returned); a partial entry at the end (a torn append) is cut off so
/// later appends stay aligned. A header that is not ours is moved aside and a fresh file started.
/// Every read re-verifies the entry before trusting it. Appends are not fsynced: losing the tail
/// only costs recomputation.
final class PersistentEmbeddingCache: @unchecked Sendable {
    static let magic = Array("AEGISEMB".utf8)
    static let version: UInt32 = 1
    static let entryMarker: UInt32 = 0x3142_4D45
    static let maxNameBytes = 4096

    let url: URL
    let modelName: String
    let dimension: Int
    let entrySize: Int
    private let lock = NSLock()
    private let handle: FileHandle
    private var index: [SHA256Digest: UInt64] = [:]
    private var end: UInt64
    private(set) var corruptedEntries = 0
    private(set) var tornTailBytes = 0
    private(set) var writeErrors = 0
    private(set) var replacedHeader = false

    init(directory: URL, modelName: String, dimension: Int) throws {
        precondition(dimension > 0)
        self.modelName = modelName
        self.dimension = dimension
        self.entrySize = 40 + 4 * dimension
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent(Self.fileName(modelName: modelName, dimension: dimension))
        let header = Self.header(modelName: modelName, dimension: dimension)
        if fm.fileExists(atPath: url.path) {
            let h = try FileHandle(forReadingFrom: url)
            let existing = try h.read(upToCount: header.count) ?? Data()
            try h.close()
            if Data(header) != existing {
                // Not our header (foreign, damaged or torn at creation): keep it for inspection.
                let aside = url.appendingPathExtension("corrupt-\(Int(Date().timeIntervalSince1970))")
                try? fm.removeItem(at: aside)
                try fm.moveItem(at: url, to: aside)
                replacedHeader = true
            }
        }
        if !fm.fileExists(atPath: url.path) {
            let tmp = url.appendingPathExtension("tmp")
            try Data(header).write(to: tmp)
            try? fm.removeItem(at: url)
            try fm.moveItem(at: tmp, to: url)
        }
        handle = try FileHandle(forUpdating: url)
        end = UInt64(header.count)
        try scan(from: UInt64(header.count))
    }

    deinit { try? handle.close() }

    static func fileName(modelName: String, dimension: Int) -> String {
        let safe = String(modelName.unicodeScalars.map { s -> Character in
            (s.properties.isAlphabetic && s.isASCII) || ("0"..."9").contains(s) || s == "-" || s == "." || s == "_" ? Character(s) : "_"
        }.prefix(64))
        let tag = SHA256Digest.hash(Array(modelName.utf8)).description.prefix(8)
        return "\(safe)-\(dimension)-\(tag).embcache"
    }

    static func header(modelName: String, dimension: Int) -> [UInt8] {
        var b = magic
        let name = Array(modelName.utf8.prefix(maxNameBytes))
        b.appendLE(version); b.appendLE(UInt32(dimension)); b.appendLE(UInt32(name.count))
        b += name
        b.appendLE(CRC32C.checksum(b))
        return b
    }

    var count: Int { lock.withLock { index.count } }

    /// (entries, corrupted entries, torn tail bytes, write errors), read under the lock.
    var report: (entries: Int, corrupted: Int, tornTail: Int, writeErrors: Int) {
        lock.withLock { (index.count, corruptedEntries, tornTailBytes, writeErrors) }
    }

    private func scan(from start: UInt64) throws {
        try handle.seek(toOffset: start)
        var offset = start
        var pending = Data()
        let chunk = max(entrySize, (4 << 20) / entrySize * entrySize)
        while true {
            guard let data = try handle.read(upToCount: chunk), !data.isEmpty else { break }
            pending.append(data)
            var p = pending.startIndex
            while pending.endIndex - p >= entrySize {
                let entry = pending[p..<(p + entrySize)]
                if let digest = verify(entry) { index[digest] = offset } else { corruptedEntries += 1 }
                p += entrySize
                offset += UInt64(entrySize)
            }
            pending = Data(pending[p...])
        }
        end = offset
        if !pending.isEmpty {
            tornTailBytes = pending.count
            try handle.truncate(atOffset: offset)
        }
    }

    /// The digest of a well-formed entry, or nil.
    private func verify(_ entry: Data) -> SHA256Digest? {
        entry.withUnsafeBytes { raw -> SHA256Digest? in
            guard raw.count == entrySize,
                  UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) == Self.entryMarker else { return nil }
            let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: entrySize - 4, as: UInt32.self))
            guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(entrySize - 4)])) == stored else { return nil }
            return SHA256Digest(bytes: Array(raw[4..<36]))
        }
    }

    func get(_ key: SHA256Digest) -> [Float]? {
        lock.withLock {
            guard let offset = index[key] else { return nil }
            guard let data = try? { () throws -> Data? in
                try handle.seek(toOffset: offset)
                return try handle.read(upToCount: entrySize)
            }(), verify(data) == key else {
                index[key] = nil          // changed on disk since it was scanned: never trust it
                corruptedEntries += 1
                return nil
            }
            return data.withUnsafeBytes { raw in
                (0..<dimension).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 36 + 4 * $0, as: UInt32.self))) }
            }
        }
    }

    func put(_ key: SHA256Digest, _ vector: [Float]) {
        precondition(vector.count == dimension)
        var b: [UInt8] = []
        b.reserveCapacity(entrySize)
        b.appendLE(Self.entryMarker)
        b += key.bytes
        for x in vector { b.appendLE(x.bitPattern) }
        b.appendLE(CRC32C.checksum(b))
        lock.withLock {
            guard index[key] == nil else { return }
            do {
                try handle.seek(toOffset: end)
                try handle.write(contentsOf: b)
                index[key] = end
                end += UInt64(entrySize)
            } catch {
                writeErrors += 1
                // Re-align: a partial write must not shift later entries.
                try? handle.truncate(atOffset: end)
            }
        }
    }

    func flush() throws { try lock.withLock { try handle.synchronize() } }
}

extension Array where Element == UInt8 {
    mutating func appendLE(_ v: UInt32) {
        append(UInt8(truncatingIfNeeded: v)); append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v >> 16)); append(UInt8(truncatingIfNeeded: v >> 24))
    }
}
