import Testing
@testable import AegisLexical

@Suite struct LexicalTokenizerTests {
    func t(_ s: String) -> [String] { LexicalTokenizer.tokens(s) }

    @Test func errorCodeKeptWholeWithParts() {
        #expect(t("ERR_PAYMENT_4471") == ["err_payment_4471", "err", "payment", "4471"])
    }

    @Test func hostName() {
        #expect(t("db-auth-17.internal") == ["db-auth-17.internal", "db", "auth", "17", "internal"])
    }

    @Test func functionCallDropsParentheses() {
        #expect(t("fetch_orders_v2()") == ["fetch_orders_v2", "fetch", "orders", "v2"])
    }

    @Test func ticket() {
        #expect(t("INC-2231") == ["inc-2231", "inc", "2231"])
    }

    @Test func pullRequestNumber() {
        #expect(t("PR #4832") == ["pr", "4832"])
    }

    @Test func version() {
        #expect(t("1.2.3") == ["1.2.3", "1", "2", "3"])
    }

    @Test func email() {
        #expect(t("mail alice.smith@example.com now") ==
                ["mail", "alice.smith@example.com", "alice", "smith", "example", "com", "now"])
    }

    @Test func paths() {
        #expect(t("/var/log/nginx/error.log") == ["var/log/nginx/error.log", "var", "log", "nginx", "error", "log"])
        #expect(t(#"C:\Users\bob"#) == [#"c:\users\bob"#, "c", "users", "bob"])
    }

    @Test func sentencePunctuationSplitsAndTrailingJoinersDrop() {
        #expect(t("The host is down. Restart it, then retry!") ==
                ["the", "host", "is", "down", "restart", "it", "then", "retry"])
        #expect(t("--verbose") == ["verbose"])
        #expect(t("a--b") == ["a--b", "a", "b"])
    }

    @Test func unicodeLowercasingAndNFKC() {
        // Full-width letters and the ﬁ ligature fold under NFKC; Greek and German lower-case.
        #expect(t("ＡＢＣ ﬁle ΣΟΦΙΑ Straße") == ["abc", "file", "σοφια", "straße"])
        #expect(t("Café CAFÉ") == ["café", "café"])
    }

    @Test func emptyAndPunctuationOnly() {
        #expect(t("") == [])
        #expect(t("  ... !!! () ") == [])
    }

    @Test func repeatsAreKept() {
        #expect(t("retry retry RETRY") == ["retry", "retry", "retry"])
    }

    @Test func urlAndPort() {
        #expect(t("https://api.example.com:8443/v1") ==
                ["https://api.example.com:8443/v1", "https", "api", "example", "com", "8443", "v1"])
    }
}
