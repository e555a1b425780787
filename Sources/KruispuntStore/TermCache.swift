import Synchronization
import KruispuntRDF

/// Terms by id, shared by the connections of one pool (`Connection.terms`): an id never
/// changes meaning (terms are only ever added; ids are never reused), so a term read once is good
/// for ever. Reading quads then costs one index range per graph and one lookup per term not seen
/// yet, instead of four joins per quad. Bounded: when it holds `capacity` terms it starts afresh.
public final class TermCache: Sendable {
    private let state = Mutex<(database: String, terms: [Int64: Term])>(("", [:]))
    private let capacity: Int

    public init(capacity: Int) { self.capacity = capacity }

    /// The terms of `ids` (0, the default graph, is left out); throws if an id is unknown.
    public func terms(_ ids: Set<Int64>, on db: Connection) throws -> [Int64: Term] {
        let list = Array(ids)
        var out: [Int64: Term] = [:]
        for (id, term) in zip(list, try terms(aligned: list, on: db)) { if let term { out[id] = term } }
        return out
    }

    /// The term of each id, in the same order (nil for 0, the default graph): one cache lookup
    /// per id, one query for the ids not cached; throws if an id is unknown.
    public func terms(aligned ids: [Int64], on db: Connection) throws -> [Term?] {
        let database = try db.databaseIdentity()
        var out = [Term?](repeating: nil, count: ids.count)
        var missing: [Int] = []
        state.withLock { state in
            // The database was dropped and created again: its ids mean other terms.
            if state.database != database { state = (database, [:]) }
            for (i, id) in ids.enumerated() where id != 0 {
                if let t = state.terms[id] { out[i] = t } else { missing.append(i) }
            }
        }
        if missing.isEmpty { return out }
        let wanted = Set(missing.map { ids[$0] })
        var read: [Int64: Term] = [:]
        read.reserveCapacity(wanted.count)
        for row in try db.query("SELECT id, kind, lex, datatype, lang FROM terms WHERE id = ANY($1::bigint[])",
                                ["{" + wanted.map(String.init).joined(separator: ",") + "}"], prepared: true) {
            guard let id = row[0].flatMap(Int64.init), let term = QuadStore.decodeTerm(row, at: 1) else { continue }
            read[id] = term
        }
        guard read.count == wanted.count else { throw StoreError("\(wanted.count - read.count) term ids are not in the dictionary") }
        for i in missing { out[i] = read[ids[i]] }
        state.withLock { state in
            guard state.database == database else { return }
            if state.terms.count + read.count > capacity { state.terms.removeAll(keepingCapacity: true) }
            state.terms.merge(read) { a, _ in a }
        }
        return out
    }
}
