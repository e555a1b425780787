/// Where words and operators stand in a query's text, outside strings, IRIs and comments: to name
/// the line and column of a feature SPARQL-lite refuses, whether or not rasqal could parse it.
enum QueryText {
    /// A token of the query with its position (1-based).
    struct Token: Equatable {
        var text: String
        var line: Int
        var column: Int
    }

    /// Keywords of features outside the subset, with the name the error message uses.
    static let unsupportedKeywords: [(keyword: String, feature: String)] = [
        ("MINUS", "MINUS"), ("EXISTS", "EXISTS"), ("SERVICE", "SERVICE"), ("INSERT", "SPARQL Update"),
        ("DELETE", "SPARQL Update"), ("LOAD", "SPARQL Update"), ("CLEAR", "SPARQL Update"), ("DROP", "SPARQL Update"),
        ("CREATE", "SPARQL Update"), ("COPY", "SPARQL Update"), ("MOVE", "SPARQL Update"), ("ADD", "SPARQL Update"),
        ("WITH", "SPARQL Update"),
    ]

    /// The words and punctuation of `text`, without strings, IRIs, comments and whitespace.
    static func tokens(_ text: String) -> [Token] {
        var out: [Token] = []
        let chars = Array(text.unicodeScalars)
        var i = 0, line = 1, column = 1
        func advance() {
            if chars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
            i += 1
        }
        while i < chars.count {
            let c = chars[i]
            if c.properties.isWhitespace { advance(); continue }
            if c == "#" { while i < chars.count && chars[i] != "\n" { advance() }; continue }
            if c == "\"" || c == "'" {
                // Long strings ("""...""") and short ones, with escapes.
                let long = i + 2 < chars.count && chars[i + 1] == c && chars[i + 2] == c
                advance(); if long { advance(); advance() }
                while i < chars.count {
                    if chars[i] == "\\" { advance(); if i < chars.count { advance() }; continue }
                    if chars[i] == c {
                        if !long { advance(); break }
                        if i + 2 < chars.count && chars[i + 1] == c && chars[i + 2] == c { advance(); advance(); advance(); break }
                    }
                    advance()
                }
                continue
            }
            if c == "<" {
                // An IRI when it closes before any space; otherwise the operator.
                var j = i + 1
                while j < chars.count && chars[j] != ">" && !chars[j].properties.isWhitespace && chars[j] != "<" { j += 1 }
                if j < chars.count && chars[j] == ">" {
                    let (l, col) = (line, column)
                    while i <= j { advance() }
                    out.append(Token(text: "<>", line: l, column: col))
                    continue
                }
            }
            let (l, col) = (line, column)
            if c.properties.isAlphabetic || c == "_" || c == ":" || c == "?" || c == "$" || c.properties.numericType != nil {
                var word = ""
                while i < chars.count, chars[i].properties.isAlphabetic || chars[i] == "_" || chars[i] == ":"
                        || chars[i] == "-" || chars[i] == "." && i + 1 < chars.count && chars[i + 1].properties.isAlphabetic
                        || chars[i].properties.numericType != nil || (word.isEmpty && (chars[i] == "?" || chars[i] == "$")) {
                    word.unicodeScalars.append(chars[i]); advance()
                }
                if word.isEmpty { word.unicodeScalars.append(chars[i]); advance() }
                out.append(Token(text: word, line: l, column: col))
                continue
            }
            out.append(Token(text: String(c), line: l, column: col))
            advance()
        }
        return out
    }

    /// The first feature outside the subset that the text uses, if any: a keyword, or a property
    /// path operator where a predicate stands.
    static func unsupportedFeature(_ text: String) -> SPARQLError? {
        let tokens = tokens(text)
        for t in tokens {
            let upper = t.text.uppercased()
            if let hit = unsupportedKeywords.first(where: { $0.keyword == upper }) {
                return .unsupported(hit.feature, line: t.line, column: t.column)
            }
        }
        // A path: `/`, `|` or `^` between two terms of a triple, or `*`, `+`, `?` right after an
        // IRI or prefixed name in a pattern (after WHERE's brace).
        guard let start = tokens.firstIndex(where: { $0.text == "{" }) else { return nil }
        var depthInExpression = 0
        for k in tokens.indices where k > start {
            let t = tokens[k]
            if t.text == "(" { depthInExpression += 1; continue }
            if t.text == ")" { depthInExpression = max(0, depthInExpression - 1); continue }
            guard depthInExpression == 0 else { continue }
            let previous = tokens[k - 1].text
            let isTerm = previous == "<>" || previous.contains(":") || previous == "a" || previous == ")"
            if ["/", "|", "^"].contains(t.text) && (isTerm || t.text == "^") {
                return .unsupported("property path", line: t.line, column: t.column)
            }
            if ["*", "+", "?"].contains(t.text) && isTerm && previous != ")" {
                return .unsupported("property path", line: t.line, column: t.column)
            }
        }
        return nil
    }

    /// A shape rasqal parses but reads differently from SPARQL, if the text has one.
    static func misreadByRasqal(_ text: String) -> SPARQLError? {
        // Most queries have no OPTIONAL: no second pass over their text.
        guard text.range(of: "optional", options: .caseInsensitive) != nil else { return nil }
        return filterNestedInOptional(tokens(text)).map {
            .unsupported("a FILTER in a group nested directly inside OPTIONAL", line: $0.line, column: $0.column)
        }
    }

    /// A FILTER of a group that is the whole of an OPTIONAL's group (`OPTIONAL { { P FILTER(e) } }`):
    /// rasqal 0.9.33 merges the two groups, after which the filter would also see the variables
    /// outside the OPTIONAL, so SPARQL-lite refuses it rather than answer differently.
    static func filterNestedInOptional(_ tokens: [Token]) -> Token? {
        /// The index of the brace closing the one at `open`.
        func closing(_ open: Int) -> Int? {
            var depth = 0
            for k in open..<tokens.count {
                if tokens[k].text == "{" { depth += 1 }
                if tokens[k].text == "}" { depth -= 1; if depth == 0 { return k } }
            }
            return nil
        }
        for k in tokens.indices where tokens[k].text.uppercased() == "OPTIONAL" && k + 2 < tokens.count
            && tokens[k + 1].text == "{" && tokens[k + 2].text == "{" {
            guard let end = closing(k + 2) else { continue }
            var next = end + 1
            while next < tokens.count && tokens[next].text == "." { next += 1 }
            guard next < tokens.count, tokens[next].text == "}" else { continue }
            var depth = 0
            for j in (k + 3)..<end {
                if tokens[j].text == "{" { depth += 1 }
                if tokens[j].text == "}" { depth -= 1 }
                if depth == 0 && tokens[j].text.uppercased() == "FILTER" { return tokens[j] }
            }
        }
        return nil
    }

    /// Where a keyword first stands, as a token.
    static func position(of keyword: String, in text: String) -> (line: Int, column: Int)? {
        tokens(text).first { $0.text.uppercased() == keyword }.map { ($0.line, $0.column) }
    }
}
