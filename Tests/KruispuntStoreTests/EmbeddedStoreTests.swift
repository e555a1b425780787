import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntStore
import KruispuntTreatment
import Logging
import Testing

/// Integration tests against a real PostgreSQL: each test starts its own embedded cluster.
@Suite(.serialized) struct EmbeddedStoreTests {
    static let logger = Logger(label: "test")

    /// Runs `body` with a fresh cluster (migrations applied) and stops the cluster afterwards.
    func withCluster(_ body: (Connection, URL) throws -> Void) throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kp-test-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cluster = try EmbeddedCluster(dataDirectory: dir, logger: Self.logger)
        try cluster.start()
        defer { cluster.stop() }
        let db = try Connection(conninfo: cluster.conninfo)
        #expect(try Migrations.apply(on: db) == Migrations.all.map(\.version))
        #expect(try Migrations.apply(on: db).isEmpty)
        try body(db, dir)
    }

    @Test func quadStoreDictionaryAndGraphs() throws {
        try withCluster { db, _ in
            let g = Term.iri("http://ex.org/g")
            let triples = [
                Triple(.iri("http://ex.org/s"), .iri(SOSA.hasSimpleResult), .integer(42)),
                Triple(.iri("http://ex.org/s"), .iri(SOSA.resultTime), .typed("2026-10-24T05:00:00+02:00", XSD.dateTimeStamp)),
                Triple(.iri("http://ex.org/s"), .iri(RDFS.label), .lang("tab\tand \\ newline\n", "nl")),
            ]
            try db.transaction { try QuadStore.replaceGraphs([g: triples], on: db) }
            let ids1 = try db.transaction { try QuadStore.intern(triples.map(\.object), on: db) }
            let ids2 = try db.transaction { try QuadStore.intern(triples.map(\.object), on: db) }
            #expect(ids1 == ids2)
            // Typed values are kept for range scans.
            let typed = try db.query("SELECT num::text, ts = '2026-10-24T03:00:00Z'::timestamptz FROM terms WHERE num IS NOT NULL OR ts IS NOT NULL ORDER BY id")
            #expect(typed.count == 2)
            #expect(typed.contains { $0[0] == "42" })
            #expect(typed.contains { $0[1] == "t" })
            // Round trip through the dictionary, escapes included.
            let gid = try #require(try QuadStore.lookup([g], on: db)[g])
            let back = try QuadStore.quads(inGraphIDs: [gid], on: db)
            #expect(Set(back.map(\.triple)) == Set(triples))
            #expect(back.allSatisfy { $0.graph == g })
            // Replacing a graph drops its old content.
            try db.transaction { try QuadStore.replaceGraphs([g: Array(triples.prefix(1))], on: db) }
            #expect(try QuadStore.count(on: db) == 1)
        }
    }

    @Test func ingestAndTreatAreExactlyOnceAndVersionLateData() throws {
        try withCluster { db, dir in
            let header = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"
            var lines = ""
            // 12 vehicles at MEC-01 between 08:00 and 09:00 local on 2026-10-24, 3 at MEC-02.
            for i in 0..<12 { lines += "31001,BO,2026-10-24T08:\(10 + i):00.000+02:00,51.02,4.48,p\(i),BE,50,personenwagen\n" }
            for i in 0..<3 { lines += "31002,BO,2026-10-24T06:\(10 + i):00.000Z,51.03,4.49,q\(i),BE,50,bus\n" }
            lines += "31001,BO,2026-10-24T08:10:00.000+02:00,51.02,4.48,p0,BE,50,personenwagen\n"   // duplicate
            lines += "31001,BO,not-a-time,51.02,4.48,p0,BE,50,personenwagen\n"                     // quarantined
            let file = dir.appendingPathComponent("a.csv")
            try (header + lines).write(to: file, atomically: true, encoding: .utf8)
            var rejected: [RejectedLine] = []
            let ingestor = Ingestor(pseudonymiser: Pseudonymiser(secret: Data(repeating: 7, count: 32), rotation: .day),
                                    logger: Self.logger)
            let s1 = try ingestor.ingest(path: file.path, on: db) { rejected.append($1) }
            let counts: [Int] = [s1.lines, s1.accepted, s1.duplicates, s1.quarantined]
            #expect(counts == [17, 15, 1, 1])
            #expect(rejected.map(\.lineNumber) == [18])
            let s2 = try ingestor.ingest(path: file.path, on: db) { _, _ in }
            #expect(s2.accepted == 0 && s2.duplicates == 16)

            let iris = IRIScheme(base: "https://kp.example")
            let treatment = Treatment(parameters: TreatmentParameters(), iris: iris, logger: Self.logger)
            let r1 = try treatment.run(on: db)
            #expect(r1.detections == 15)
            #expect(r1.days == 1)
            #expect(try treatment.run(on: db).detections == 0)   // nothing treated twice
            #expect(try StreamMemberIndex.count(stream: "vehicle-counts", on: db) == 4)   // 2 cameras x (hour + day)
            #expect(try StreamMemberIndex.count(stream: "unique-vehicles", on: db) == 4)

            // A late detection re-opens its hour and day: new versions with the new count.
            let late = dir.appendingPathComponent("late.csv")
            try (header + "31001,BO,2026-10-24T08:59:59.999+02:00,51.02,4.48,late,BE,50,bus\n").write(to: late, atomically: true, encoding: .utf8)
            _ = try ingestor.ingest(path: late.path, on: db) { _, _ in }
            let r2 = try treatment.run(on: db)
            #expect(r2.detections == 1)
            #expect(try StreamMemberIndex.count(stream: "vehicle-counts", on: db) == 6)
            let latest = try StreamMemberIndex.latestMemberIDs(stream: "vehicle-counts", on: db)
            #expect(latest.count == 4)
            let quads = try QuadStore.quads(inGraphIDs: latest, on: db)
            let results = quads.filter { $0.predicate == .iri(SOSA.hasSimpleResult) }
            #expect(results.count == 2)
            #expect(results.allSatisfy { $0.object == .integer(13) })
            #expect(results.allSatisfy { $0.subject.iriValue?.hasSuffix("/v2") == true })
            // Pseudonyms: one per vehicle and day, never the plate hash itself.
            let pseudonyms = try db.query("SELECT count(DISTINCT pseudonym), min(length(pseudonym)) FROM detections")
            #expect(pseudonyms[0][0] == "16" && pseudonyms[0][1] == "16")   // p0...p11, q0...q2, late
            // Retention: nothing goes while the treatment passed the data less than 72 h ago.
            #expect(try StagingRetention.purge(keepHours: 72, dryRun: false, on: db).detections == 0)
            try db.execute("UPDATE treatment_runs SET run_at = run_at - interval '80 hours' WHERE id = 1")
            try db.execute("UPDATE ingest_batches SET received_at = received_at - interval '80 hours' WHERE id <= 2")
            // The late detection (treated less than 72 h ago) keeps its whole day: a day is recomputed
            // from all of its detections, so it is never cut in part.
            var plan = try StagingRetention.purge(keepHours: 72, dryRun: true, on: db)
            #expect(plan.detections == 0 && plan.quarantinedLines == 2)
            try db.execute("UPDATE treatment_runs SET run_at = run_at - interval '80 hours'")
            plan = try StagingRetention.purge(keepHours: 72, dryRun: true, on: db)
            #expect(plan.detections == 16 && plan.days == ["2026-10-24"])
            #expect(try StagingRetention.purge(keepHours: 72, dryRun: false, on: db) == plan)
            #expect(try db.query("SELECT count(*) FROM detections")[0][0] == "0")
            #expect(try db.query("SELECT count(*) FROM quarantine")[0][0] == "0")
            // A detection for a purged day cannot be counted: the published values stay, and the run says so.
            let later = dir.appendingPathComponent("later.csv")
            try (header + "31001,BO,2026-10-24T08:30:00+02:00,51.02,4.48,later,BE,50,car\n").write(to: later, atomically: true, encoding: .utf8)
            _ = try ingestor.ingest(path: later.path, on: db) { _, _ in }
            let r3 = try treatment.run(on: db)
            #expect(r3.lateAfterPurge == 1 && r3.observations == 0)
            // No plate hash anywhere in the store.
            let leaked = try db.query("SELECT count(*) FROM terms WHERE lex ~ '(^|[^a-z])(p[0-9]+|late|later|q[0-9])($|[^a-z0-9])'")
            #expect(leaked[0][0] == "0")
        }
    }

    /// A day whose only suppressed hour holds 3 vehicles would reveal it (day - published hours):
    /// another cell is suppressed too, until the hour reaches k.
    @Test func complementarySuppressionOfDays() throws {
        try withCluster { db, dir in
            let header = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"
            func ingest(_ rows: [String], _ name: String) throws {
                let file = dir.appendingPathComponent(name)
                try (header + rows.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
                _ = try Ingestor(pseudonymiser: Pseudonymiser(secret: Data(repeating: 3, count: 32), rotation: .day), logger: Self.logger)
                    .ingest(path: file.path, on: db) { _, _ in }
            }
            let treatment = Treatment(parameters: TreatmentParameters(), iris: IRIScheme(base: "https://kp.example"), logger: Self.logger)
            func latestResults() throws -> [String: Int?] {
                let ids = try StreamMemberIndex.latestMemberIDs(stream: "vehicle-counts", on: db)
                let quads = try QuadStore.quads(inGraphIDs: ids, on: db)
                var out: [String: Int?] = [:]
                for q in quads where q.predicate == .iri(DCT.isVersionOf) {
                    let result = quads.first { $0.subject == q.subject && $0.predicate == .iri(SOSA.hasSimpleResult) }
                    out[String(q.object.lexical.split(separator: "/").suffix(2).joined(separator: "/"))] = result.flatMap { Int($0.object.lexical) }
                }
                return out
            }
            try ingest((0..<12).map { "31005,BO,2026-10-24T08:\(10 + $0):00Z,51,4,a\($0),BE,50,car" }
                       + (0..<3).map { "31005,BO,2026-10-24T09:\(10 + $0):00Z,51,4,b\($0),BE,50,car" }, "one.csv")
            try treatment.run(on: db)
            var results = try latestResults()
            // 3 is suppressed; publishing both 12 and the day (15) would show it: one of them goes
            // too (here the hour, which keeps the day).
            #expect(results["hour/20261024T1100+0200"] == .some(nil))
            #expect(results["hour/20261024T1000+0200"] == .some(nil))
            #expect(results["day/2026-10-24"] == .some(15))
            try ingest((3..<10).map { "31005,BO,2026-10-24T09:\(10 + $0):00Z,51,4,b\($0),BE,50,car" }, "two.csv")
            try treatment.run(on: db)
            results = try latestResults()
            #expect(results["hour/20261024T1100+0200"] == .some(10))
            #expect(results["day/2026-10-24"] == .some(22))
        }
    }

    /// Four complete weeks of data give a time-of-day profile per (weekday, hour); published
    /// through the same versioned stream as every other observation.
    @Test func typicalHourlyProfilesOverFourCompleteWeeks() throws {
        try withCluster { db, dir in
            let header = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"
            var rows: [String] = []
            for (week, day) in ["05+02:00", "12+02:00", "19+02:00", "26+01:00"].enumerated() {   // summer time ends on the 25th
                let (date, offset) = (day.prefix(2), day.suffix(6))
                for i in 0..<(10 + 2 * week) { rows.append("31009,BO,2026-10-\(date)T08:\(10 + i):00\(offset),51,4,w\(week)v\(i),BE,50,car") }
            }
            rows.append("31009,BO,2026-11-01T12:00:00+01:00,51,4,sunday,BE,50,car")   // the window's last day
            let file = dir.appendingPathComponent("weeks.csv")
            try (header + rows.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            _ = try Ingestor(pseudonymiser: Pseudonymiser(secret: Data(repeating: 5, count: 32), rotation: .day), logger: Self.logger)
                .ingest(path: file.path, on: db) { _, _ in }
            try Treatment(parameters: TreatmentParameters(), iris: IRIScheme(base: "https://kp.example"), logger: Self.logger).run(on: db)
            let ids = try StreamMemberIndex.latestMemberIDs(stream: "profiles", on: db)
            #expect(ids.count == 7 * 24)
            let quads = try QuadStore.quads(inGraphIDs: ids, on: db)
            func result(_ suffix: String) -> String? {
                guard let member = quads.first(where: { $0.predicate == .iri(DCT.isVersionOf) && $0.object.lexical.hasSuffix(suffix) })?.subject else { return nil }
                return quads.first { $0.subject == member && $0.predicate == .iri(SOSA.hasSimpleResult) }?.object.lexical
            }
            #expect(result("camera/31009/four-weeks/2026-10-05/mon-08") == "13.00")   // (10 + 12 + 14 + 16) / 4
            #expect(result("camera/31009/four-weeks/2026-10-05/mon-09") == "0.00")
            #expect(result("camera/31009/four-weeks/2026-10-05/sun-12") == nil)       // 1 vehicle: suppressed
        }
    }

    /// An observation that fails its shape is not published: its report is kept in
    /// member_quarantine, and it is tried again on the next run.
    @Test func membersThatFailTheirShapeAreQuarantined() throws {
        try withCluster { db, dir in
            let header = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"
            let rows = (0..<12).map { "31007,BO,2026-10-24T08:\(10 + $0):00+02:00,51,4,v\($0),BE,50,car" }
            let file = dir.appendingPathComponent("d.csv")
            try (header + rows.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            _ = try Ingestor(pseudonymiser: Pseudonymiser(secret: Data(repeating: 9, count: 32), rotation: .day), logger: Self.logger)
                .ingest(path: file.path, on: db) { _, _ in }
            // A shape only speed observations can pass: every other one needs a result above 1000.
            let shape = try Raptor.shared.parse("""
                @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix sosa: <http://www.w3.org/ns/sosa/> .
                <urn:s> a sh:NodeShape ; sh:targetClass sosa:Observation ;
                    sh:or ( [ sh:path sosa:hasSimpleResult ; sh:minInclusive 1000 ]
                            [ sh:path sosa:observedProperty ; sh:hasValue <https://w3id.org/kruispunt#vehicleSpeed> ] ) .
                """, syntax: .turtle, baseIRI: "urn:x").map(\.triple)
            let treatment = Treatment(parameters: TreatmentParameters(), iris: IRIScheme(base: "https://kp.example"),
                                      validator: try SHACLValidator(shapes: shape), logger: Self.logger)
            let run = try treatment.run(on: db)
            #expect(run.rejected > 0 && run.observations > 0)
            #expect(try StreamMemberIndex.count(stream: "vehicle-counts", on: db) == 0)
            #expect(try StreamMemberIndex.count(stream: "speeds", on: db) > 0)
            let quarantined = try db.query("SELECT count(*), min(report) FROM member_quarantine")[0]
            #expect(quarantined[0] == String(run.rejected))
            #expect(quarantined[1]?.contains("OrConstraintComponent") == true)
            // Nothing was recorded as published for the rejected ones: the next run tries again.
            try db.execute("UPDATE treatment_days SET dirty = true")
            #expect(try treatment.run(on: db).rejected == run.rejected)
        }
    }

    /// Quad patterns: one index range each, keyset pages that cover every match exactly once,
    /// exact counts under the threshold and estimates above, unknown terms match nothing.
    @Test func quadPatternsPageThroughEveryMatchOnce() throws {
        try withCluster { db, _ in
            let ex = "http://example.org/"
            var quads: [Quad] = []
            for i in 0..<25 {
                quads.append(Quad(.iri(ex + "s\(i % 5)"), .iri(ex + "p\(i % 3)"), .integer(i), i % 2 == 0 ? .iri(ex + "g") : nil))
            }
            _ = try db.transaction { try QuadStore.insert(quads, on: db) }
            func all(_ pattern: QuadPattern, limit: Int, exactUpTo: Int = 10_000) throws -> ([Quad], [QuadPage]) {
                var pages: [QuadPage] = []
                var cursor: String?
                repeat {
                    let page = try QuadPatterns.match(pattern, after: cursor, limit: limit, exactUpTo: exactUpTo, on: db)
                    pages.append(page)
                    cursor = page.next
                } while cursor != nil
                return (pages.flatMap(\.quads), pages)
            }
            for pattern in [QuadPattern(), QuadPattern(subject: .iri(ex + "s1")), QuadPattern(predicate: .iri(ex + "p2")),
                            QuadPattern(object: .integer(7)), QuadPattern(graph: .named(.iri(ex + "g"))),
                            QuadPattern(graph: .defaultGraph, predicate: .iri(ex + "p0"))] {
                let expected = quads.filter { q in
                    (pattern.subject.map { $0 == q.subject } ?? true) && (pattern.predicate.map { $0 == q.predicate } ?? true)
                        && (pattern.object.map { $0 == q.object } ?? true)
                        && { switch pattern.graph { case .any: true; case .defaultGraph: q.graph == nil; case .named(let g): q.graph == g } }()
                }
                let (found, pages) = try all(pattern, limit: 4)
                #expect(found.count == expected.count && Set(found) == Set(expected), "\(pattern)")
                #expect(pages.allSatisfy { $0.exact && $0.count == expected.count })
            }
            let estimated = try QuadPatterns.match(QuadPattern(), limit: 10, exactUpTo: 5, on: db)
            #expect(!estimated.exact && estimated.count >= 6)
            #expect(try QuadPatterns.match(QuadPattern(subject: .iri(ex + "unknown")), on: db).quads.isEmpty)
            #expect(throws: StoreError.self) { try QuadPatterns.match(QuadPattern(), after: "1.2", on: db) }
            let stats = try QuadStore.statistics(on: db)
            #expect(stats.quads == 25 && stats.graphs == 2 && stats.quadsBytes > 0)
        }
    }

    /// A large load becomes a table of its own under `quads` (indexed after COPY): reads,
    /// duplicates, graph replacement and patterns see it like any other quad.
    @Test func largeLoadsBecomeIndexedTablesUnderQuads() throws {
        try withCluster { db, _ in
            let ex = "http://example.org/"
            let quads = (0..<(BulkLoad.childThreshold + 5_000)).map { i in
                Quad(.iri(ex + "s\(i / 10)"), .iri(ex + "p\(i % 10)"), .integer(i), .iri(ex + "g\(i / 1000)"))
            }
            #expect(try db.transaction { try QuadStore.insert(quads, on: db) } == quads.count)
            let tables = try db.query("SELECT count(*) FROM pg_inherits WHERE inhparent = 'quads'::regclass")[0][0]
            #expect(tables == "1")
            #expect(try db.query("SELECT count(*) FROM ONLY quads")[0][0] == "0")
            #expect(try QuadStore.count(on: db) == quads.count)
            // The same quads again (large or small): nothing new.
            #expect(try db.transaction { try QuadStore.insert(quads, on: db) } == 0)
            #expect(try db.transaction { try QuadStore.insert(Array(quads.prefix(10)), on: db) } == 0)
            // Replacing a graph reaches into the load table.
            try db.transaction { try QuadStore.replaceGraphs([.iri(ex + "g3"): [Triple(.iri(ex + "x"), .iri(ex + "y"), .integer(1))]], on: db) }
            #expect(try QuadStore.count(on: db) == quads.count - 1000 + 1)
            let page = try QuadPatterns.match(QuadPattern(subject: .iri(ex + "s5")), limit: 100, on: db)
            #expect(page.quads.count == 10 && page.exact && page.count == 10)
            #expect(try QuadStore.statistics(on: db).quadsBytes > 8_000_000)
            // A second large load, then compaction merges the two tables into one.
            let more = quads.map { Quad($0.subject, $0.predicate, $0.object, .iri(ex + "h")) }
            #expect(try db.transaction { try QuadStore.insert(more, on: db) } == more.count)
            let before = try QuadStore.count(on: db)
            let two = try QuadStore.loadTables(on: db)
            #expect(two.count == 2)
            #expect(try QuadStore.compact(maxTables: 4, on: db) == 0)
            #expect(try QuadStore.compact(maxTables: 1, on: db) == 1)
            #expect(try QuadStore.loadTables(on: db) == [two[0]])
            #expect(try QuadStore.count(on: db) == before)
            #expect(try QuadPatterns.match(QuadPattern(subject: .iri(ex + "s5")), limit: 100, on: db).count == 20)
            // A large load that repeats its quads (all with new terms): the primary key finds the
            // repeats and one of each is kept.
            let twice = (0..<60_000).map { i in Quad(.iri(ex + "t\(i)"), .iri(ex + "p"), .integer(i % 7), .iri(ex + "k")) }
            #expect(try db.transaction { try QuadStore.insert(twice + twice, on: db) } == twice.count)
            // Stored quads mixed with new ones: only the new ones are added.
            let fresh = (0..<60_000).map { i in Quad(.iri(ex + "u\(i)"), .iri(ex + "p"), .integer(1), .iri(ex + "k")) }
            let total = try QuadStore.count(on: db)
            #expect(try db.transaction { try QuadStore.insert(Array(quads.suffix(50_000)) + fresh, on: db) } == fresh.count)
            #expect(try QuadStore.count(on: db) == total + fresh.count)
        }
    }

    /// Compaction locks the tables it merges in the order a reader of `quads` does (by oid),
    /// also once a merged table keeps an older name with a newer oid: a reader that holds one
    /// table and then wants the other waits for nothing, where name order made a deadlock.
    @Test func compactionAndReadersLockLoadTablesInOneOrder() throws {
        try withCluster { db, dir in
            let ex = "http://example.org/"
            for tag in ["a", "b", "c"] {
                let quads = (0..<BulkLoad.childThreshold).map { i in Quad(.iri(ex + tag + "\(i)"), .iri(ex + "p"), .integer(i), .iri(ex + tag)) }
                _ = try db.transaction { try QuadStore.insert(quads, on: db) }
            }
            #expect(try QuadStore.compact(maxTables: 2, on: db) == 1)
            let tables = try QuadStore.loadTables(on: db)
            let byOID = try db.query("SELECT relname FROM pg_class WHERE relname = ANY($1::text[]) ORDER BY oid",
                                     ["{" + tables.joined(separator: ",") + "}"]).compactMap { $0[0] }
            #expect(tables.count == 2 && byOID == tables.reversed(), "name order and oid order differ: \(tables) \(byOID)")
            let reader = try Connection(conninfo: EmbeddedCluster(dataDirectory: dir, logger: Self.logger).conninfo)
            try reader.execute("BEGIN; SET LOCAL lock_timeout = '30s'; LOCK TABLE \(byOID[0]) IN ACCESS SHARE MODE")
            final class Outcome: @unchecked Sendable { var merged: Int?; var error: Error? }
            let outcome = Outcome(), done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                do { outcome.merged = try QuadStore.compact(maxTables: 1, on: db) } catch { outcome.error = error }
                done.signal()
            }
            Thread.sleep(forTimeInterval: 1)
            try reader.execute("LOCK TABLE \(byOID[1]) IN ACCESS SHARE MODE; COMMIT")
            done.wait()
            #expect(outcome.error == nil, "\(String(describing: outcome.error))")
            #expect(outcome.merged == 1)
            #expect(try QuadStore.count(on: db) == 3 * BulkLoad.childThreshold)
        }
    }

    @Test func retentionDropsWholeLoadTablesOfExpiredMembers() throws {
        try withCluster { db, _ in
            let ex = "http://ex.org/"
            let old: Int64 = 1_735_689_600_000, new: Int64 = 1_767_225_600_000   // 2025-01-01, 2026-01-01
            /// Members `range` (20 quads each, one graph each) in one load, published at `stamps(m)`.
            func publish(_ range: Range<Int>, _ stamp: (Int) -> Int64) throws {
                let member = { (m: Int) in Term.iri(ex + "obs/\(m)/v1") }
                let quads = range.flatMap { m in
                    [Quad(member(m), .iri(DCT.isVersionOf), .iri(ex + "obs/\(m)"), member(m))] +
                        (1..<20).map { k in Quad(member(m), .iri(ex + "p\(k)"), .integer(m * 20 + k), member(m)) }
                }
                try db.transaction {
                    _ = try QuadStore.insert(quads, on: db)
                    for (at, group) in Dictionary(grouping: range, by: stamp) {
                        try StreamMemberIndex.append(group.sorted().map { (stream: "counts", member: member($0), base: .iri(ex + "obs/\($0)")) },
                                                     generatedAt: at, on: db)
                    }
                }
            }
            try db.transaction { _ = try QuadStore.insert([Quad(.iri(ex + "camera"), .iri(ex + "name"), .string("C"))], on: db) }
            try publish(0..<6_000) { _ in old }                        // a table of old members only
            try publish(6_000..<12_000) { $0 % 2 == 0 ? old : new }     // a table of old and new members
            try publish(12_000..<12_010) { _ in old }                  // a small load, poured into quads
            let tables = try QuadStore.loadTables(on: db)
            #expect(tables.count == 2)
            let total = try QuadStore.count(on: db)
            #expect(total == 1 + 12_010 * 20)

            let cutoff = old + 86_400_000
            let dry = try MemberRetention.purge(publishedBeforeMillis: cutoff, dryRun: true, on: db)
            #expect(dry.members == ["counts": 6_000 + 3_000 + 10])
            #expect(dry.droppedTables == [tables[0]] && dry.quadsInDroppedTables == 120_000)
            #expect(dry.quadsDeleted == (3_000 + 10) * 20)
            #expect(try QuadStore.count(on: db) == total)

            let done = try MemberRetention.purge(publishedBeforeMillis: cutoff, dryRun: false, on: db)
            #expect(done == dry)
            #expect(try QuadStore.loadTables(on: db) == [tables[1]])
            #expect(try QuadStore.count(on: db) == 1 + 3_000 * 20)
            #expect(try StreamMemberIndex.count(stream: "counts", on: db) == 3_000)
            #expect(try MemberRetention.horizon(stream: "counts", on: db) == cutoff)
            // What is left is whole: every new member keeps its 20 quads, no old one keeps any.
            #expect(try QuadPatterns.match(QuadPattern(graph: .named(.iri(ex + "obs/6001/v1"))), limit: 100, on: db).count == 20)
            #expect(try QuadPatterns.match(QuadPattern(graph: .named(.iri(ex + "obs/6000/v1"))), limit: 100, on: db).count == 0)
            #expect(try QuadPatterns.match(QuadPattern(subject: .iri(ex + "camera")), limit: 100, on: db).count == 1)
            // Nothing more to remove at the same cutoff.
            #expect(try MemberRetention.purge(publishedBeforeMillis: cutoff, dryRun: false, on: db).members.isEmpty)
        }
    }
}
