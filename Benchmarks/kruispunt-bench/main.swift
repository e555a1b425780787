// kruispunt-bench: throughput of ingestion and treatment from a release build, against
// references measured in the same run on the same files:
//   - PostgreSQL COPY of the raw CSV into an unindexed text table (the physical floor of ingest);
//   - DuckDB (scripts/bench_duckdb.py in the project's venv, 2 threads) loading the CSV and
//     computing hourly counts per camera and hourly OD flows.
// Sizes: KRUISPUNT_BENCH_DETECTIONS (default 1,000,000); KRUISPUNT_BENCH_LARGE (default
// 10,000,000; 0 skips) for the in-memory treatment's peak RSS and the DuckDB reference at scale.
// The quad store's figures are in StoreBench.swift (KRUISPUNT_BENCH_ONLY=store runs only those;
// KRUISPUNT_BENCH_SCALE_QUADS=50000000 adds the scale run), publishing's in PublishingBench.swift
// (KRUISPUNT_BENCH_ONLY=publishing), SPARQL-lite's in SPARQLBench.swift (KRUISPUNT_BENCH_ONLY=sparql).
import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntStore
import KruispuntTreatment
import Logging

let logger = Logger(label: "bench")
let environment = ProcessInfo.processInfo.environment
let benchSecret = Data((0..<32).map { UInt8($0) })

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
func rate(_ n: Int, _ s: Double) -> String { String(format: "%10.0f /s", Double(n) / s) }
func line(_ label: String, _ n: Int, _ s: Double, _ extra: String = "") {
    print(label.padding(toLength: 50, withPad: " ", startingAt: 0) + rate(n, s) + String(format: "  %7.2f s", s) + extra)
}
/// Peak resident set size of this process in MB (VmHWM: unlike ru_maxrss, not inherited from
/// the parent across exec).
func peakRSS() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
    return kb / 1024
}

/// A synthetic network of one city with `cameras` cameras sized to about `target` detections.
func network(target: Int) -> SyntheticNetwork {
    SyntheticNetwork(cameras: 40, vehicles: max(100, target * 18 / 100), days: 2, startDay: "2026-10-24", seed: 42)
}

func zoneNetwork(_ network: SyntheticNetwork) throws -> ZoneNetwork {
    var zones: [String: ZoneNetwork.Zone] = [:]
    for z in try Registry.zones(csv: network.zonesCSV()) {
        zones[z.zoneID, default: ZoneNetwork.Zone(id: z.zoneID, name: z.zoneName)].add(camera: z.cameraID, role: z.role)
    }
    return ZoneNetwork(Array(zones.values))
}

func writeCSV(_ network: SyntheticNetwork, to url: URL) throws -> Int {
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let out = try FileHandle(forWritingTo: url)
    var buffer = ""
    try network.write { text in
        buffer += text
        if buffer.utf8.count > 1 << 20 { out.write(Data(buffer.utf8)); buffer = "" }
    }
    out.write(Data(buffer.utf8))
    try out.close()
    return (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
}

/// Reads a CSV file line by line (getline), parsing and pseudonymising each.
func forEachDetection(in path: String, _ body: (Detection) -> Void) throws -> Int {
    guard let f = fopen(path, "r") else { throw StoreError("cannot open \(path)") }
    defer { fclose(f) }
    var buffer: UnsafeMutablePointer<CChar>?
    var capacity = 0
    let headerLength = getline(&buffer, &capacity, f)
    let header = String(cString: buffer!).prefix(max(0, headerLength - 1))
    let reader = try DetectionCSVReader(header: String(header))
    var pseudonymiser = Pseudonymiser(secret: benchSecret, rotation: .day)
    var number = 1, parsed = 0
    while true {
        let n = getline(&buffer, &capacity, f)
        if n < 0 { break }
        number += 1
        let len = n > 0 && buffer![n - 1] == 10 ? n - 1 : n
        let result = buffer!.withMemoryRebound(to: UInt8.self, capacity: len) {
            reader.read(line: UnsafeBufferPointer(start: $0, count: len), number: number, pseudonymiser: &pseudonymiser)
        }
        if case .detection(let d) = result { body(d); parsed += 1 }
    }
    free(buffer)
    return parsed
}

/// Parsing on two producer threads: the file is cut into chunks of whole lines, thread t parses
/// chunks t, t + 2, ...; the consumer takes them in file order (so event time order is kept).
final class DetectionQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: [Detection]] = [:]
    private var next = 0
    private let chunks: Int

    init(path: String, threads: Int = 2, chunkBytes: Int = 4 << 20) {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        chunks = max(1, (size + chunkBytes - 1) / chunkBytes)
        // The header, then each chunk read with pread (not mapped: the peak RSS is the treatment's).
        let fd = open(path, O_RDONLY)
        var head = [UInt8](repeating: 0, count: 4096)
        let headLength = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 4096, 0) }
        let headerEnd = head[0..<max(0, headLength)].firstIndex(of: 10) ?? max(0, headLength)
        let header = String(decoding: head[0..<headerEnd], as: UTF8.self)
        for t in 0..<threads {
            let thread = Thread { [self] in
                guard let reader = try? DetectionCSVReader(header: header) else { return }
                var pseudonymiser = Pseudonymiser(secret: benchSecret, rotation: .day)
                var buffer = [UInt8](repeating: 0, count: chunkBytes + (1 << 16))
                var chunk = t
                while chunk < chunks {
                    // Lines that start in [start, end) belong to this chunk; read from start - 1 to see
                    // whether a line starts exactly at start, and past end to finish the last line.
                    let from = max(chunk * chunkBytes - 1, headerEnd)
                    let end = min((chunk + 1) * chunkBytes, size)
                    var length = 0
                    while true {
                        let want = min(end - from + (1 << 16) * (length == 0 ? 1 : 2), size - from)
                        if buffer.count < want { buffer = [UInt8](repeating: 0, count: want) }
                        length = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(from)) }
                        if from + length >= size || buffer[(end - from)..<length].contains(10) { break }
                    }
                    var batch: [Detection] = []
                    batch.reserveCapacity(chunkBytes / 120)
                    buffer.withUnsafeBufferPointer { bytes in
                        var lineStart = 0
                        while lineStart < length && bytes[lineStart] != 10 { lineStart += 1 }
                        lineStart += 1                       // the first line that starts at or after start
                        while from + lineStart < end {
                            var lineEnd = lineStart
                            while lineEnd < length && bytes[lineEnd] != 10 { lineEnd += 1 }
                            if lineEnd > lineStart,
                               case .detection(let d) = reader.read(line: UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd]), number: 0,
                                                                    pseudonymiser: &pseudonymiser) {
                                batch.append(d)
                            }
                            lineStart = lineEnd + 1
                        }
                    }
                    put(chunk, batch)
                    chunk += threads
                }
            }
            thread.start()
        }
    }

    private func put(_ chunk: Int, _ batch: [Detection]) {
        condition.lock()
        while chunk - next >= 8 { condition.wait() }
        ready[chunk] = batch
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk's detections in file order; nil after the last.
    func take() -> [Detection]? {
        condition.lock()
        defer { condition.unlock() }
        guard next < chunks else { return nil }
        while ready[next] == nil { condition.wait() }
        let batch = ready.removeValue(forKey: next)
        next += 1
        condition.broadcast()
        return batch
    }
}

/// The treatment in memory: parse, validate, pseudonymise, compute every metric and protect small
/// counts (no observation writing).
func computeInMemory(path: String, zones: ZoneNetwork) -> (detections: Int, cells: Int, published: Int, seconds: Double, peakHeld: Int) {
    var windows = DayWindows(parameters: TreatmentParameters(), zones: zones)
    var detections = 0, cells = 0, published = 0
    let s = seconds {
        let queue = DetectionQueue(path: path)
        func count(_ out: [Cell]) {
            cells += out.count
            for c in out where c.isPublished { published += 1 }
        }
        while let batch = queue.take() {
            detections += batch.count
            for d in batch { count(windows.add(d)) }
        }
        count(windows.finish())
    }
    return (detections, cells, published, s, windows.peakHeld)
}

/// DuckDB reference (scripts/bench_duckdb.py): seconds, or nil when the venv lacks DuckDB.
func duckDB(_ path: String) -> (total: Double, text: String)? {
    let python = FileManager.default.currentDirectoryPath + "/.venv/bin/python"
    let script = FileManager.default.currentDirectoryPath + "/scripts/bench_duckdb.py"
    guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: script) else { return nil }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = [script, path]
    let pipe = Pipe()
    p.standardOutput = pipe
    guard (try? p.run()) != nil else { return nil }
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    p.waitUntilExit()
    guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
          let total = json["total_s"] as? Double else { print("reference: DuckDB not available (\(text.prefix(200)))"); return nil }
    return (total, text)
}

// A child run: the in-memory treatment of one file, for its own peak RSS.
if CommandLine.arguments.count == 4 && CommandLine.arguments[1] == "compute" {
    let zones = try zoneNetwork(network(target: Int(CommandLine.arguments[3]) ?? 1_000_000))
    let r = computeInMemory(path: CommandLine.arguments[2], zones: zones)
    print("{\"detections\":\(r.detections),\"seconds\":\(r.seconds),\"peak_rss_mb\":\(peakRSS()),\"peak_held\":\(r.peakHeld),\"cells\":\(r.cells)}")
    exit(0)
}

let target = Int(environment["KRUISPUNT_BENCH_DETECTIONS"] ?? "") ?? 1_000_000
let large = Int(environment["KRUISPUNT_BENCH_LARGE"] ?? "") ?? 10_000_000
let work = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kruispunt-bench-\(getpid())")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
// KRUISPUNT_BENCH_KEEP=1 leaves the work folder (stores, files) for a look afterwards.
let keep = environment["KRUISPUNT_BENCH_KEEP"] == "1"
defer { if !keep { try? FileManager.default.removeItem(at: work) } }

// KRUISPUNT_BENCH_ONLY=store, publishing or sparql: only the quad store's (StoreBench.swift),
// publishing's (PublishingBench.swift) or SPARQL-lite's (SPARQLBench.swift) figures.
if let only = environment["KRUISPUNT_BENCH_ONLY"], ["store", "publishing", "sparql"].contains(only) {
    let ratios = only == "store" ? try StoreBench.run(work: work, logger: logger)
        : only == "publishing" ? try PublishingBench.run(work: work, logger: logger) : try SPARQLBench.run(work: work, logger: logger)
    print("\nRatios:")
    ratios.forEach { print($0) }
    if keep { print("kept \(work.path)") } else { try? FileManager.default.removeItem(at: work) }
    exit(0)
}

// 1. Data: a synthetic network sized to about `target` detections (about 4.5 per vehicle and day).
let csv = work.appendingPathComponent("detections.csv")
let net = network(target: target)
let bytes = try writeCSV(net, to: csv)
let zones = try zoneNetwork(net)

// 2. Parse, validate and pseudonymise only (no database).
var parsed = 0
let parseSeconds = try seconds { parsed = try forEachDetection(in: csv.path) { _ in } }
print("Kruispunt benchmark: \(parsed) detections, \(bytes / 1_000_000) MB of canonical CSV, \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
line("parse + validate + pseudonymise (1 core)", parsed, parseSeconds)

// 3. The whole treatment in memory (parse on one thread, every metric on the other).
let memory = computeInMemory(path: csv.path, zones: zones)
line("treatment in memory: parse (2 thr) + all metrics", memory.detections, memory.seconds,
     "  (\(memory.cells) cells, \(memory.published) published)")

// 4. The embedded cluster, then ingest and the database treatment.
let cluster = try EmbeddedCluster(dataDirectory: work.appendingPathComponent("data"), logger: logger)
try cluster.start()
defer { cluster.stop() }
let db = try Connection(conninfo: cluster.conninfo)
try Migrations.apply(on: db)
_ = try Registry.importZones(try Registry.zones(csv: net.zonesCSV()), on: db)

var summary = IngestSummary()
let ingestSeconds = try seconds { summary = try Ingestor(pseudonymiser: Pseudonymiser(secret: benchSecret, rotation: .day), logger: logger).ingest(path: csv.path, on: db) { _, _ in } }
line("ingest: parse, validate, COPY, dedupe", summary.accepted, ingestSeconds)

var treated = TreatmentSummary()
let treatment = Treatment(parameters: TreatmentParameters(), iris: IRIScheme(base: "http://localhost:8080"), logger: logger)
let treatSeconds = try seconds { treated = try treatment.run(on: db) }
line("treat: all metrics -> quads", treated.detections, treatSeconds, "  (\(treated.observations) observations)")
let endToEnd = ingestSeconds + treatSeconds
line("end to end: CSV -> published observations", summary.accepted, endToEnd)

// 5. Reference: PostgreSQL COPY of the same file into a plain table (no parsing in Swift).
try db.execute("CREATE UNLOGGED TABLE copy_reference (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text, c7 text, c8 text, c9 text)")
let copySeconds = try seconds {
    try db.copyIn("COPY copy_reference FROM STDIN WITH (FORMAT csv, HEADER true)") { send in
        let handle = try FileHandle(forReadingFrom: csv)
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try send(String(decoding: chunk, as: UTF8.self)) }
    }
}
line("reference: PostgreSQL COPY of the raw CSV", parsed, copySeconds)

// 6. Reference: DuckDB loading the CSV, hourly counts per camera and hourly OD flows.
let duck = duckDB(csv.path)
if let duck { line("reference: DuckDB load + counts + OD flows (2 thr)", parsed, duck.total) }

print("\nRatios (higher is better for Kruispunt):")
print(String(format: "  ingest vs PostgreSQL COPY of the raw file:        %.2f", copySeconds / ingestSeconds))
if let duck {
    print(String(format: "  treatment in memory vs DuckDB (target >= 2):     %.2f", duck.total / memory.seconds))
    print(String(format: "  end to end into the store vs DuckDB (target >= 1): %.2f", duck.total / endToEnd))
}

// 7. Memory: the in-memory treatment of 1 M and `large` detections, each in its own process.
func child(_ path: String, size: Int) -> [String: Any]? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    p.arguments = ["compute", path, String(size)]
    let pipe = Pipe()
    p.standardOutput = pipe
    guard (try? p.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
}
print("\nPeak memory of the in-memory treatment (its own process):")
var sizes = [(target, csv.path)]
if large > target {
    let big = work.appendingPathComponent("large.csv")
    _ = try writeCSV(network(target: large), to: big)
    sizes.append((large, big.path))
}
for (size, path) in sizes {
    guard let r = child(path, size: size), let n = r["detections"] as? Int, let s = r["seconds"] as? Double,
          let rss = r["peak_rss_mb"] as? Double, let held = r["peak_held"] as? Int else { print("  (child run failed)"); continue }
    var extra = String(format: "  peak RSS %6.0f MB, at most %d detections held", rss, held)
    if size != target, let d = duckDB(path) {
        extra += String(format: "; DuckDB %.1f s, ratio %.2f", d.total, d.total / s)
    }
    line("  in memory, \(n) detections", n, s, extra)
}

// 8. The quad store (issue 5).
let storeRatios = try StoreBench.run(work: work, logger: logger)
print("\nQuad store ratios:")
storeRatios.forEach { print($0) }

// 9. Publishing (issue 6).
let publishingRatios = try PublishingBench.run(work: work, logger: logger)
print("\nPublishing ratios:")
publishingRatios.forEach { print($0) }

// 10. SPARQL-lite (issue 7).
let sparqlRatios = try SPARQLBench.run(work: work, logger: logger)
print("\nSPARQL-lite ratios:")
sparqlRatios.forEach { print($0) }
