import Foundation

/// Reads JSON-LD 1.1 documents (expanded, compacted or flattened) into quads, following the
/// expansion and RDF serialisation algorithms for what RDF data uses: contexts (inline, arrays,
/// and the remote contexts it is given, such as Kruispunt's own `/context.jsonld`), terms with
/// `@id`/`@type`/`@language`/`@reverse`/`@container` (`@list`, `@set`, `@language`, `@index`),
/// compact IRIs, `@vocab`, `@base`, named graphs, `@reverse`, lists and native values.
/// Features that would change the meaning of data it cannot honour (scoped contexts, `@nest`,
/// `@included`, `@json`, graph, id and type maps, other remote contexts) are refused with an
/// error naming them, never skipped. Keys that expand to no IRI are dropped, as the
/// specification says.
///
/// ```swift
/// let quads = try JSONLDReader(baseIRI: "file:///data/x.jsonld").read(data)
/// ```
public struct JSONLDReader {
    public let baseIRI: String?
    /// Remote contexts the reader may use, by URL: JSON text of a document with `@context`.
    public let contexts: [String: String]

    public init(baseIRI: String?, contexts: [String: String] = [:]) {
        self.baseIRI = baseIRI
        self.contexts = contexts
    }

    /// Every quad of the document, in document order.
    public func read(_ data: Data) throws -> [Quad] {
        let json: JSON
        do { json = try JSONDecoder().decode(JSON.self, from: data) }
        catch { throw RDFSyntaxError("JSON-LD: not valid JSON (\(Self.describe(error)))") }
        var state = State(reader: self)
        let context = Context(base: baseIRI)
        switch json {
        case .array(let items):
            for item in items { try state.topLevel(item, context) }
        default:
            try state.topLevel(json, context)
        }
        return state.quads
    }

    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let c) = error { return c.underlyingError.map { "\($0)" } ?? c.debugDescription }
        return "\(error)"
    }
}

/// A JSON value, numbers kept as integers when they are.
enum JSON: Decodable {
    case null, bool(Bool), int(Int64), double(Double), string(String), array([JSON]), object([String: JSON])

    init(from decoder: any Decoder) throws {
        if let c = try? decoder.container(keyedBy: Key.self) {
            var out: [String: JSON] = [:]
            for key in c.allKeys { out[key.stringValue] = try c.decode(JSON.self, forKey: key) }
            self = .object(out)
            return
        }
        if var c = try? decoder.unkeyedContainer() {
            var out: [JSON] = []
            while !c.isAtEnd { out.append(try c.decode(JSON.self)) }
            self = .array(out)
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

/// An active context: base IRI, default vocabulary and language, term definitions.
private struct Context {
    struct Definition {
        var iri: String?                 // nil: the term is mapped to null (its keys are dropped)
        var type: String?                // "@id", "@vocab" or a datatype IRI
        var language: String??           // .some(nil): explicitly no language
        var container: Set<String> = []
        var reverse = false
    }
    var base: String?
    var vocab: String?
    var language: String?
    var terms: [String: Definition] = [:]
}

private let keywords: Set<String> = [
    "@base", "@container", "@context", "@direction", "@graph", "@id", "@import", "@included", "@index", "@json",
    "@language", "@list", "@nest", "@none", "@prefix", "@propagate", "@protected", "@reverse", "@set", "@type",
    "@value", "@version", "@vocab",
]

private struct State {
    let reader: JSONLDReader
    var quads: [Quad] = []
    var labels: [String: Term] = [:]
    var blankNodes = 0
    var remoteDepth = 0

    init(reader: JSONLDReader) { self.reader = reader }

    // MARK: Documents and nodes

    mutating func topLevel(_ json: JSON, _ context: Context) throws {
        guard case .object(var map) = json else { return }
        var ctx = context
        if let local = map.removeValue(forKey: "@context") { ctx = try process(ctx, local) }
        map = try keywordsOf(map, ctx)
        if map.count == 1, let graph = map["@graph"] {
            for item in graph.items { try topLevel(item, ctx) }
            return
        }
        if map["@value"] != nil || map["@list"] != nil || map["@set"] != nil { return }
        _ = try node(map, ctx, graph: nil)
    }

    /// Emits a node object's triples into `graph`; returns its subject.
    mutating func node(_ object: [String: JSON], _ context: Context, graph: Term?) throws -> Term {
        var ctx = context
        var map = object
        if let local = map.removeValue(forKey: "@context") { ctx = try process(ctx, local) }
        map = try keywordsOf(map, ctx)
        let subject: Term
        if let id = map.removeValue(forKey: "@id") {
            guard case .string(let s) = id else { throw RDFSyntaxError("JSON-LD: @id must be a string") }
            subject = try resource(expand(s, ctx, vocab: false), original: s)
        } else {
            subject = fresh()
        }
        for key in map.keys.sorted() {
            let value = map[key]!
            switch key {
            case "@type":
                for t in value.items {
                    guard case .string(let s) = t else { throw RDFSyntaxError("JSON-LD: @type values must be strings") }
                    emit(subject, .iri(RDF.type), try resource(expand(s, ctx, vocab: true), original: s), graph)
                }
            case "@graph":
                for item in value.items {
                    if case .object(let m) = item, m["@value"] == nil, m["@list"] == nil { _ = try node(m, ctx, graph: subject) }
                }
            case "@reverse":
                guard case .object(let reversed) = value else { throw RDFSyntaxError("JSON-LD: @reverse must be an object") }
                for (property, values) in reversed {
                    guard let p = predicate(property, ctx) else { continue }
                    for o in try objects(values, ctx.terms[property], ctx, graph: graph) { emit(o, p, subject, graph) }
                }
            case "@index", "@context":
                continue
            case "@included", "@nest":
                throw RDFSyntaxError("JSON-LD: \(key) is not supported; expand the document first")
            case "@value", "@list", "@set":
                throw RDFSyntaxError("JSON-LD: \(key) cannot appear in a node object")
            default:
                if key.hasPrefix("@") { continue }   // not a keyword: ignored, as the specification says
                guard let p = predicate(key, ctx) else { continue }
                let definition = ctx.terms[key]
                for o in try objects(value, definition, ctx, graph: graph) {
                    if definition?.reverse == true { emit(o, p, subject, graph) } else { emit(subject, p, o, graph) }
                }
            }
        }
        return subject
    }

    /// The map with keyword aliases (`"id": "@id"` in the context) replaced by their keywords.
    func keywordsOf(_ map: [String: JSON], _ ctx: Context) throws -> [String: JSON] {
        guard map.keys.contains(where: { ctx.terms[$0]?.iri?.hasPrefix("@") == true }) else { return map }
        var out: [String: JSON] = [:]
        for (key, value) in map {
            let name = ctx.terms[key]?.iri.flatMap { keywords.contains($0) ? $0 : nil } ?? key
            if out[name] != nil { throw RDFSyntaxError("JSON-LD: \(name) appears twice (through an alias)") }
            out[name] = value
        }
        return out
    }

    /// The predicate a key expands to, or nil when it is dropped (no IRI, or a blank node).
    func predicate(_ key: String, _ ctx: Context) -> Term? {
        guard let iri = try? expand(key, ctx, vocab: true), !iri.hasPrefix("@"), !iri.hasPrefix("_:"),
              Self.isAbsolute(iri) else { return nil }
        return .iri(iri)
    }

    /// The RDF terms a property value stands for (a list is one term: its head).
    mutating func objects(_ value: JSON, _ definition: Context.Definition?, _ ctx: Context, graph: Term?) throws -> [Term] {
        let container = definition?.container ?? []
        var value = value
        if case .object(let map) = value, map["@context"] == nil { value = .object(try keywordsOf(map, ctx)) }
        if container.contains("@list"), case .array(let items) = value { return [try list(items, definition, ctx, graph: graph)] }
        if case .object(let map) = value, !map.keys.contains(where: { $0.hasPrefix("@") }) {
            if container.contains("@language") {
                var out: [Term] = []
                for (language, strings) in map.sorted(by: { $0.key < $1.key }) {
                    for s in strings.items {
                        guard case .string(let text) = s else { throw RDFSyntaxError("JSON-LD: language map values must be strings") }
                        out.append(language == "@none" ? .string(text) : .lang(text, language))
                    }
                }
                return out
            }
            if container.contains("@index") {
                var out: [Term] = []
                for key in map.keys.sorted() { out += try objects(map[key]!, definition, ctx, graph: graph) }
                return out
            }
        }
        switch value {
        case .null:
            return []
        case .array(let items):
            var out: [Term] = []
            for item in items { out += try objects(item, definition, ctx, graph: graph) }
            return out
        case .string(let s):
            switch definition?.type {
            case "@id": return [try resource(expand(s, ctx, vocab: false), original: s)]
            case "@vocab": return [try resource(expand(s, ctx, vocab: true), original: s)]
            case let datatype?: return [.typed(s, datatype)]
            case nil:
                let language: String? = definition?.language ?? ctx.language
                return [language.map { .lang(s, $0) } ?? .string(s)]
            }
        case .bool, .int, .double:
            let type = definition?.type
            return [try native(value, datatype: type == "@id" || type == "@vocab" ? nil : type)]
        case .object(let map):
            if let v = map["@value"] { return try valueObject(v, map, ctx).map { [$0] } ?? [] }
            if let items = map["@list"] { return [try list(items.items, definition, ctx, graph: graph)] }
            if let items = map["@set"] { return try objects(.array(items.items), definition, ctx, graph: graph) }
            return [try node(map, ctx, graph: graph)]
        }
    }

    mutating func valueObject(_ value: JSON, _ map: [String: JSON], _ ctx: Context) throws -> Term? {
        for key in map.keys where !["@value", "@type", "@language", "@index", "@context"].contains(key) {
            throw RDFSyntaxError("JSON-LD: \(key) is not allowed (or not supported) in a value object")
        }
        var datatype: String?
        if case .string(let t)? = map["@type"] {
            if t == "@json" { throw RDFSyntaxError("JSON-LD: JSON literals (@json) are not supported") }
            datatype = try expand(t, ctx, vocab: true)
            guard let d = datatype, Self.isAbsolute(d) else { throw RDFSyntaxError("JSON-LD: @type \(t) is not an IRI") }
        }
        switch value {
        case .null: return nil
        case .string(let s):
            if case .string(let language)? = map["@language"] { return .lang(s, language) }
            return .typed(s, datatype ?? XSD.string)
        case .bool, .int, .double: return try native(value, datatype: datatype)
        default: throw RDFSyntaxError("JSON-LD: @value must be a string, number, boolean or null")
        }
    }

    /// A list's head: rdf:first/rdf:rest nodes in `graph`, or rdf:nil.
    mutating func list(_ items: [JSON], _ definition: Context.Definition?, _ ctx: Context, graph: Term?) throws -> Term {
        var terms: [Term] = []
        for item in items {
            if case .array(let nested) = item { terms.append(try list(nested, definition, ctx, graph: graph)) }
            else { terms += try objects(item, definition, ctx, graph: graph) }
        }
        guard !terms.isEmpty else { return .iri(RDF.ns + "nil") }
        let nodes = terms.map { _ in fresh() }
        for (i, t) in terms.enumerated() {
            emit(nodes[i], .iri(RDF.ns + "first"), t, graph)
            emit(nodes[i], .iri(RDF.ns + "rest"), i + 1 < nodes.count ? nodes[i + 1] : .iri(RDF.ns + "nil"), graph)
        }
        return nodes[0]
    }

    /// A JSON number or boolean as a literal (JSON-LD 1.1, 8.6: canonical xsd:double for
    /// numbers with a fraction or beyond 10^21, or when the datatype is xsd:double).
    func native(_ value: JSON, datatype: String?) throws -> Term {
        switch value {
        case .bool(let b): return .typed(b ? "true" : "false", datatype ?? XSD.boolean)
        case .int(let i):
            if datatype == XSD.double { return .typed(Self.canonicalDouble(Double(i)), XSD.double) }
            return .typed(String(i), datatype ?? XSD.integer)
        case .double(let d):
            if d.rounded() == d, abs(d) < 1e18, datatype != XSD.double { return .typed(String(Int64(d)), datatype ?? XSD.integer) }
            guard d.isFinite else { throw RDFSyntaxError("JSON-LD: a number that is not finite") }
            return .typed(Self.canonicalDouble(d), datatype ?? XSD.double)
        default: throw RDFSyntaxError("JSON-LD: not a native value")
        }
    }

    /// The canonical lexical form of an xsd:double: `1.5E0`, `-2.0E-3`.
    static func canonicalDouble(_ d: Double) -> String {
        let text = String(format: "%1.15E", d)
        guard let e = text.firstIndex(of: "E") else { return text }
        var mantissa = String(text[..<e])
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        if mantissa.hasSuffix(".") { mantissa += "0" }
        var exponent = text[text.index(after: e)...]
        var sign = ""
        if exponent.first == "-" { sign = "-" }
        if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
        let digits = exponent.drop { $0 == "0" }
        return mantissa + "E" + sign + (digits.isEmpty ? "0" : String(digits))
    }

    mutating func emit(_ s: Term, _ p: Term, _ o: Term, _ g: Term?) {
        quads.append(Quad(s, p, o, g))
    }

    mutating func fresh() -> Term {
        blankNodes += 1
        return .blank("b" + String(blankNodes))
    }

    /// An IRI or a blank node for an expanded @id value.
    mutating func resource(_ iri: String?, original: String) throws -> Term {
        guard let iri else { throw RDFSyntaxError("JSON-LD: \(original) expands to no IRI") }
        if iri.hasPrefix("_:") {
            if let t = labels[iri] { return t }
            let t = fresh()
            labels[iri] = t
            return t
        }
        guard Self.isAbsolute(iri) else {
            throw RDFSyntaxError("JSON-LD: \(original) is not an absolute IRI and there is no base to resolve it against")
        }
        return .iri(iri)
    }

    static func isAbsolute(_ iri: String) -> Bool {
        guard let colon = iri.firstIndex(of: ":"), colon != iri.startIndex else { return false }
        return iri[..<colon].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
            && iri.first!.isLetter
    }

    // MARK: Contexts

    /// IRI expansion (JSON-LD 1.1 API, 5.2) against a finished context.
    func expand(_ value: String, _ ctx: Context, vocab: Bool) throws -> String? {
        if keywords.contains(value) { return value }
        if vocab, let d = ctx.terms[value] { return d.iri }
        if let colon = value.firstIndex(of: ":") {
            let prefix = String(value[..<colon]), suffix = value[value.index(after: colon)...]
            if prefix == "_" || suffix.hasPrefix("//") { return value }
            if let d = ctx.terms[prefix], let iri = d.iri { return iri + suffix }
            if Self.isAbsolute(value) { return value }
        }
        if vocab, let v = ctx.vocab { return v + value }
        if let base = ctx.base, let url = URL(string: value, relativeTo: URL(string: base)) { return url.absoluteString }
        return value
    }

    mutating func process(_ active: Context, _ local: JSON) throws -> Context {
        switch local {
        case .null:
            return Context(base: reader.baseIRI)
        case .array(let items):
            var ctx = active
            for item in items { ctx = try process(ctx, item) }
            return ctx
        case .string(let reference):
            let url = try expand(reference, Context(base: active.base), vocab: false) ?? reference
            guard let text = reader.contexts[url] ?? reader.contexts[reference] else {
                throw RDFSyntaxError("JSON-LD: remote context \(url) is not fetched; only Kruispunt's own context is known (inline the context, or expand the document first)")
            }
            guard remoteDepth < 8 else { throw RDFSyntaxError("JSON-LD: remote contexts nest too deeply at \(url)") }
            let document: JSON
            do { document = try JSONDecoder().decode(JSON.self, from: Data(text.utf8)) }
            catch { throw RDFSyntaxError("JSON-LD: the context \(url) is not valid JSON") }
            guard case .object(let map) = document, let inner = map["@context"] else {
                throw RDFSyntaxError("JSON-LD: \(url) has no @context")
            }
            remoteDepth += 1
            defer { remoteDepth -= 1 }
            return try process(active, inner)
        case .object(let map):
            var ctx = active
            if let base = map["@base"] {
                switch base {
                case .null: ctx.base = nil
                case .string(let b): ctx.base = try expand(b, Context(base: active.base), vocab: false)
                default: throw RDFSyntaxError("JSON-LD: @base must be a string or null")
                }
            }
            if let vocab = map["@vocab"] {
                switch vocab {
                case .null: ctx.vocab = nil
                case .string(let v): ctx.vocab = try expand(v, ctx, vocab: true)
                default: throw RDFSyntaxError("JSON-LD: @vocab must be a string or null")
                }
            }
            if let language = map["@language"] {
                switch language {
                case .null: ctx.language = nil
                case .string(let l): ctx.language = l.lowercased()
                default: throw RDFSyntaxError("JSON-LD: @language must be a string or null")
                }
            }
            if map["@import"] != nil { throw RDFSyntaxError("JSON-LD: @import in a context is not supported") }
            var defined: [String: Bool] = [:]
            for term in map.keys.sorted() where !term.hasPrefix("@") {
                try define(term, map, &ctx, &defined)
            }
            return ctx
        default:
            throw RDFSyntaxError("JSON-LD: a context must be an object, an array, a string or null")
        }
    }

    /// Creates one term definition (JSON-LD 1.1 API, 4.2.2), defining the terms it depends on first.
    func define(_ term: String, _ local: [String: JSON], _ ctx: inout Context, _ defined: inout [String: Bool]) throws {
        if defined[term] == true { return }
        if defined[term] == false { throw RDFSyntaxError("JSON-LD: cyclic definition of the term \(term)") }
        defined[term] = false
        defer { defined[term] = true }
        // Terms it refers to as a prefix are defined first.
        func dependency(_ value: String) throws {
            if let colon = value.firstIndex(of: ":") {
                let prefix = String(value[..<colon])
                if prefix != term, local[prefix] != nil { try define(prefix, local, &ctx, &defined) }
            } else if value != term, local[value] != nil {
                try define(value, local, &ctx, &defined)
            }
        }
        var definition = Context.Definition()
        var map: [String: JSON]
        switch local[term]! {
        case .null:
            ctx.terms[term] = Context.Definition(iri: nil)
            return
        case .string(let s): map = ["@id": .string(s)]
        case .object(let m): map = m
        default: throw RDFSyntaxError("JSON-LD: the definition of \(term) must be a string, an object or null")
        }
        for key in ["@context", "@nest"] where map[key] != nil {
            throw RDFSyntaxError("JSON-LD: \(key) in the definition of \(term) is not supported")
        }
        if case .string(let r)? = map["@reverse"] {
            try dependency(r)
            definition.iri = try expand(r, ctx, vocab: true)
            definition.reverse = true
        } else if let id = map["@id"] {
            switch id {
            case .null: ctx.terms[term] = Context.Definition(iri: nil); return
            case .string(let s):
                try dependency(s)
                definition.iri = try expand(s, ctx, vocab: true)
            default: throw RDFSyntaxError("JSON-LD: @id of \(term) must be a string")
            }
        } else {
            try dependency(term)
            let expanded = term.contains(":") ? try expand(term, ctx, vocab: false) : ctx.vocab.map { $0 + term }
            guard let expanded else { throw RDFSyntaxError("JSON-LD: the term \(term) has no IRI (no @id and no @vocab)") }
            definition.iri = expanded
        }
        if let type = map["@type"] {
            guard case .string(let t) = type else { throw RDFSyntaxError("JSON-LD: @type of \(term) must be a string") }
            switch t {
            case "@id", "@vocab": definition.type = t
            case "@none": definition.type = nil
            case "@json": throw RDFSyntaxError("JSON-LD: JSON literals (@json, term \(term)) are not supported")
            default:
                try dependency(t)
                definition.type = try expand(t, ctx, vocab: true)
            }
        }
        if let language = map["@language"] {
            switch language {
            case .null: definition.language = .some(nil)
            case .string(let l): definition.language = .some(l.lowercased())
            default: throw RDFSyntaxError("JSON-LD: @language of \(term) must be a string or null")
            }
        }
        if let container = map["@container"] {
            for c in container.items {
                guard case .string(let name) = c, ["@list", "@set", "@language", "@index"].contains(name) else {
                    throw RDFSyntaxError("JSON-LD: the container of \(term) is not supported (only @list, @set, @language, @index)")
                }
                definition.container.insert(name)
            }
        }
        ctx.terms[term] = definition
    }
}

private extension JSON {
    /// The value as a list: arrays as they are, anything else as one item.
    var items: [JSON] {
        if case .array(let a) = self { return a }
        return [self]
    }
}
