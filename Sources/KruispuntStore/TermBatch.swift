import KruispuntRDF

/// The distinct terms of a batch, numbered in order of first use, with their rows for the
/// dictionary's COPY already written: everything interning needs that does not touch the
/// database, so that it can be prepared on another thread while the previous batch is written.
struct TermBatch: Sendable {
    /// Distinct terms; a term's number is its index.
    private(set) var terms: [Term] = []
    /// COPY text rows (key, kind, lex, datatype, lang, num, ts, number), in chunks of about 64 KiB.
    private(set) var chunks: [String] = []
    private var position: [Term: Int32] = [:]
    private var chunk = ""

    init() {}

    init(_ terms: some Sequence<Term>) {
        for t in terms { _ = number(t) }
        close()
    }

    /// The term's number in this batch (added when new).
    mutating func number(_ term: Term) -> Int32 {
        if let n = position[term] { return n }
        let n = Int32(terms.count)
        position[term] = n
        terms.append(term)
        Self.appendRow(term, number: n, to: &chunk)
        if chunk.utf8.count > 60_000 { chunks.append(chunk); chunk = "" }
        return n
    }

    /// Ends the batch: the last rows join the chunks.
    mutating func close() {
        if !chunk.isEmpty { chunks.append(chunk); chunk = "" }
    }

    private static func appendRow(_ term: Term, number: Int32, to out: inout String) {
        out += TermKey(term).uuid
        switch term {
        case .iri(let v): out += "\t0\t"; CopyText.append(v, to: &out); out += "\t\\N\t\\N\t\\N\t\\N\t"
        case .blank(let v): out += "\t1\t"; CopyText.append(v, to: &out); out += "\t\\N\t\\N\t\\N\t\\N\t"
        case .literal(let v, let dt, let lang):
            out += "\t2\t"; CopyText.append(v, to: &out); out += "\t"
            CopyText.append(dt, to: &out); out += "\t"
            CopyText.append(lang, to: &out); out += "\t"
            CopyText.append(TypedValue.number(v, datatype: dt), to: &out); out += "\t"
            CopyText.append(TypedValue.instant(v, datatype: dt), to: &out); out += "\t"
        }
        out += String(number)
        out += "\n"
    }
}

/// A batch of quads as term numbers (graph -1: the default graph), with its terms.
struct QuadBatch: Sendable {
    var terms = TermBatch()
    /// Four numbers per quad: graph, subject, predicate, object.
    var numbers: [Int32] = []

    init(_ quads: [Quad]) {
        numbers.reserveCapacity(quads.count * 4)
        for q in quads {
            numbers.append(q.graph.map { terms.number($0) } ?? -1)
            numbers.append(terms.number(q.subject))
            numbers.append(terms.number(q.predicate))
            numbers.append(terms.number(q.object))
        }
        terms.close()
    }

    var count: Int { numbers.count / 4 }
}
