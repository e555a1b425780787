import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntStore
import KruispuntTreatment
import Testing

/// A treatment run holds the staging lock only while it reads the highest committed id, so an
/// ingestion commits while a run is in flight; the run may read the new detections in its later
/// statements, the next run treats them as new, and the latest versions equal one run over all.
extension EmbeddedStoreTests {
    static let concurrencyHeader = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type\n"

    /// 14 vehicles at 31001 and 6 at 31002 on 2026-10-24 (08:00 to 09:00 local), then 5 and 6 more.
    static func concurrencyBatch(_ n: Int) -> String {
        let (a, b) = n == 1 ? (0..<14, 0..<6) : (14..<19, 6..<12)
        return concurrencyHeader
            + a.map { "31001,BO,2026-10-24T08:\(10 + $0):00.000+02:00,51.02,4.48,p\($0),BE,50,personenwagen\n" }.joined()
            + b.map { "31002,BO,2026-10-24T06:\(10 + $0):00.000Z,51.03,4.49,q\($0),BE,50,bus\n" }.joined()
    }

    /// The latest value of every observation (version suffix dropped), per metric stream.
    static func latestResults(on db: Connection) throws -> [String: String] {
        var results: [String: String] = [:]
        for stream in ["vehicle-counts", "unique-vehicles"] {
            let quads = try QuadStore.quads(inGraphIDs: try StreamMemberIndex.latestMemberIDs(stream: stream, on: db), on: db)
            for q in quads where q.predicate == .iri(SOSA.hasSimpleResult) {
                let subject = (q.subject.iriValue ?? "").replacingOccurrences(of: #"/v[0-9]+$"#, with: "", options: .regularExpression)
                results[subject] = "\(q.object)"
            }
        }
        return results
    }

    func ingest(batch n: Int, into dir: URL, on db: Connection) throws -> IngestSummary {
        let file = dir.appendingPathComponent("batch\(n).csv")
        try Self.concurrencyBatch(n).write(to: file, atomically: true, encoding: .utf8)
        return try Ingestor(pseudonymiser: Pseudonymiser(secret: Data(repeating: 4, count: 32), rotation: .day), logger: Self.logger)
            .ingest(path: file.path, on: db) { _, _ in }
    }

    @Test func ingestionCommitsWhileATreatmentRunIsInFlight() throws {
        let treatment = Treatment(parameters: TreatmentParameters(), iris: IRIScheme(base: "https://kp.example"), logger: Self.logger)
        var reference: [String: String] = [:]
        try withCluster { db, dir in
            _ = try ingest(batch: 1, into: dir, on: db)
            _ = try ingest(batch: 2, into: dir, on: db)
            #expect(try treatment.run(on: db).detections == 31)
            reference = try Self.latestResults(on: db)
        }
        #expect(reference.count == 8 && reference.values.contains("\(Term.integer(19))"))

        try withCluster { db, dir in
            let conninfo = try EmbeddedCluster(dataDirectory: dir, logger: Self.logger).conninfo
            let uploader = try Connection(conninfo: conninfo), blocker = try Connection(conninfo: conninfo)
            #expect(try ingest(batch: 1, into: dir, on: db).accepted == 20)
            // The run is held at its first write (after it read the committed horizon) by a
            // transaction that locks the table of days against writes.
            try blocker.execute("BEGIN; LOCK TABLE treatment_days IN EXCLUSIVE MODE")
            let finished = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var first: Result<TreatmentSummary, Error>?
            DispatchQueue.global().async {
                first = Result(catching: { try treatment.run(on: db) })
                finished.signal()
            }
            let waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO treatment_days%'"
            var held = false
            for _ in 0..<200 where !held {
                held = try uploader.query(waiting)[0][0] == "1"
                if !held { Thread.sleep(forTimeInterval: 0.05) }
            }
            #expect(held)
            // The upload does not wait for the run (the timeout fails it if it does).
            try uploader.execute("SET statement_timeout = '20s'")
            #expect(try ingest(batch: 2, into: dir, on: uploader).accepted == 11)
            #expect(try uploader.query(waiting)[0][0] == "1")
            try blocker.execute("COMMIT")
            finished.wait()
            // The run treated the ids up to its horizon; the upload's are the next run's.
            #expect(try first?.get().detections == 20)
            #expect(try treatment.run(on: db).detections == 11)
            #expect(try treatment.run(on: db).detections == 0)
            #expect(try Self.latestResults(on: db) == reference)
        }
    }
}
