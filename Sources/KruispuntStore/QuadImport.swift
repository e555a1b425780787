import Foundation
import KruispuntRDF

/// Loads RDF files into the quad store: streamed through raptor2 in batches, all in one
/// transaction (a file that fails to parse leaves no trace). Blank nodes are scoped to the file
/// (their labels are prefixed with a digest of its content), so two files never share one and
/// loading the same file twice adds nothing.
public enum QuadImport {
    /// What a load did.
    public struct Summary: Sendable, Codable, Equatable {
        public var quads = 0
        public var added = 0
        public init() {}
    }

    /// Loads one file. Triples outside a named graph go to `graph` (nil: the default graph).
    /// `jsonldContexts`: the remote JSON-LD contexts a document may use (URL: document text).
    public static func load(path: String, syntax: RDFSyntax, graph: Term? = nil, baseIRI: String,
                            jsonldContexts: [String: String] = [:], on db: Connection) throws -> Summary {
        let scope = try digest(path: path)
        @Sendable func scoped(_ t: Term) -> Term {
            if case .blank(let label) = t { return .blank("f" + scope + "x" + label) }
            return t
        }
        // Parsing (and numbering the terms) runs on a thread of its own, a few batches ahead of
        // the database work.
        let queue = BatchQueue<QuadBatch>(capacity: 2)
        let parser = Thread {
            do {
                try RDFFile.parse(path: path, syntax: syntax, baseIRI: baseIRI, jsonldContexts: jsonldContexts) { batch in
                    try queue.put(QuadBatch(batch.map { q in
                        Quad(scoped(q.subject), q.predicate, scoped(q.object), q.graph.map(scoped) ?? graph)
                    }))
                }
                queue.finish()
            } catch {
                queue.finish(error: error)
            }
        }
        parser.stackSize = 8 << 20
        parser.start()
        defer { queue.cancel() }
        let summary = try db.transaction {
            var summary = Summary()
            let load = try BulkLoad(on: db)
            while let quads = try queue.take() {
                summary.quads += quads.count
                try load.add(quads)
            }
            summary.added = try load.finish()
            return summary
        }
        // After a large load, the observation index is vacuumed at once (autovacuum would within
        // minutes): the queries that follow neither write its pages' hint bits nor wait on it.
        // (Its statistics were taken in the load's refresh.)
        if summary.added >= 1_000_000 { try db.execute("VACUUM observation_rows") }
        return summary
    }

    /// 16 hex digits of a 128-bit hash of the file's content.
    static func digest(path: String) throws -> String {
        guard let file = fopen(path, "rb") else { throw StoreError("cannot open \(path)") }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var state: (UInt64, UInt64) = (0, 0)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, 1 << 20, file) }
            if n == 0 { break }
            let chunk = buffer.withUnsafeBufferPointer { Murmur3.hash128(UnsafeBufferPointer(rebasing: $0[0..<n]), seed: state.0 ^ state.1) }
            state = (state.0 &* 31 &+ chunk.0, state.1 ^ chunk.1)
        }
        return Hex.word(state.0 ^ state.1)
    }
}
