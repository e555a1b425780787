// kruispunt-bench: throughput of the first end-to-end slice, from a release build, against
// references measured in the same run on the same file:
//   - PostgreSQL COPY of the raw CSV into an unindexed text table (the physical floor of ingest);
//   - DuckDB (from the project's venv) loading the CSV and computing hourly counts per camera.
// Sizes: KRUISPUNT_BENCH_DETECTIONS (default 1,000,000).
import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntStore
import KruispuntTreatment
import Logging

let logger = Logger(label: "bench")
let target = Int(ProcessInfo.processInfo.environment["KRUISPUNT_BENCH_DETECTIONS"] ?? "") ?? 1_000_000
let work = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kruispunt-bench-\(getpid())")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
func rate(_ n: Int, _ s: Double) -> String { String(format: "%10.0f /s", Double(n) / s) }
func line(_ label: String, _ n: Int, _ s: Double, _ extra: String = "") {
    print(label.padding(toLength: 46, withPad: " ", startingAt: 0) + rate(n, s) + String(format: "  %7.2f s", s) + extra)
}

// 1. Data: a synthetic network sized to about `target` detections (about 4.5 per vehicle and day).
let csv = work.appendingPathComponent("detections.csv")
let network = SyntheticNetwork(cameras: 40, vehicles: max(100, target * 18 / 100), days: 2, startDay: "2026-10-24", seed: 42)
_ = FileManager.default.createFile(atPath: csv.path, contents: nil)
let out = try FileHandle(forWritingTo: csv)
try network.write { out.write(Data($0.utf8)) }
try out.close()
let bytes = (try FileManager.default.attributesOfItem(atPath: csv.path)[.size] as? NSNumber)?.intValue ?? 0
let header = try String(contentsOf: csv, encoding: .utf8).prefix(200).split(separator: "\n")[0]

// 2. Parse, validate and pseudonymise only (no database).
let benchSecret = Data((0..<32).map { UInt8($0) })
var pseudonymiser = Pseudonymiser(secret: benchSecret, rotation: .day)
var parsed = 0
let parseSeconds = try seconds {
    let reader = try DetectionCSVReader(header: String(header))
    guard let f = fopen(csv.path, "r") else { fatalError("cannot open \(csv.path)") }
    defer { fclose(f) }
    var buffer: UnsafeMutablePointer<CChar>?
    var capacity = 0
    _ = getline(&buffer, &capacity, f)
    var number = 1
    while true {
        let n = getline(&buffer, &capacity, f)
        if n < 0 { break }
        number += 1
        let len = n > 0 && buffer![n - 1] == 10 ? n - 1 : n
        let result = buffer!.withMemoryRebound(to: UInt8.self, capacity: len) {
            reader.read(line: UnsafeBufferPointer(start: $0, count: len), number: number, pseudonymiser: &pseudonymiser)
        }
        if case .detection = result { parsed += 1 }
    }
    free(buffer)
}
print("Kruispunt benchmark: \(parsed) detections, \(bytes / 1_000_000) MB of canonical CSV, \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
line("parse + validate + pseudonymise (1 core)", parsed, parseSeconds)

// 3. The embedded cluster, then ingest and treatment.
let cluster = try EmbeddedCluster(dataDirectory: work.appendingPathComponent("data"), logger: logger)
try cluster.start()
defer { cluster.stop() }
let db = try Connection(conninfo: cluster.conninfo)
try Migrations.apply(on: db)

var summary = IngestSummary()
let ingestSeconds = try seconds { summary = try Ingestor(pseudonymiser: Pseudonymiser(secret: benchSecret, rotation: .day), logger: logger).ingest(path: csv.path, on: db) { _, _ in } }
line("ingest: parse, validate, COPY, dedupe", summary.accepted, ingestSeconds)

var treated = TreatmentSummary()
let treatment = Treatment(parameters: TreatmentParameters(), iris: IRIScheme(base: "http://localhost:8080"), logger: logger)
let treatSeconds = try seconds { treated = try treatment.run(on: db) }
line("treat: hourly + daily counts -> quads", treated.detections, treatSeconds, "  (\(treated.observations) observations)")
let endToEnd = ingestSeconds + treatSeconds
line("end to end: CSV -> published observations", summary.accepted, endToEnd)

// 4. Reference: PostgreSQL COPY of the same file into a plain table (no parsing in Swift).
try db.execute("CREATE UNLOGGED TABLE copy_reference (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text, c7 text, c8 text, c9 text)")
let copySeconds = try seconds {
    try db.copyIn("COPY copy_reference FROM STDIN WITH (FORMAT csv, HEADER true)") { send in
        let handle = try FileHandle(forReadingFrom: csv)
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try send(String(decoding: chunk, as: UTF8.self)) }
    }
}
line("reference: PostgreSQL COPY of the raw CSV", parsed, copySeconds)

// 5. Reference: DuckDB loading the CSV and counting per camera and hour (if the venv has it).
var duckSeconds: Double?
let python = FileManager.default.currentDirectoryPath + "/.venv/bin/python"
if FileManager.default.isExecutableFile(atPath: python) {
    let script = """
        import sys, time
        try:
            import duckdb
        except ImportError:
            print("missing"); sys.exit(0)
        con = duckdb.connect(); con.execute("SET threads = 2")
        t = time.perf_counter()
        con.execute("CREATE TABLE d AS SELECT * FROM read_csv_auto(?, header=true)", [sys.argv[1]])
        con.execute("SELECT camera_id, date_trunc('hour', timestamp::TIMESTAMPTZ) h, count(*) FROM d GROUP BY 1, 2").fetchall()
        print(time.perf_counter() - t)
        """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = ["-c", script, csv.path]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    p.waitUntilExit()
    duckSeconds = Double(text)
    if let s = duckSeconds { line("reference: DuckDB load + hourly counts (2 thr)", parsed, s) } else { print("reference: DuckDB not available (\(text))") }
}

print("\nRatios (higher is better for Kruispunt):")
print(String(format: "  ingest vs PostgreSQL COPY of the raw file:   %.2f", copySeconds / ingestSeconds))
print(String(format: "  end to end vs PostgreSQL COPY:              %.2f", copySeconds / endToEnd))
if let d = duckSeconds {
    print(String(format: "  end to end vs DuckDB load + hourly counts:  %.2f", d / endToEnd))
}
