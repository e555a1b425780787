/// The VALUES blocks of a query's text, in the order they stand: rasqal parses them but keeps
/// their rows out of its public API, so the rows' terms are cut out of the text here and read
/// back by rasqal itself (as the list of an `IN`, with the query's prologue), never by hand.
struct InlineData {
    /// One block: its variables and rows of terms as written (nil: UNDEF).
    struct Block: Equatable {
        var variables: [String]
        var rows: [[String?]]
    }

    /// A token with what it spans of the text.
    private struct Token {
        enum Kind { case word, iri, string, punctuation }
        var kind: Kind
        var text: String
    }

    let blocks: [Block]
    /// The text before the query form (PREFIX and BASE declarations).
    let prologue: String

    init(_ text: String) throws {
        let scalars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var i = 0, formAt: Int?
        func slice(_ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(scalars[a..<b])) }
        while i < scalars.count {
            let c = scalars[i], start = i
            if c.properties.isWhitespace { i += 1; continue }
            if c == "#" { while i < scalars.count && scalars[i] != "\n" { i += 1 }; continue }
            if c == "\"" || c == "'" {
                let long = i + 2 < scalars.count && scalars[i + 1] == c && scalars[i + 2] == c
                i += long ? 3 : 1
                while i < scalars.count {
                    if scalars[i] == "\\" { i += 2; continue }
                    if scalars[i] == c && (!long || i + 2 < scalars.count && scalars[i + 1] == c && scalars[i + 2] == c) {
                        i += long ? 3 : 1
                        break
                    }
                    i += 1
                }
                // A language tag or a datatype belongs to the literal.
                if i < scalars.count && scalars[i] == "@" {
                    i += 1
                    while i < scalars.count && (scalars[i].properties.isAlphabetic || scalars[i] == "-" || scalars[i].properties.numericType != nil) { i += 1 }
                } else if i + 1 < scalars.count && scalars[i] == "^" && scalars[i + 1] == "^" {
                    i += 2
                    if i < scalars.count && scalars[i] == "<" {
                        while i < scalars.count && scalars[i] != ">" { i += 1 }
                        i += 1
                    } else {
                        while i < scalars.count && Self.isNameScalar(scalars[i]) { i += 1 }
                    }
                }
                tokens.append(Token(kind: .string, text: slice(start, min(i, scalars.count))))
                continue
            }
            if c == "<" {
                var j = i + 1
                while j < scalars.count && scalars[j] != ">" && !scalars[j].properties.isWhitespace && scalars[j] != "<" { j += 1 }
                if j < scalars.count && scalars[j] == ">" {
                    i = j + 1
                    tokens.append(Token(kind: .iri, text: slice(start, i)))
                    continue
                }
            }
            if Self.isNameScalar(c) || c == "?" || c == "$" || ((c == "+" || c == "-") && i + 1 < scalars.count && scalars[i + 1].properties.numericType != nil) {
                i += 1
                while i < scalars.count && (Self.isNameScalar(scalars[i])
                        || scalars[i] == "." && i + 1 < scalars.count && Self.isNameScalar(scalars[i + 1])
                        || (scalars[i] == "+" || scalars[i] == "-") && (scalars[i - 1] == "e" || scalars[i - 1] == "E")) { i += 1 }
                let word = slice(start, i)
                if formAt == nil, ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"].contains(word.uppercased()) { formAt = start }
                tokens.append(Token(kind: .word, text: word))
                continue
            }
            tokens.append(Token(kind: .punctuation, text: String(c)))
            i += 1
        }
        prologue = formAt.map { slice(0, $0) } ?? ""

        var blocks: [Block] = []
        var k = 0
        func next() throws -> Token {
            guard k < tokens.count else { throw SPARQLError.syntax("VALUES: unexpected end of the query") }
            k += 1
            return tokens[k - 1]
        }
        func value(_ t: Token) throws -> String? {
            if t.kind == .word && t.text.uppercased() == "UNDEF" { return nil }
            guard t.kind != .punctuation, !t.text.hasPrefix("?"), !t.text.hasPrefix("$"), !t.text.hasPrefix("_:") else {
                throw SPARQLError.syntax("VALUES: \(t.text) is not a data value")
            }
            return t.text
        }
        while k < tokens.count {
            let t = tokens[k]
            k += 1
            guard t.kind == .word, t.text.uppercased() == "VALUES" else { continue }
            var block = Block(variables: [], rows: [])
            let head = try next()
            if head.text == "(" {
                while true {
                    let v = try next()
                    if v.text == ")" { break }
                    guard v.text.hasPrefix("?") || v.text.hasPrefix("$") else { throw SPARQLError.syntax("VALUES: \(v.text) is not a variable") }
                    block.variables.append(String(v.text.dropFirst()))
                }
                guard try next().text == "{" else { throw SPARQLError.syntax("VALUES: { expected") }
                while true {
                    let open = try next()
                    if open.text == "}" { break }
                    guard open.text == "(" else { throw SPARQLError.syntax("VALUES: ( expected, not \(open.text)") }
                    var row: [String?] = []
                    while true {
                        let v = try next()
                        if v.text == ")" { break }
                        row.append(try value(v))
                    }
                    guard row.count == block.variables.count else {
                        throw SPARQLError.syntax("VALUES: a row has \(row.count) values for \(block.variables.count) variables")
                    }
                    block.rows.append(row)
                }
            } else {
                guard head.text.hasPrefix("?") || head.text.hasPrefix("$") else { throw SPARQLError.syntax("VALUES: a variable expected") }
                block.variables = [String(head.text.dropFirst())]
                guard try next().text == "{" else { throw SPARQLError.syntax("VALUES: { expected") }
                while true {
                    let v = try next()
                    if v.text == "}" { break }
                    block.rows.append([try value(v)])
                }
            }
            blocks.append(block)
        }
        self.blocks = blocks
    }

    private static func isNameScalar(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || c.properties.numericType != nil || c == "_" || c == ":" || c == "-" || c == "%" || c == "\\"
    }
}
