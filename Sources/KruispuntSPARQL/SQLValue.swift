import KruispuntRDF
import KruispuntStore

/// The bound parameters of one SQL statement: every string that comes from a query (IRIs,
/// literals, language tags, patterns) reaches PostgreSQL only through here, never in SQL text.
final class SQLParameters {
    private(set) var values: [String?] = []
    /// Each parameter's type OID: the planner then sees typed constants (a cast from text to
    /// an instant, which depends on the session's time zone, would hide the value from it).
    private(set) var types: [UInt32] = []
    private static let oids: [String: UInt32] = [
        "text": 25, "bigint": 20, "smallint": 21, "numeric": 1700, "timestamptz": 1184, "text[]": 1009, "bigint[]": 1016,
    ]

    /// A placeholder for a value, with a cast.
    func add(_ value: String?, _ type: String) -> String {
        values.append(value)
        types.append(Self.oids[type] ?? 25)
        return "$\(values.count)::\(type)"
    }

    func text(_ value: String?) -> String { add(value, "text") }
}

/// An RDF term (or an error: every field NULL) as SQL expressions over one row: what each SPARQL
/// expression compiles to. `kind` 0 IRI, 1 blank node, 2 literal; `dt` is NULL for simple and
/// language-tagged literals; `num` and `ts` are the numeric and instant values where the term has
/// them; `id` the dictionary id when the term comes from the store.
struct SQLValue {
    var kind: String
    var lex: String
    var dt: String
    var lang: String
    var num: String
    var ts: String
    var id: String?
    /// The effective boolean value when it is known more directly than from the fields.
    var bool: String?
    /// For a computed number: the number and its datatype, which every field is made of.
    var number: (value: String, datatype: String)? = nil
    /// The numeric type (xsd:integer, decimal, float or double) when the compiler knows it: a
    /// number of that type, or an error. Arithmetic over such values types its result once,
    /// not per row.
    var numericType: String? = nil

    static let error = SQLValue(kind: "NULL::smallint", lex: "NULL::text", dt: "NULL::text", lang: "NULL::text",
                                num: "NULL::numeric", ts: "NULL::timestamptz", id: nil, bool: nil)

    /// The columns of a `terms` row (alias `t`), with the id it was joined on.
    /// A term by its id, each field read from the dictionary only where an expression uses it
    /// (for ids read once per group, or only for whether they are bound).
    static func lookup(id: String) -> SQLValue {
        func field(_ name: String) -> String { "(SELECT \(name) FROM terms WHERE id = \(id))" }
        return SQLValue(kind: field("kind"), lex: field("lex"), dt: field("datatype"), lang: field("lang"), num: field("num"),
                        ts: field("ts"), id: id, bool: nil)
    }

    static func row(_ t: String, id: String) -> SQLValue {
        SQLValue(kind: "\(t).kind", lex: "\(t).lex", dt: "\(t).datatype", lang: "\(t).lang", num: "\(t).num",
                 ts: "\(t).ts", id: id, bool: nil)
    }

    /// A fixed term, through parameters.
    static func constant(_ term: Term, _ p: SQLParameters) -> SQLValue {
        switch term {
        case .iri(let v):
            return SQLValue(kind: "0::smallint", lex: p.text(v), dt: "NULL::text", lang: "NULL::text", num: "NULL::numeric",
                            ts: "NULL::timestamptz", id: nil, bool: nil)
        case .blank(let v):
            return SQLValue(kind: "1::smallint", lex: p.text(v), dt: "NULL::text", lang: "NULL::text", num: "NULL::numeric",
                            ts: "NULL::timestamptz", id: nil, bool: nil)
        case .literal(let lexical, let datatype, let language):
            let number = TypedValue.number(lexical, datatype: datatype)
            let instant = TypedValue.instant(lexical, datatype: datatype)
            var value = SQLValue(kind: "2::smallint", lex: p.text(lexical), dt: datatype.map { p.text($0) } ?? "NULL::text",
                                 lang: language.map { p.text($0) } ?? "NULL::text",
                                 num: number.map { p.add($0, "numeric") } ?? "NULL::numeric",
                                 ts: instant.map { p.add($0, "timestamptz") } ?? "NULL::timestamptz", id: nil, bool: nil)
            if number != nil, let datatype { value.numericType = promotionType(datatype) }
            return value
        }
    }

    /// A boolean literal from an SQL boolean (NULL: error).
    static func boolean(_ b: String, _ p: SQLParameters) -> SQLValue {
        SQLValue(kind: "(CASE WHEN (\(b)) IS NULL THEN NULL ELSE 2 END)::smallint",
                 lex: "(CASE WHEN (\(b)) THEN 'true' WHEN NOT (\(b)) THEN 'false' END)",
                 dt: "(CASE WHEN (\(b)) IS NULL THEN NULL ELSE \(p.text(XSD.boolean)) END)", lang: "NULL::text",
                 num: "NULL::numeric", ts: "NULL::timestamptz", id: nil, bool: "(\(b))")
    }

    /// A simple literal from SQL text (NULL: error).
    static func string(_ s: String, lang: String = "NULL::text") -> SQLValue {
        SQLValue(kind: "(CASE WHEN (\(s)) IS NULL THEN NULL ELSE 2 END)::smallint", lex: "(\(s))", dt: "NULL::text", lang: lang,
                 num: "NULL::numeric", ts: "NULL::timestamptz", id: nil, bool: nil)
    }

    /// A number of the datatype `dt` (SQL text) from an SQL numeric (NULL: error), written in
    /// its canonical form. The datatype may stand when the number is an error: `kind` says which.
    /// `known`: its numeric type, when the compiler knows it (then `dt` is that type).
    static func number(_ n: String, dt: String, known: String? = nil) -> SQLValue {
        let lex = "kp_numeric_lexical((\(n)), (\(dt)))"
        return SQLValue(kind: "(CASE WHEN (\(n)) IS NULL THEN NULL ELSE 2 END)::smallint", lex: lex,
                        dt: "(\(dt))", lang: "NULL::text",
                        num: "(\(n))", ts: "NULL::timestamptz", id: nil, bool: nil, number: (n, dt), numericType: known)
    }

    /// The type a numeric datatype takes part in promotion as (17.3): integer types as xsd:integer.
    static func promotionType(_ datatype: String) -> String {
        [XSD.decimal, XSD.double, XSD.ns + "float"].contains(datatype) ? datatype : XSD.integer
    }

    /// The type of arithmetic over two numeric types (17.3; a division of integers is decimal),
    /// as `kp_promote` computes it per row.
    static func promoted(_ a: String, _ b: String, division: Bool) -> String {
        for wide in [XSD.double, XSD.ns + "float"] where a == wide || b == wide { return wide }
        return a == XSD.decimal || b == XSD.decimal || division ? XSD.decimal : XSD.integer
    }

    /// Every field, in the order value columns are stored.
    var fields: [String] { [kind, lex, dt, lang, num, ts] }
    static let fieldTypes = ["smallint", "text", "text", "text", "numeric", "timestamptz"]

    /// Value columns read back from a subquery: `prefix_k`, `prefix_l`, ... of alias `x`.
    static func columns(_ x: String, _ prefix: String) -> SQLValue {
        SQLValue(kind: "\(x).\(prefix)_k", lex: "\(x).\(prefix)_l", dt: "\(x).\(prefix)_d", lang: "\(x).\(prefix)_g",
                 num: "\(x).\(prefix)_n", ts: "\(x).\(prefix)_t", id: nil, bool: nil)
    }

    static let suffixes = ["k", "l", "d", "g", "n", "t"]

    /// Per field, a CASE choosing between two values on a condition (NULL: error).
    static func choose(_ condition: String, _ a: SQLValue, _ b: SQLValue) -> SQLValue {
        func pick(_ x: String, _ y: String) -> String { "(CASE WHEN (\(condition)) THEN \(x) WHEN NOT (\(condition)) THEN \(y) END)" }
        return SQLValue(kind: pick(a.kind, b.kind), lex: pick(a.lex, b.lex), dt: pick(a.dt, b.dt), lang: pick(a.lang, b.lang),
                        num: pick(a.num, b.num), ts: pick(a.ts, b.ts), id: nil, bool: nil)
    }
}
