import AegisLexical
import ArgumentParser
import Foundation

/// `aegis-memory tokenize`: the lexical channel's tokens (docs/hybrid-retrieval.md, "Tokens")
/// of each input line, one JSON array per line — to see why a query matched, and for the
/// rank_bm25 reference check (Tests/Lexical).
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the BM25 tokens of each line of standard input (or of --text) as a JSON array.")

    @Option(name: .long, help: "Tokenize this text instead of standard input.")
    var text: String?

    @Flag(name: .long, help: "Each input line is a JSON string literal (so texts may hold newlines).")
    var jsonLines = false

    func run() throws {
        if let text { print(Self.json(LexicalTokenizer.tokens(text))); return }
        while let line = readLine(strippingNewline: true) {
            var s = line
            if jsonLines {
                guard let data = line.data(using: .utf8),
                      let decoded = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? String else {
                    FileHandle.standardError.write(Data("tokenize: a line is not a JSON string literal: \(line.prefix(80))\n".utf8))
                    throw ExitCode(2)
                }
                s = decoded
            }
            print(Self.json(LexicalTokenizer.tokens(s)))
        }
    }

    static func json(_ tokens: [String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: tokens, options: [.withoutEscapingSlashes])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
