import Foundation
import KruispuntRDF
import KruispuntStore

/// Compiles SPARQL expressions to SQL over one row, with SPARQL's error semantics carried by SQL
/// NULL: an error in a FILTER is false, `||` and `&&` follow the same three-valued logic, and an
/// error in a projection or BIND leaves the variable unbound.
struct ExpressionCompiler {
    /// How a variable reads in the current row (nil: not in scope, always unbound).
    let variable: (String) -> SQLValue?
    /// How an aggregate reads (only in a grouped projection, HAVING or ORDER BY).
    var aggregate: ((Expression) throws -> SQLValue)?
    let parameters: SQLParameters
    /// The instant NOW() returns, the same for the whole query.
    let now: Date
    /// Where a computed number can be evaluated once per row and read back as a column (the
    /// operators that use it would otherwise each repeat its expression); nil where rows are groups.
    var share: ((SQLValue) -> SQLValue)? = nil

    static let float = XSD.ns + "float"
    /// The numeric datatypes the dictionary keeps a value for; integers are those not decimal,
    /// float or double.
    static let numericTypes = TypedValue.numericTypes.sorted()
    static let integerTypes = numericTypes.filter { ![XSD.decimal, XSD.double, float].contains($0) }

    func compile(_ e: Expression) throws -> SQLValue {
        let p = parameters
        switch e {
        case .variable(let v):
            return variable(v) ?? .error
        case .constant(let term):
            return .constant(term, p)
        case .bound(let v):
            guard let value = variable(v) else { return .boolean("false", p) }
            return .boolean("(\(value.id ?? value.kind)) IS NOT NULL", p)
        case .and(let a, let b):
            return .boolean("(\(try ebv(a)) AND \(try ebv(b)))", p)
        case .or(let a, let b):
            return .boolean("(\(try ebv(a)) OR \(try ebv(b)))", p)
        case .not(let a):
            return .boolean("(NOT \(try ebv(a)))", p)
        case .compare(let op, let a, let b):
            return .boolean(compare(op, try compile(a), try compile(b)), p)
        case .in(let a, let list, let negated):
            let x = try compile(a)
            let tests = try list.map { compare(negated ? .ne : .eq, x, try compile($0)) }
            if tests.isEmpty { return .boolean(negated ? "true" : "false", p) }
            return .boolean("(" + tests.joined(separator: negated ? " AND " : " OR ") + ")", p)
        case .arithmetic(let op, let a, let b):
            return arithmetic(op, try compile(a), try compile(b))
        case .negate(let a):
            let x = try compile(a)
            return .number("(-\(x.num))", dt: numericType(x), known: x.numericType)
        case .aggregate:
            guard let aggregate else { throw SPARQLError.syntax("an aggregate is only allowed in a grouped SELECT, HAVING or ORDER BY") }
            return try aggregate(e)
        case .function(let name, let args):
            return try function(name, try args.map(compile), raw: args)
        }
    }

    private func shared(_ v: SQLValue) -> SQLValue {
        guard v.number != nil, let share else { return v }
        return share(v)
    }

    /// The effective boolean value (18.2.2): NULL when it is an error.
    func ebv(_ e: Expression) throws -> String { ebv(try compile(e)) }

    func ebv(_ v: SQLValue) -> String {
        if let b = v.bool { return b }
        let p = parameters
        return """
            (CASE WHEN \(v.kind) = 2 AND \(v.dt) = \(p.text(XSD.boolean)) THEN \(v.lex) IN ('true', '1') \
            WHEN \(v.num) IS NOT NULL THEN \(v.num) <> 0 \
            WHEN \(v.kind) = 2 AND \(v.dt) = ANY(\(p.add(PostgresArray.text(Self.numericTypes), "text[]"))) THEN false \
            WHEN \(v.kind) = 2 AND \(v.dt) IS NULL AND \(v.lang) IS NULL THEN \(v.lex) <> '' END)
            """
    }

    /// A simple literal or xsd:string (no datatype, no language in the dictionary's form).
    private func isSimple(_ v: SQLValue) -> String { "(\(v.kind) = 2 AND \(v.dt) IS NULL AND \(v.lang) IS NULL)" }

    /// A string literal: simple, xsd:string or language-tagged.
    private func isString(_ v: SQLValue) -> String { "(\(v.kind) = 2 AND \(v.dt) IS NULL)" }

    private func isBoolean(_ v: SQLValue) -> String { "(\(v.kind) = 2 AND \(v.dt) = \(parameters.text(XSD.boolean)))" }

    /// A literal whose datatype SPARQL's operators understand (the others only compare as terms).
    private func isKnownType(_ v: SQLValue) -> String {
        let known = PostgresArray.text([XSD.boolean, XSD.date, XSD.dateTime, XSD.dateTimeStamp] + Self.numericTypes)
        return "(\(v.dt) IS NULL OR \(v.dt) = ANY(\(parameters.add(known, "text[]"))))"
    }

    /// Value comparison (17.3): numbers, instants, strings and booleans by value; `=` and `!=`
    /// on other terms by identity, an error for literals of types it does not know.
    func compare(_ op: Expression.Comparison, _ a: SQLValue, _ b: SQLValue) -> String {
        let sqlOp = op == .ne ? "<>" : op.rawValue
        let date = parameters.text(XSD.date)
        var cases = [
            "WHEN \(a.num) IS NOT NULL AND \(b.num) IS NOT NULL THEN \(a.num) \(sqlOp) \(b.num)",
            // Dates with dates, date-times with date-times (XPath has no operator across them).
            "WHEN \(a.ts) IS NOT NULL AND \(b.ts) IS NOT NULL AND (\(a.dt) = \(date)) = (\(b.dt) = \(date)) THEN \(a.ts) \(sqlOp) \(b.ts)",
            "WHEN \(isSimple(a)) AND \(isSimple(b)) THEN \(a.lex) COLLATE \"C\" \(sqlOp) \(b.lex) COLLATE \"C\"",
            "WHEN \(isBoolean(a)) AND \(isBoolean(b)) THEN (\(a.lex) IN ('true', '1')) \(sqlOp) (\(b.lex) IN ('true', '1'))",
        ]
        if op == .eq || op == .ne {
            let same = "\(a.kind) = \(b.kind) AND \(a.lex) = \(b.lex) AND \(a.dt) IS NOT DISTINCT FROM \(b.dt) AND \(a.lang) IS NOT DISTINCT FROM \(b.lang)"
            cases += [
                "WHEN \(a.kind) IS NULL OR \(b.kind) IS NULL THEN NULL",
                "WHEN \(same) THEN \(op == .eq)",
                // Two literals with a datatype it does not know may still be equal in value.
                "WHEN \(a.kind) = 2 AND \(b.kind) = 2 AND NOT (\(isKnownType(a)) AND \(isKnownType(b))) THEN NULL",
                "ELSE \(op == .ne)",
            ]
        }
        return "(CASE " + cases.joined(separator: " ") + " END)"
    }

    /// The datatype of a number, as SQL text (NULL when it is not one; integer types as xsd:integer).
    private func numericType(_ v: SQLValue) -> String {
        if let known = v.numericType { return parameters.text(known) }
        return "kp_numeric_type(\(v.num), \(v.dt))"
    }

    /// Numeric type promotion (17.3): integer, decimal, float, double. Known types are promoted
    /// here, once.
    private func promoted(_ a: SQLValue, _ b: SQLValue, division: Bool) -> (sql: String, known: String?) {
        if let x = a.numericType, let y = b.numericType {
            let type = SQLValue.promoted(x, y, division: division)
            return (parameters.text(type), type)
        }
        return ("kp_promote(\(numericType(a)), \(numericType(b)), \(division))", nil)
    }

    private func arithmetic(_ op: Expression.Arithmetic, _ a: SQLValue, _ b: SQLValue) -> SQLValue {
        let n: String
        switch op {
        case .add: n = "(\(a.num) + \(b.num))"
        case .subtract: n = "(\(a.num) - \(b.num))"
        case .multiply: n = "(\(a.num) * \(b.num))"
        case .divide: n = "(\(a.num) / NULLIF(\(b.num), 0))"
        }
        let type = promoted(a, b, division: op == .divide)
        return .number(n, dt: type.sql, known: type.known)
    }

    // MARK: - Functions

    private func function(_ name: String, _ args: [SQLValue], raw: [Expression]) throws -> SQLValue {
        let p = parameters
        func arg(_ i: Int) throws -> SQLValue {
            guard i < args.count else { throw SPARQLError.syntax("\(name) needs \(i + 1) arguments") }
            return args[i]
        }
        switch name {
        case "STR":
            let x = try arg(0)
            return .string("CASE WHEN \(x.kind) IN (0, 2) THEN \(x.lex) END")
        case "LANG":
            let x = try arg(0)
            return .string("CASE WHEN \(x.kind) = 2 THEN COALESCE(\(x.lang), '') END")
        case "DATATYPE":
            let x = try arg(0)
            let iri = "CASE WHEN \(x.kind) IS DISTINCT FROM 2 THEN NULL WHEN \(x.lang) IS NOT NULL THEN \(p.text(RDF.ns + "langString")) "
                + "ELSE COALESCE(\(x.dt), \(p.text(XSD.string))) END"
            return SQLValue(kind: "(CASE WHEN (\(iri)) IS NULL THEN NULL ELSE 0 END)::smallint", lex: "(\(iri))", dt: "NULL::text",
                            lang: "NULL::text", num: "NULL::numeric", ts: "NULL::timestamptz", id: nil, bool: nil)
        case "ISIRI": let x = try arg(0); return .boolean("\(x.kind) = 0", p)
        case "ISBLANK": let x = try arg(0); return .boolean("\(x.kind) = 1", p)
        case "ISLITERAL": let x = try arg(0); return .boolean("\(x.kind) = 2", p)
        case "ISNUMERIC": let x = try arg(0); return .boolean("(\(x.kind) IS NOT NULL AND \(x.num) IS NOT NULL) OR (CASE WHEN \(x.kind) IS NULL THEN NULL ELSE false END)", p)
        case "SAMETERM":
            let a = try arg(0), b = try arg(1)
            return .boolean("CASE WHEN \(a.kind) IS NULL OR \(b.kind) IS NULL THEN NULL ELSE \(a.kind) = \(b.kind) AND \(a.lex) = \(b.lex) AND \(a.dt) IS NOT DISTINCT FROM \(b.dt) AND \(a.lang) IS NOT DISTINCT FROM \(b.lang) END", p)
        case "LANGMATCHES":
            let tag = try arg(0), range = try arg(1)
            return .boolean("""
                CASE WHEN NOT (\(isSimple(tag)) AND \(isSimple(range))) THEN NULL \
                WHEN \(range.lex) = '*' THEN \(tag.lex) <> '' \
                ELSE lower(\(tag.lex)) = lower(\(range.lex)) OR left(lower(\(tag.lex)), length(\(range.lex)) + 1) = lower(\(range.lex)) || '-' END
                """, p)
        case "REGEX":
            let text = try arg(0)
            var insensitive = false
            if raw.count > 2 {
                guard case .constant(let flags) = raw[2], flags.isLiteral, flags.lexical.allSatisfy({ $0 == "i" }) else {
                    throw SPARQLError.unsupported("REGEX flags other than i")
                }
                insensitive = !flags.lexical.isEmpty
            }
            guard case .constant(let patternTerm) = raw[1], patternTerm.isLiteral else {
                throw SPARQLError.unsupported("REGEX with a pattern that is not a constant string")
            }
            try RegexCheck.validate(patternTerm.lexical)
            let re = p.text(RegexCheck.postgres(patternTerm.lexical))
            return .boolean("CASE WHEN \(isString(text)) THEN \(text.lex) \(insensitive ? "~*" : "~") \(re) END", p)
        case "STRSTARTS", "STRENDS", "CONTAINS":
            let a = try arg(0), b = try arg(1)
            // Argument compatibility (17.4.3.1.2): b simple, or with a's language.
            let compatible = "(\(isString(a)) AND \(isString(b)) AND (\(b.lang) IS NULL OR \(b.lang) = \(a.lang)))"
            let test: String
            switch name {
            case "STRSTARTS": test = "left(\(a.lex), length(\(b.lex))) = \(b.lex)"
            case "STRENDS": test = "right(\(a.lex), length(\(b.lex))) = \(b.lex)"
            default: test = "strpos(\(a.lex), \(b.lex)) > 0"
            }
            return .boolean("CASE WHEN \(compatible) THEN \(test) END", p)
        case "STRLEN":
            let x = try arg(0)
            return .number("CASE WHEN \(isString(x)) THEN char_length(\(x.lex))::numeric END", dt: p.text(XSD.integer), known: XSD.integer)
        case "UCASE", "LCASE":
            let x = try arg(0)
            return .string("CASE WHEN \(isString(x)) THEN \(name == "UCASE" ? "upper" : "lower")(\(x.lex)) END", lang: x.lang)
        case "CONCAT":
            if args.isEmpty { return .string("''") }
            let allStrings = args.map(isString).joined(separator: " AND ")
            let lex = "CASE WHEN \(allStrings) THEN " + args.map(\.lex).joined(separator: " || ") + " END"
            let sameLang = args.dropFirst().map { "\($0.lang) IS NOT DISTINCT FROM \(args[0].lang)" }
            let lang = sameLang.isEmpty ? args[0].lang : "CASE WHEN \(sameLang.joined(separator: " AND ")) THEN \(args[0].lang) END"
            return .string(lex, lang: lang)
        case "YEAR", "MONTH", "DAY", "HOURS", "MINUTES":
            let x = try arg(0)
            let group = ["YEAR": 1, "MONTH": 2, "DAY": 3, "HOURS": 4, "MINUTES": 5][name]!
            let types = p.add("{\(XSD.dateTime),\(XSD.dateTimeStamp)}", "text[]")
            let re = p.text(#"^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):"#)
            // A date-time has an instant only when it is valid and its year has four digits
            // (`XSDDateTime`): its parts stand at fixed places. Testing the instant costs less
            // per row than reading the text. Dates have instants too, and no time. Others are
            // read with the pattern.
            let start = [1, 6, 9, 12, 15][group - 1], length = group == 1 ? 4 : 2
            let fixed = "substr(\(x.lex), \(start), \(length))::numeric"
            // It reads the lexical form several times: once per row is enough.
            return shared(.number("""
                CASE WHEN \(x.ts) IS NOT NULL AND \(x.dt) <> \(p.text(XSD.date)) THEN \(fixed) \
                WHEN \(x.kind) = 2 AND \(x.dt) = ANY(\(types)) THEN ((regexp_match(\(x.lex), \(re)))[\(group)])::numeric END
                """, dt: p.text(XSD.integer), known: XSD.integer))
        case "NOW":
            let text = XSDDateTime.format(epochMillis: Int64(now.timeIntervalSince1970 * 1000), offsetMinutes: 0)
            return .constant(.typed(text, XSD.dateTime), p)
        case "ABS", "ROUND", "CEIL", "FLOOR":
            let x = try arg(0)
            let f = ["ABS": "abs(\(x.num))", "ROUND": "floor(\(x.num) + 0.5)", "CEIL": "ceil(\(x.num))", "FLOOR": "floor(\(x.num))"][name]!
            return .number(f, dt: numericType(x), known: x.numericType)
        case "IF":
            let c = try ebv(raw[0])
            return .choose(c, try arg(1), try arg(2))
        case "COALESCE":
            guard var result = args.last else { return .error }
            for a in args.dropLast().reversed() { result = .choose("\(a.kind) IS NOT NULL", a, result) }
            return result
        default:
            throw SPARQLError.unsupported(name)
        }
    }
}

/// XPath regular expressions (as SPARQL's REGEX takes them) checked and turned into
/// PostgreSQL's: refused when they use what the two read differently.
enum RegexCheck {
    static func validate(_ pattern: String) throws {
        // Back-references and PostgreSQL-only escapes read differently or not at all.
        for bad in ["\\m", "\\M", "\\y", "\\Y", "\\A", "\\Z", "(?"] where pattern.contains(bad) {
            throw SPARQLError.unsupported("the regular expression construct \(bad)")
        }
    }

    /// XPath's "." matches anything but a newline or carriage return (without the s flag);
    /// PostgreSQL's matches everything. ^ and $ anchor to the whole string in both.
    static func postgres(_ pattern: String) -> String {
        var out = "", escaped = false, inClass = false
        for c in pattern {
            if escaped { out.append(c); escaped = false; continue }
            switch c {
            case "\\": escaped = true; out.append(c)
            case "[": inClass = true; out.append(c)
            case "]": inClass = false; out.append(c)
            case "." where !inClass: out += "[^\n\r]"
            default: out.append(c)
            }
        }
        return out
    }
}
