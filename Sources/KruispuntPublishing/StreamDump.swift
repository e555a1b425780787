import CZlib
import Foundation
import KruispuntRDF
import KruispuntStore

/// A gzip-compressed N-Quads dump of one event stream (`DATA_DIR/dumps/{stream}.nq.gz`, served at
/// `/dumps/{stream}.nq.gz`): the stream's type and its `tree:member` triples, then each member's
/// quads in its named graph, in publication order, read in one snapshot 5,000 members at a
/// time. Written to a temporary file and renamed, so a reader never sees half a dump.
public enum StreamDump {
    /// The dump file of a stream in `directory`.
    public static func file(_ stream: String, in directory: URL) -> URL {
        directory.appendingPathComponent(stream + ".nq.gz")
    }

    /// Writes the dump of `stream`; returns how many members and quads it holds.
    @discardableResult
    public static func write(_ stream: EventStream, to directory: URL, on db: Connection) throws -> (members: Int, quads: Int) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let target = file(stream.name, in: directory)
        let partial = directory.appendingPathComponent(".\(stream.name).nq.gz.\(ProcessInfo.processInfo.processIdentifier).partial")
        guard let gz = gzopen(partial.path, "wb6") else { throw StoreError("cannot write \(partial.path)") }
        var closed = false
        defer { if !closed { gzclose(gz); try? FileManager.default.removeItem(at: partial) } }
        func put(_ text: String) throws {
            var text = text
            let written = text.withUTF8 { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
            guard written == text.utf8.count || text.isEmpty else { throw StoreError("cannot write \(partial.path): disk full?") }
        }
        let s = Term.iri(stream.streamIRI)
        var out = "", members = 0, quads = 0
        NTriples.append(Quad(s, .iri(RDF.type), .iri(LDES.EventStream)), to: &out)
        try db.transaction {
            try db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            var after: Int64 = 0
            while true {
                let batch = try StreamMemberIndex.members(stream: stream.name, afterSeq: after, limit: 5_000, on: db)
                guard let last = batch.last else { break }
                after = last.seq
                let byMember = try QuadStore.graphs(batch.map(\.id), on: db)
                for e in batch {
                    NTriples.append(Quad(s, .iri(TREE.member), .iri(e.iri)), to: &out)
                    let own = byMember[e.id] ?? []
                    for q in own { NTriples.append(q, to: &out) }
                    quads += own.count
                }
                members += batch.count
                try put(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        try put(out)
        closed = true
        guard gzclose(gz) == Z_OK else { try? FileManager.default.removeItem(at: partial); throw StoreError("cannot finish \(partial.path)") }
        // rename(2) replaces the old dump at once.
        guard rename(partial.path, target.path) == 0 else {
            try? FileManager.default.removeItem(at: partial)
            throw StoreError("cannot replace \(target.path) (errno \(errno))")
        }
        return (members, quads)
    }
}
