/// The quads of a JSON-LD document as node objects, worked out once with every term interned to
/// an integer: which subjects are written at the top of their graph, which blank nodes are
/// embedded where they are used, and each node's properties in the order they first appear.
///
/// A blank node is embedded when it is described in one graph and used exactly once, in that
/// graph, outside a cycle of blank nodes. One used more than once anywhere (an object of
/// rdf:type counts twice: an `@type` string cannot embed it), described in several graphs or
/// naming a graph keeps its label and is written at the top.
struct JSONLDLayout {
    /// A subject's node object in one graph: its properties grouped by predicate.
    struct Entry {
        let node: Int
        var groups: [Group] = []
    }

    /// One predicate of a node: the indices of its triples (into `objects`), in input order.
    struct Group {
        let predicate: Int
        var triples: [Int]
    }

    /// A graph: the default graph (index 0, name -1) or a named one, in order of appearance.
    struct Graph {
        let name: Int
        var entries: [Entry] = []
        /// Entries written at the top of the graph, in order.
        var roots: [Int] = []
    }

    /// A predicate, with what the writer needs of it worked out once.
    struct Predicate {
        let term: Term
        let isType: Bool
        let definition: JSONLDContext.Definition?
        /// The key when no term definition applies: the compact IRI.
        let key: String
    }

    /// Subjects, blank objects and graph names, by node id.
    private(set) var nodes: [Term] = []
    private(set) var predicates: [Predicate] = []
    /// The object of every input quad, and its node id when it is a blank node (else -1).
    private(set) var objects: [Term] = []
    private(set) var objectNodes: [Int] = []
    private(set) var graphs: [Graph] = [Graph(name: -1)]
    /// For an embedded blank node: its entry (in the one graph that describes it); else -1.
    private(set) var embeddedEntry: [Int] = []

    private struct EntryKey: Hashable {
        let node: Int, graph: Int
    }

    init(_ quads: [Quad]) {
        objects.reserveCapacity(quads.count)
        objectNodes.reserveCapacity(quads.count)
        var nodeIDs: [Term: Int] = [:], predicateIDs: [Term: Int] = [:]
        var graphIndex: [Int: Int] = [:], entryIndex: [EntryKey: Int] = [:]
        // Per node: times used as an object, the graph of that use, the graph describing it
        // (-2: none yet) and its entry there, and whether it must keep its label.
        var uses: [Int] = [], useGraph: [Int] = [], home: [Int] = [], homeEntry: [Int] = [], shared: [Bool] = []

        func intern(_ term: Term) -> Int {
            if let id = nodeIDs[term] { return id }
            let id = nodes.count
            nodes.append(term); nodeIDs[term] = id
            uses.append(0); useGraph.append(-1); home.append(-2); homeEntry.append(-1); shared.append(false)
            return id
        }

        var g = 0, e = -1
        for (i, q) in quads.enumerated() {
            // Input is mostly grouped by graph and subject: a repeat needs no lookup.
            let sameGraph = i > 0 && q.graph == quads[i - 1].graph
            if !sameGraph {
                if let name = q.graph {
                    let n = intern(name)
                    if case .blank = name { shared[n] = true }
                    if let known = graphIndex[n] { g = known } else {
                        g = graphs.count
                        graphIndex[n] = g
                        graphs.append(Graph(name: n))
                    }
                } else {
                    g = 0
                }
            }
            if !(sameGraph && q.subject == quads[i - 1].subject) {
                let s = intern(q.subject)
                let key = EntryKey(node: s, graph: g)
                if let known = entryIndex[key] { e = known } else {
                    e = graphs[g].entries.count
                    entryIndex[key] = e
                    graphs[g].entries.append(Entry(node: s))
                    if case .blank = q.subject {
                        if home[s] == -2 { home[s] = g; homeEntry[s] = e } else { shared[s] = true }
                    }
                }
            }
            let p: Int
            if let known = predicateIDs[q.predicate] { p = known } else {
                p = predicates.count
                predicateIDs[q.predicate] = p
                let iri = q.predicate.iriValue
                predicates.append(Predicate(term: q.predicate, isType: iri == RDF.type,
                                            definition: iri.flatMap { JSONLDContext.byIRI[$0] },
                                            key: JSONLDWriter.compact(q.predicate)))
            }
            objects.append(q.object)
            if case .blank = q.object {
                let o = intern(q.object)
                uses[o] += predicates[p].isType ? 2 : 1
                useGraph[o] = g
                objectNodes.append(o)
            } else {
                objectNodes.append(-1)
            }
            if let k = graphs[g].entries[e].groups.lastIndex(where: { $0.predicate == p }) {
                graphs[g].entries[e].groups[k].triples.append(i)
            } else {
                graphs[g].entries[e].groups.append(Group(predicate: p, triples: [i]))
            }
        }

        // Candidates for embedding; those reached from no root (cycles) become roots.
        var candidate = [Bool](repeating: false, count: nodes.count)
        for n in nodes.indices {
            if case .blank = nodes[n], !shared[n], uses[n] == 1, home[n] == useGraph[n] { candidate[n] = true }
        }
        embeddedEntry = [Int](repeating: -1, count: nodes.count)
        var reached = [Bool](repeating: false, count: nodes.count)
        for gi in graphs.indices {
            let entries = graphs[gi].entries
            func visit(_ start: Int) {
                var stack = [start]
                while let entry = stack.popLast() {
                    for group in entries[entry].groups {
                        for t in group.triples {
                            let o = objectNodes[t]
                            if o >= 0, candidate[o], !reached[o] { reached[o] = true; stack.append(homeEntry[o]) }
                        }
                    }
                }
            }
            var roots = entries.indices.filter { !candidate[entries[$0].node] }
            roots.forEach(visit)
            for (index, entry) in entries.enumerated() where candidate[entry.node] && !reached[entry.node] {
                candidate[entry.node] = false
                roots.append(index)
                visit(index)
            }
            for (index, entry) in entries.enumerated() where candidate[entry.node] { embeddedEntry[entry.node] = index }
            graphs[gi].roots = roots
        }
    }
}
