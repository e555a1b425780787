import CRaptor2
import Synchronization

/// raptor2, the C library for RDF syntaxes. A raptor world is not thread-safe: every call goes
/// through one lock. Use the shared instance.
///
/// ```swift
/// let quads = try Raptor.shared.parse(turtleText, syntax: .turtle, baseIRI: "http://example.org/")
/// let text = try Raptor.shared.serialize(quads.map(\.triple), syntax: .turtle)
/// ```
public final class Raptor: @unchecked Sendable {
    /// The process-wide raptor world.
    public static let shared = Raptor()

    private let world: OpaquePointer
    private let lock = Mutex<Void>(())

    private init() {
        guard let world = raptor_new_world_internal(UInt32(RAPTOR_VERSION)) else {
            fatalError("raptor2: cannot create a world")
        }
        raptor_world_open(world)
        self.world = world
    }

    /// Parses a document. Errors carry raptor's message with the line number.
    public func parse(_ text: String, syntax: RDFSyntax, baseIRI: String) throws -> [Quad] {
        var bytes = Array(text.utf8)
        var quads: [Quad] = []
        try parsing(syntax: syntax, baseIRI: baseIRI) { parser, sink in
            let status: Int32 = bytes.withUnsafeMutableBufferPointer { buf in
                if raptor_parser_parse_chunk(parser, buf.baseAddress, buf.count, 0) != 0 { return -1 }
                return raptor_parser_parse_chunk(parser, nil, 0, 1)
            }
            try sink.check(status, syntax)
            quads = sink.quads
        }
        return quads
    }

    /// Parses a file as a stream: raptor reads it in chunks of 1 MiB and `handle` receives the
    /// statements in batches of about `batch` (N-Triples and N-Quads stay streaming; raptor holds
    /// a Turtle or TriG document in memory). Errors carry raptor's message with the line number;
    /// a file that fails to parse may already have delivered batches (run the load in a transaction).
    public func parse(file path: String, syntax: RDFSyntax, baseIRI: String, batch: Int = 100_000,
                      _ handle: ([Quad]) throws -> Void) throws {
        guard let file = fopen(path, "rb") else { throw RDFSyntaxError("cannot open \(path)") }
        defer { fclose(file) }
        try parsing(syntax: syntax, baseIRI: baseIRI) { parser, sink in
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, 1 << 20, file) }
                let status = buffer.withUnsafeMutableBufferPointer { raptor_parser_parse_chunk(parser, $0.baseAddress, n, n == 0 ? 1 : 0) }
                try sink.check(status, syntax)
                if sink.quads.count >= batch || (n == 0 && !sink.quads.isEmpty) {
                    let quads = sink.quads
                    sink.quads.removeAll(keepingCapacity: true)
                    try handle(quads)
                }
                if n == 0 { break }
            }
        }
    }

    /// Runs `feed` with a started parser whose statements and first error go to a sink.
    private func parsing(syntax: RDFSyntax, baseIRI: String, _ feed: (OpaquePointer, ParseSink) throws -> Void) throws {
        guard let name = syntax.raptorName else { throw RDFSyntaxError("raptor2 does not read \(syntax.rawValue)") }
        try lock.withLock { _ in
            guard let parser = raptor_new_parser(world, name) else { throw RDFSyntaxError("no raptor parser \(name)") }
            defer { raptor_free_parser(parser) }
            let sink = ParseSink()
            let box = Unmanaged.passRetained(sink)
            defer { box.release() }
            raptor_parser_set_statement_handler(parser, box.toOpaque()) { data, statement in
                guard let data, let statement else { return }
                let sink = Unmanaged<ParseSink>.fromOpaque(data).takeUnretainedValue()
                let s = statement.pointee
                guard let subject = Raptor.term(s.subject), let predicate = Raptor.term(s.predicate),
                      let object = Raptor.term(s.object) else { return }
                sink.quads.append(Quad(subject, predicate, object, s.graph.flatMap(Raptor.term)))
            }
            raptor_world_set_log_handler(world, box.toOpaque()) { data, message in
                guard let data, let message else { return }
                let sink = Unmanaged<ParseSink>.fromOpaque(data).takeUnretainedValue()
                let m = message.pointee
                guard m.level.rawValue >= RAPTOR_LOG_LEVEL_ERROR.rawValue, sink.error == nil else { return }
                let text = m.text.map { String(cString: $0) } ?? "syntax error"
                let line = m.locator.map { Int($0.pointee.line) } ?? -1
                sink.error = line > 0 ? "line \(line): \(text)" : text
            }
            defer { raptor_world_set_log_handler(world, nil, nil) }
            guard let base = raptor_new_uri(world, baseIRI) else { throw RDFSyntaxError("bad base IRI \(baseIRI)") }
            defer { raptor_free_uri(base) }
            guard raptor_parser_parse_start(parser, base) == 0 else { throw RDFSyntaxError("cannot start the \(name) parser") }
            try feed(parser, sink)
        }
    }

    /// Serialises quads. Graph names are written only by syntaxes that carry graphs.
    public func serialize(_ quads: [Quad], syntax: RDFSyntax, baseIRI: String? = nil,
                          prefixes: [(prefix: String, namespace: String)] = standardPrefixes) throws -> String {
        guard let name = syntax.raptorName else { throw RDFSyntaxError("raptor2 does not write \(syntax.rawValue)") }
        return try lock.withLock { _ in
            guard let serializer = raptor_new_serializer(world, name) else {
                throw RDFSyntaxError("no raptor serializer \(name)")
            }
            defer { raptor_free_serializer(serializer) }
            if syntax == .turtle || syntax == .trig || syntax == .rdfxml {
                for (prefix, ns) in prefixes {
                    guard let uri = raptor_new_uri(world, ns) else { continue }
                    raptor_serializer_set_namespace(serializer, uri, prefix)
                    raptor_free_uri(uri)
                }
            }
            let base = baseIRI.flatMap { raptor_new_uri(world, $0) }
            defer { if let base { raptor_free_uri(base) } }
            var output: UnsafeMutableRawPointer?
            var length: Int = 0
            guard raptor_serializer_start_to_string(serializer, base, &output, &length) == 0 else {
                throw RDFSyntaxError("cannot start the \(name) serializer")
            }
            for quad in quads {
                let g = syntax.hasGraphs ? quad.graph.map(makeTerm) : nil
                guard let statement = raptor_new_statement_from_nodes(
                    world, makeTerm(quad.subject), makeTerm(quad.predicate), makeTerm(quad.object), g ?? nil) else {
                    throw RDFSyntaxError("cannot build a statement")
                }
                raptor_serializer_serialize_statement(serializer, statement)
                raptor_free_statement(statement)
            }
            raptor_serializer_serialize_end(serializer)
            guard let output else { return "" }
            defer { raptor_free_memory(output) }
            let buffer = UnsafeRawBufferPointer(start: output, count: length)
            return String(decoding: buffer, as: UTF8.self)
        }
    }

    private func makeTerm(_ term: Term) -> UnsafeMutablePointer<raptor_term>? {
        switch term {
        case .iri(let iri):
            return raptor_new_term_from_uri_string(world, iri)
        case .blank(let label):
            return raptor_new_term_from_blank(world, label)
        case .literal(let value, let datatype, let language):
            let dt = datatype.flatMap { $0 == XSD.string ? nil : raptor_new_uri(world, $0) }
            defer { if let dt { raptor_free_uri(dt) } }
            // raptor copies the language tag as a C string: pass it NUL-terminated.
            let lang: [UInt8]? = language.map { Array($0.utf8) + [0] }
            let langLength = UInt8(max(0, (lang?.count ?? 1) - 1))
            let bytes = Array(value.utf8) + [0]
            return bytes.withUnsafeBufferPointer { buf in
                if let lang {
                    return lang.withUnsafeBufferPointer { l in
                        raptor_new_term_from_counted_literal(world, buf.baseAddress, buf.count - 1, dt, l.baseAddress, langLength)
                    }
                }
                return raptor_new_term_from_counted_literal(world, buf.baseAddress, buf.count - 1, dt, nil, 0)
            }
        }
    }

    private static func term(_ t: UnsafeMutablePointer<raptor_term>?) -> Term? {
        guard let t else { return nil }
        switch t.pointee.type {
        case RAPTOR_TERM_TYPE_URI:
            return .iri(String(cString: raptor_uri_as_string(t.pointee.value.uri)))
        case RAPTOR_TERM_TYPE_BLANK:
            let b = t.pointee.value.blank
            return .blank(String(decoding: UnsafeBufferPointer(start: b.string, count: Int(b.string_len)), as: UTF8.self))
        case RAPTOR_TERM_TYPE_LITERAL:
            let l = t.pointee.value.literal
            let value = String(decoding: UnsafeBufferPointer(start: l.string, count: Int(l.string_len)), as: UTF8.self)
            let datatype = l.datatype.map { String(cString: raptor_uri_as_string($0)) }
            let language = l.language.flatMap { l.language_len > 0 ? String(cString: $0) : nil }
            if let language { return .lang(value, language) }
            return .typed(value, datatype ?? XSD.string)
        default:
            return nil
        }
    }
}

/// Collects statements and the first error while raptor parses.
private final class ParseSink {
    var quads: [Quad] = []
    var error: String?

    /// Throws the first error raptor reported, or a generic one for a failed status.
    func check(_ status: Int32, _ syntax: RDFSyntax) throws {
        if let error { throw RDFSyntaxError("\(syntax.rawValue): \(error)") }
        if status != 0 { throw RDFSyntaxError("\(syntax.rawValue): parse failed") }
    }
}
