/// Byte layout of an encoded graph (docs/hnsw.md, "Encoding"). All integers
/// little-endian.
///
/// ```
/// header (80 bytes)
///   0  magic "AEGHNSW\0"          8  version u16 (2; 1 is read)   10 header size u16 (80)
///  12  metric u8  13 contents u8 (bit 0 vectors, bit 1 codes; 0 in version 1, which always
///      has vectors)  14 2 reserved (0)  16 dimension u32     20 m u32
///  24  ef_construction u32        28 ef_search u32     32 slot count u32
///  36  entry point u32 (0xFFFFFFFF = none)             40 max level i32 (-1 = empty)
///  44  free-slot count u32        48 seed u64          56 level RNG state u64
///  64  exact-scan selectivity f64 72 upper-level words u64
/// body
///   labels         slot count × u64
///   levels         slot count × u8
///   flags          slot count × u8   (bit 0 = deleted; other bits must be 0)
///   padding        0–3 zero bytes to a multiple of 4
///   free slots     free-slot count × u32
///   vectors        if contents bit 0: slot count × dimension × f32 (stored form: normalised
///                  for cosine); an index with external vectors writes none
///   codes          if contents bit 1: slot count × rowBytes(dimension) int8 codes, then slot
///                  count × f32 scales, then slot count × f32 squared norms (zeros for tombstones)
///   level 0        slot count × (1 + 2m) × u32  (count, then neighbour slots)
///   upper levels   upper-level words × u32, slot order, level × (1 + m) words per slot
/// trailer
///   checksum of every preceding byte, u64: XXH3-64 (seed 0) in version 2, XXH64 (seed 0) in
///   version 1 (both libxxhash)
/// ```
/// A decoder checks the magic, version and exact total size (overflow-checked) first, then
/// the checksum, then every value before using it as an offset or index.
enum HNSWFormat {
    static let magic: [UInt8] = Array("AEGHNSW".utf8) + [0]
    static let version: UInt16 = 2
    static let hasVectors: UInt8 = 1
    static let hasCodes: UInt8 = 2
    static let headerSize = 80
    static let trailerSize = 8
}
