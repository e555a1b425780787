// The quad store's figures (issue 5), each beside its reference measured in the same run:
//   - bulk load of generated observations (no parsing) through BulkLoad;
//   - `kruispunt import` of an N-Quads file against pyoxigraph's bulk_load and Virtuoso's
//     bulk loader (scripts/bench_virtuoso.py, two loaders) on the same file;
//   - quad-pattern lookups with one bound term (first page of 100): p50 and p99;
//   - the store's size on disk per quad beside Oxigraph's;
//   - with KRUISPUNT_BENCH_SCALE_QUADS (e.g. 50000000), the same lookups on a store that large.
import Foundation
import KruispuntRDF
import KruispuntStore
import Logging

/// Observation members shaped like the treatment's (19 quads each, three blank nodes).
struct GeneratedObservations {
    static let base = "http://localhost:8080"
    static let cameras = 2_000
    static let perMember = 19
    static let predicates = [
        RDF.type, DCT.isVersionOf, PROV.generatedAtTime, PROV.wasGeneratedBy, SOSA.observedProperty,
        SOSA.hasFeatureOfInterest, COT.hasAggregationPeriod, COT.usingFunction, SOSA.phenomenonTime,
        OWLTime.hasBeginning, OWLTime.hasEnd, OWLTime.inXSDDateTimeStamp, SOSA.resultTime, SOSA.madeBySensor,
        SOSA.hasSimpleResult,
    ]

    static func camera(_ m: Int, cameras: Int = cameras) -> Term { .iri(base + "/id/camera/C" + String(m % cameras)) }
    static func member(_ m: Int, cameras: Int = cameras) -> Term { .iri(observation(m, cameras: cameras) + "/v1") }
    static func observation(_ m: Int, cameras: Int = cameras) -> String {
        base + "/id/observation/vehicle-count/camera/C" + String(m % cameras) + "/hour/" + stamp(m, cameras: cameras)
    }
    static func stamp(_ m: Int, cameras: Int = cameras) -> String {
        let hour = m / cameras
        return "2026" + String(format: "%04d", hour / 24) + "T" + String(format: "%02d", hour % 24)
    }

    /// Members `m`: camera `m % cameras`, hour `m / cameras` (28-day months from 2026-01-01, +01:00).
    static func quads(_ members: Range<Int>, cameras: Int = cameras) -> [Quad] {
        var out: [Quad] = []
        out.reserveCapacity(members.count * perMember)
        let activity = Term.iri(base + "/id/treatment/0123456789abcdef")
        let generated = Term.typed("2026-11-29T05:00:00Z", XSD.dateTime)
        for m in members {
            let g = member(m, cameras: cameras), i = Term.blank("i" + String(m)), b = Term.blank("b" + String(m)), e = Term.blank("e" + String(m))
            let hour = m / cameras, day = hour / 24
            let date = String(format: "%04d-%02d-%02dT%02d", 2026 + day / 336, 1 + (day / 28) % 12, 1 + day % 28, hour % 24)
            let t: [(Term, String, Term)] = [
                (g, RDF.type, .iri(SOSA.Observation)), (g, DCT.isVersionOf, .iri(observation(m, cameras: cameras))),
                (g, PROV.generatedAtTime, generated), (g, PROV.wasGeneratedBy, activity),
                (g, SOSA.observedProperty, .iri(COT.passedByVehiclesCount)), (g, SOSA.hasFeatureOfInterest, camera(m, cameras: cameras)),
                (g, COT.hasAggregationPeriod, .iri(COT.Hourly)), (g, COT.usingFunction, .iri(COT.Count)),
                (g, SOSA.phenomenonTime, i), (i, RDF.type, .iri(OWLTime.Interval)), (i, OWLTime.hasBeginning, b),
                (i, OWLTime.hasEnd, e), (b, RDF.type, .iri(OWLTime.Instant)),
                (b, OWLTime.inXSDDateTimeStamp, .typed(date + ":00:00+01:00", XSD.dateTimeStamp)),
                (e, RDF.type, .iri(OWLTime.Instant)),
                (e, OWLTime.inXSDDateTimeStamp, .typed(date + ":59:59+01:00", XSD.dateTimeStamp)),
                (g, SOSA.resultTime, generated), (g, SOSA.madeBySensor, camera(m, cameras: cameras)),
                (g, SOSA.hasSimpleResult, .integer(5 + m % 997)),
            ]
            for (s, p, o) in t { out.append(Quad(s, .iri(p), o, g)) }
        }
        return out
    }
}

enum StoreBench {
    /// Runs every store figure on its own embedded cluster under `work`; returns the ratio lines.
    static func run(work: URL, logger: Logger) throws -> [String] {
        var ratios: [String] = []
        let cluster = try EmbeddedCluster(dataDirectory: work.appendingPathComponent("store"), logger: logger)
        try cluster.start()
        defer { cluster.stop() }
        let db = try Connection(conninfo: cluster.conninfo)
        try Migrations.apply(on: db)
        print("\nQuad store (issue 5):")

        // 1. Generated observations, no parsing: 5 M quads in one load (one transaction).
        let members = Int(environment["KRUISPUNT_BENCH_STORE_MEMBERS"] ?? "") ?? 263_158   // 5 M quads
        let loadSeconds = try load(members: 0..<members, on: db)
        let storeQuads = members * GeneratedObservations.perMember
        line("bulk load of generated observations", storeQuads, loadSeconds, "  (intern, COPY, index; one transaction)")
        ratios.append(String(format: "  generated-observation load, quads/s (target >= 500,000): %.0f", Double(storeQuads) / loadSeconds))
        let floor = try ceiling(on: db)
        line("reference: PostgreSQL alone, same id rows", storeQuads, floor.total,
             String(format: "  (server-side COPY %.1f s + the four B-trees %.1f s, no dictionary)", floor.copy, floor.indexes))
        ratios.append(String(format: "  generated-observation load vs PostgreSQL alone:          %.2f", floor.total / loadSeconds))

        // 2. Lookups with one bound term.
        let small = try lookups(members: members, on: db)
        print(String(format: "  lookup, one bound term, first page of 100, %d M quads: p50 %.2f ms, p99 %.2f ms (%d lookups)",
                     storeQuads / 1_000_000, small.p50, small.p99, small.n))
        ratios.append(String(format: "  lookup p99 at %d M quads, ms (target < 5):               %.2f", storeQuads / 1_000_000, small.p99))
        let stats = try QuadStore.statistics(on: db)
        let bytesPerQuad = Double(stats.quadsBytes + stats.termsBytes) / Double(stats.quads)

        // 3. Import of an N-Quads file (1 M quads of other members) against the references.
        let nquads = work.appendingPathComponent("observations.nq")
        let importMembers = members..<(members + 52_632)
        try write(GeneratedObservations.quads(importMembers), to: nquads)
        let fileQuads = importMembers.count * GeneratedObservations.perMember
        var imported = QuadImport.Summary()
        let importSeconds = try seconds {
            imported = try QuadImport.load(path: nquads.path, syntax: .nquads, baseIRI: "http://localhost:8080/", on: db)
        }
        line("import N-Quads (kruispunt import)", imported.quads, importSeconds, "  (\(imported.added) added)")
        ratios.append(String(format: "  import, quads/s (target >= 250,000):                     %.0f", Double(fileQuads) / importSeconds))
        if let oxigraph = oxigraph(nquads.path) {
            line("reference: pyoxigraph bulk_load, same file", fileQuads, oxigraph.seconds)
            ratios.append(String(format: "  import vs pyoxigraph bulk_load (target >= 3):            %.2f", oxigraph.seconds / importSeconds))
            print(String(format: "  size on disk per quad: Kruispunt %.0f bytes (quads and terms with indexes), Oxigraph %.0f bytes",
                         bytesPerQuad, Double(oxigraph.bytes) / Double(fileQuads)))
            ratios.append(String(format: "  size per quad vs Oxigraph (lower is better):             %.2f",
                                 bytesPerQuad / (Double(oxigraph.bytes) / Double(fileQuads))))
        }
        if let virtuoso = virtuoso(nquads.path) {
            line("reference: Virtuoso 7 bulk loader (2 loaders)", fileQuads, virtuoso)
            ratios.append(String(format: "  import vs Virtuoso bulk loader (target >= 2):            %.2f", virtuoso / importSeconds))
        }

        // 4. Scale: the same lookups on a much larger store.
        let scale = Int(environment["KRUISPUNT_BENCH_SCALE_QUADS"] ?? "") ?? 0
        if scale > storeQuads {
            var next = importMembers.upperBound
            let last = scale / GeneratedObservations.perMember
            var total = 0.0
            while next < last {
                let upper = min(last, next + 526_316)         // 10 M quads per load
                total += try load(members: next..<upper, on: db)
                next = upper
            }
            let scaled = try QuadStore.count(on: db)
            line("scale: bulk load up to \(scaled / 1_000_000) M quads", scaled - storeQuads - fileQuads, total)
            let large = try lookups(members: last, on: db)
            print(String(format: "  lookup, one bound term, first page of 100, %d M quads: p50 %.2f ms, p99 %.2f ms",
                         scaled / 1_000_000, large.p50, large.p99))
            ratios.append(String(format: "  lookup p99 at %d M vs %d M quads (target <= 2):          %.2f",
                                 scaled / 1_000_000, storeQuads / 1_000_000, large.p99 / small.p99))
            let big = try QuadStore.statistics(on: db)
            print(String(format: "  size on disk per quad at %d M quads: %.0f bytes", scaled / 1_000_000,
                         Double(big.quadsBytes + big.termsBytes) / Double(big.quads)))
        }
        return ratios
    }

    /// Loads members in one transaction, in batches of 500,000 quads; returns the seconds spent
    /// in the store (generating the quads is not counted).
    static func load(members: Range<Int>, on db: Connection) throws -> Double {
        var spent = 0.0
        try db.transaction {
            let load = try BulkLoad(on: db)
            var start = members.lowerBound
            while start < members.upperBound {
                let end = min(members.upperBound, start + 26_316)
                let batch = GeneratedObservations.quads(start..<end)
                spent += try seconds { try load.add(batch) }
                start = end
            }
            spent += try seconds { _ = try load.finish() }
        }
        return spent
    }

    /// What PostgreSQL itself needs for the rows of the first load table, with no dictionary and
    /// no client: a server-side COPY of its id rows into a new table and the same four indexes,
    /// in one transaction, with the load's best setting of one parallel worker per B-tree (the
    /// physical floor of any load into this schema on this machine).
    static func ceiling(on db: Connection) throws -> (copy: Double, indexes: Double, total: Double) {
        guard let source = try QuadStore.loadTables(on: db).first else { return (0, 0, 0) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kruispunt-ceiling-\(getpid()).tsv").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try db.execute("COPY \(source) TO '\(file)'")
        var copy = 0.0, indexes = 0.0
        try db.transaction {
            copy = try seconds {
                try db.execute("CREATE TABLE ceiling (g bigint NOT NULL, s bigint NOT NULL, p bigint NOT NULL, o bigint NOT NULL)")
                try db.execute("COPY ceiling FROM '\(file)'")
            }
            indexes = try seconds {
                try db.execute("""
                    SET LOCAL max_parallel_maintenance_workers = 1;
                    ALTER TABLE ceiling ADD PRIMARY KEY (g, s, p, o) WITH (fillfactor = 100);
                    CREATE INDEX ON ceiling (s, p, o, g) WITH (fillfactor = 100);
                    CREATE INDEX ON ceiling (p, o, s, g) WITH (fillfactor = 100);
                    CREATE INDEX ON ceiling (o, s, p, g) WITH (fillfactor = 100)
                    """)
            }
            try db.execute("DROP TABLE ceiling")
        }
        return (copy, indexes, copy + indexes)
    }

    /// 1,000 lookups (after 200 warm-up ones): subject, predicate, object or graph bound.
    static func lookups(members: Int, on db: Connection) throws -> (p50: Double, p99: Double, n: Int) {
        var random = SystemRandomNumberGenerator()
        var kind = 0
        func pattern() -> QuadPattern {
            let m = Int.random(in: 0..<members, using: &random)
            kind = Int.random(in: 0..<4, using: &random)
            switch kind {
            case 0: return QuadPattern(subject: GeneratedObservations.member(m))
            case 1: return QuadPattern(predicate: .iri(GeneratedObservations.predicates.randomElement(using: &random)!))
            case 2: return QuadPattern(object: GeneratedObservations.camera(m))
            default: return QuadPattern(graph: .named(GeneratedObservations.member(m)))
            }
        }
        try db.execute("ANALYZE")
        if environment["KRUISPUNT_BENCH_EXPLAIN"] != nil {
            let id = try QuadStore.lookup([.iri(SOSA.hasSimpleResult)], on: db).values.first ?? 0
            for sql in ["SELECT q.g, q.s, q.p, q.o FROM quads q WHERE q.p = \(id) ORDER BY q.p, q.o, q.s, q.g LIMIT 101",
                        "SELECT count(*) FROM (SELECT 1 FROM quads q WHERE q.p = \(id) LIMIT 101) x"] {
                for row in try db.query("EXPLAIN (ANALYZE, BUFFERS) " + sql) { print("    " + (row[0] ?? "")) }
            }
        }
        for _ in 0..<200 { _ = try QuadPatterns.match(pattern(), limit: 100, on: db) }
        var times: [Double] = []
        var byKind: [[Double]] = [[], [], [], []]
        for _ in 0..<1_000 {
            let p = pattern()
            var page: QuadPage?
            let ms = try seconds { page = try QuadPatterns.match(p, limit: 100, on: db) } * 1000
            times.append(ms)
            byKind[kind].append(ms)
            precondition(page?.quads.isEmpty == false, "a lookup found nothing")
        }
        times.sort()
        let names = ["subject", "predicate", "object", "graph"]
        print("  p99 by bound position: " + (0..<4).map { k -> String in
            let t = byKind[k].sorted()
            return names[k] + String(format: " %.2f ms", t.isEmpty ? 0 : t[t.count * 99 / 100])
        }.joined(separator: ", "))
        return (times[times.count / 2], times[times.count * 99 / 100], times.count)
    }

    static func write(_ quads: [Quad], to url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let out = try FileHandle(forWritingTo: url)
        var chunk = ""
        for q in quads {
            NTriples.append(q, to: &chunk)
            if chunk.utf8.count > 1 << 20 { out.write(Data(chunk.utf8)); chunk = "" }
        }
        out.write(Data(chunk.utf8))
        try out.close()
    }

    /// pyoxigraph's bulk_load of the file into an on-disk store: seconds and the store's bytes.
    static func oxigraph(_ path: String) -> (seconds: Double, bytes: Int)? {
        let text = python(["-c", """
            import os, sys, time, tempfile, shutil
            try:
                import pyoxigraph
            except ImportError:
                print("missing"); sys.exit(0)
            d = tempfile.mkdtemp()
            store = pyoxigraph.Store(d)
            t = time.perf_counter()
            store.bulk_load(path=sys.argv[1], format=pyoxigraph.RdfFormat.N_QUADS)
            store.flush()
            s = time.perf_counter() - t
            del store
            size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
            shutil.rmtree(d)
            print(s, size)
            """, path])
        let parts = text.split(separator: " ")
        guard parts.count == 2, let s = Double(parts[0]), let b = Int(parts[1]) else {
            print("reference: pyoxigraph not available (\(text.prefix(200)))")
            return nil
        }
        return (s, b)
    }

    /// Virtuoso's bulk loader with two loaders (scripts/bench_virtuoso.py): seconds.
    static func virtuoso(_ path: String) -> Double? {
        let script = FileManager.default.currentDirectoryPath + "/scripts/bench_virtuoso.py"
        guard FileManager.default.fileExists(atPath: script) else { return nil }
        let text = python([script, path, "--loaders", "2"])
        guard let line = text.split(separator: "\n").last,
              let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              json["available"] as? Bool == true, let s = json["seconds"] as? Double else {
            print("reference: Virtuoso not available (\(text.suffix(300)))")
            return nil
        }
        return s
    }

    static func python(_ arguments: [String]) -> String {
        let python = FileManager.default.currentDirectoryPath + "/.venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else { return "no venv" }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        guard (try? p.run()) != nil else { return "cannot run python" }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
