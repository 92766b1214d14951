import Testing
@testable import AegisCore

/// Expected values computed with CPython: hashlib.sha256(s.strip().lower().encode()).hexdigest()
@Test(arguments: [
    ("hello", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
    ("  Hello World \n", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
    ("\u{a0}ÄBC\u{3000}", "6af7acc9ce244857073dbf0c9d6c88f13a01cf0dbe03ee64de980314d94d7475"),
    ("ΣΑΣ ΟΔΟΣ", "02023e7108be0be74f878303e28e4004f280b530b93ea09df7792f6c44b2835e"),
    ("İstanbul", "4a4df120f7d1f3c286f58651abfcec2aade892ace635f96f02b946c96e6e1f86"),
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
])
func contentHashMatchesPython(input: String, expected: String) {
    #expect(ContentHash.of(input) == expected)
}

@Test func sha256MultiBlock() {
    #expect(SHA256.hexDigest([UInt8](repeating: 0x61, count: 200)) == "c2a908d98f5df987ade41b5fce213067efbcc21ef2240212a41e54b5e7c28ae5")
}

@Test func identifiersAre32LowercaseHex() {
    let a = Identifier.uuid4Hex(), b = Identifier.randomHex()
    #expect(Identifier.isCanonical(a) && Identifier.isCanonical(b))
    #expect(Array(a)[12] == "4")
    #expect(a != Identifier.uuid4Hex())
    #expect(!Identifier.isCanonical("ABCDEF0123456789abcdef0123456789"))
}

@Test func hexRoundTrip() {
    #expect(Hex.decode(Hex.encode([0, 1, 254, 255])) == [0, 1, 254, 255])
    #expect(Hex.decode("zz") == nil)
    #expect(Hex.decode("abc") == nil)
}
