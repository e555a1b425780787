// Publishing's figures (issue 6), with the release `kruispunt serve` on a store of generated
// observations (KRUISPUNT_BENCH_HARVEST_MEMBERS, default 1,000,000, 1,000 per hour of publication):
//   - a full harvest of the stream by a client that follows links from the stream IRI
//     (scripts/bench_harvest.py, 4 requests in flight), in N-Quads and in JSON-LD, against the
//     reference LDES server's best figure (3,700 members per second, the issue's number: that
//     Java server cannot run here);
//   - immutable page requests and Triple Pattern Fragment first pages at 32 connections
//     (scripts/bench_pages.py, wrk), with p50 and p99.
import Foundation
import KruispuntPublishing
import KruispuntRDF
import KruispuntStore
import Logging

enum PublishingBench {
    static let referenceMembersPerSecond = 3_700.0
    static let perHour = 1_000

    static func run(work: URL, logger: Logger) throws -> [String] {
        var ratios: [String] = []
        let members = Int(environment["KRUISPUNT_BENCH_HARVEST_MEMBERS"] ?? "") ?? 1_000_000
        let dataDir = work.appendingPathComponent("publishing")
        let port = 18_000 + Int(getpid() % 1_000)
        let base = "http://127.0.0.1:\(port)"
        print("\nPublishing (issue 6):")
        let loadSeconds = try load(members: members, dataDir: dataDir, base: base, logger: logger)
        line("store of generated members (19 quads each)", members * GeneratedObservations.perMember, loadSeconds, "  (load, not a target)")

        var server = try serve(dataDir: dataDir, port: port)
        defer { server.terminate(); server.waitUntilExit() }
        guard waitUntilReady(base) else { print("  the server did not become ready"); return ratios }
        let stream = base + "/streams/vehicle-counts"
        for format in ["nquads", "jsonld"] {
            let text = StoreBench.python(["scripts/bench_harvest.py", stream, "--format", format, "--concurrency", "4"])
            guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let found = json["members"] as? Int, let s = json["seconds"] as? Double, let pages = json["pages"] as? Int else {
                print("  harvest \(format) failed: \(text.suffix(300))"); continue
            }
            line("harvest, \(format), following links", found, s, "  (\(pages) pages, \(found == members ? "every member" : "MISSING \(members - found)"))")
            ratios.append(String(format: "  harvest %@ members/s (target >= 15,000):            %.0f", format, Double(found) / s))
            ratios.append(String(format: "  harvest %@ vs the reference LDES server (target >= 4): %.2f", format,
                                 Double(found) / s / referenceMembersPerSecond))
        }

        // Immutable pages: the first page of every closed hour; TPF: a member's triples.
        let hours = (members + perHour - 1) / perHour
        let pagePaths = (0..<(hours - 1)).map { "/streams/vehicle-counts/by-time/" + TimePeriod(containing: start + Int64($0) * 3_600_000, unit: .hour).name }
        let tpfPaths = (0..<1_000).map { _ in
            "/fragments?subject=" + IRIScheme.segment(GeneratedObservations.observation(Int.random(in: 0..<members)) + "/v1")
        }
        /// Requests per second and p99 of `seconds` of wrk over `paths`, printed.
        func measure(_ label: String, _ paths: [String], _ accept: String, seconds: Int = 10) throws -> (rps: Double, p99: Double)? {
            let file = work.appendingPathComponent("paths-\(label.hashValue).txt")
            try paths.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            let text = StoreBench.python(["scripts/bench_pages.py", base, file.path, "--accept", accept, "--duration", String(seconds)])
            guard let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  json["available"] as? Bool == true, let rps = json["requests_per_second"] as? Double,
                  let p50 = json["p50_ms"] as? Double, let p99 = json["p99_ms"] as? Double else {
                print("  \(label): wrk not available (\(text.suffix(300)))"); return nil
            }
            let errors = json["errors"] as? Int ?? 0
            print(String(format: "%@ %10.0f req/s  p50 %.2f ms  p99 %.2f ms%@", label.padding(toLength: 50, withPad: " ", startingAt: 0),
                         rps, p50, p99, errors > 0 ? "  (\(errors) errors)" : ""))
            return (rps, p99)
        }
        for (label, paths, accept, target, floor) in [
            ("immutable pages, N-Quads, 32 connections", pagePaths, "application/n-quads", "5,000", 5_000.0),
            ("immutable pages, Turtle, 32 connections", pagePaths, "text/turtle", "5,000", 5_000.0),
            ("TPF first pages, N-Quads, 32 connections", tpfPaths, "application/n-quads", "2,000", 2_000.0),
        ] {
            guard let (rps, p99) = try measure(label, paths, accept) else { continue }
            ratios.append(String(format: "  %@ req/s (target >= %@): %.0f (x%.2f), p99 %.1f ms (target < 50)",
                                 label, target, rps, rps / floor, p99))
        }

        // What the access log costs (issue 9): fresh servers with and without it, five each in
        // the order on, off, off, on, on, off… (a drift of the machine's rate cancels out). One
        // fresh server against another varies by about 10 %, more than the log costs, so the
        // figure comes with its standard error. Also the CPU time the server and its database
        // processes spend per request.
        let pathsFile = work.appendingPathComponent("paths-cached-pages.txt")
        try pagePaths.joined(separator: "\n").write(to: pathsFile, atomically: true, encoding: .utf8)
        var rates: [Bool: [Double]] = [true: [], false: []]
        var cpu: [Bool: [Double]] = [true: [], false: []]
        for logged in [true, false, false, true, true, false, false, true, true, false] {
            server.terminate()
            server.waitUntilExit()
            server = try serve(dataDir: dataDir, port: port, environment: ["KRUISPUNT_ACCESS_LOG": logged ? "on" : "off"])
            guard waitUntilReady(base) else { print("  the server did not become ready"); return ratios }
            // Pages rendered and cached first, so that the CPU measured is that of serving them.
            _ = StoreBench.python(["scripts/bench_pages.py", base, pathsFile.path, "--accept", "application/n-quads", "--duration", "1"])
            let before = ProcessCPU.seconds(server: server.processIdentifier, dataDir: dataDir)
            guard let m = try measure("immutable pages, N-Quads, access log \(logged ? "on" : "off")", pagePaths, "application/n-quads",
                                      seconds: 6) else { continue }
            Thread.sleep(forTimeInterval: 1)   // the access log's last entries written
            let used = ProcessCPU.seconds(server: server.processIdentifier, dataDir: dataDir) - before
            rates[logged]!.append(m.rps)
            cpu[logged]!.append(used / (m.rps * 6 + Double(pagePaths.count)) * 1e6)
        }
        if let on = rates[true], let off = rates[false], on.count == 5, off.count == 5 {
            let (a, b) = (Stats.mean(on), Stats.mean(off))
            let error = (Stats.variance(on) / 5 + Stats.variance(off) / 5).squareRoot() / b
            ratios.append(String(format: "  access log cost on immutable pages (target < 5%%): %.1f%% ± %.1f%% (%.0f against %.0f req/s, five fresh servers each)",
                                 (1 - a / b) * 100, error * 100, a, b))
            let (perOn, perOff) = (Stats.mean(cpu[true]!), Stats.mean(cpu[false]!))
            ratios.append(String(format: "  access log CPU per request (server and database):  %.0f against %.0f µs (+%.1f%%)",
                                 perOn, perOff, (perOn / perOff - 1) * 100))
        }

        // The same on one server whose log SIGUSR1 pauses and resumes (KRUISPUNT_ACCESS_LOG=
        // switchable): windows in the order on, off, off, on…, so that the differences between
        // fresh servers drop out and only the windows' own spread is left.
        server.terminate()
        server.waitUntilExit()
        server = try serve(dataDir: dataDir, port: port, environment: ["KRUISPUNT_ACCESS_LOG": "switchable"])
        guard waitUntilReady(base) else { print("  the server did not become ready"); return ratios }
        _ = StoreBench.python(["scripts/bench_pages.py", base, pathsFile.path, "--accept", "application/n-quads", "--duration", "2"])
        rates = [true: [], false: []]
        cpu = [true: [], false: []]
        var logging = true
        let windows = Int(environment["KRUISPUNT_BENCH_LOG_WINDOWS"] ?? "") ?? 8
        for window in 0..<(2 * windows) {
            let logged = [true, false, false, true][window % 4]
            if logged != logging { kill(server.processIdentifier, SIGUSR1); logging = logged }
            Thread.sleep(forTimeInterval: 0.5)
            let before = ProcessCPU.seconds(server: server.processIdentifier, dataDir: dataDir)
            guard let m = try measure("  one server, access log \(logged ? "on" : "off")", pagePaths, "application/n-quads", seconds: 4) else { continue }
            Thread.sleep(forTimeInterval: 1)   // the window's last entries written
            let used = ProcessCPU.seconds(server: server.processIdentifier, dataDir: dataDir) - before
            rates[logged]!.append(m.rps)
            cpu[logged]!.append(used / (m.rps * 4) * 1e6)
        }
        if let on = rates[true], let off = rates[false], on.count == windows, off.count == windows {
            let (a, b) = (Stats.mean(on), Stats.mean(off))
            let n = Double(windows)
            let error = (Stats.variance(on) / n + Stats.variance(off) / n).squareRoot() / b
            ratios.append(String(format: "  access log cost, one server switching (target < 5%%): %.1f%% ± %.1f%% (%.0f against %.0f req/s, %d windows each)",
                                 (1 - a / b) * 100, error * 100, a, b, windows))
            let (perOn, perOff) = (Stats.mean(cpu[true]!), Stats.mean(cpu[false]!))
            let cpuError = (Stats.variance(cpu[true]!) / n + Stats.variance(cpu[false]!) / n).squareRoot() / perOff
            ratios.append(String(format: "  access log CPU per request, one server:  %.0f against %.0f µs (+%.1f%% ± %.1f%%)",
                                 perOn, perOff, (perOn / perOff - 1) * 100, cpuError * 100))
        }
        return ratios
    }

    /// 2026-01-01T00:00Z: the first hour of publication.
    static let start: Int64 = 1_767_225_600_000

    /// Generated members in loads of 100,000, published 1,000 per hour from `start`.
    static func load(members: Int, dataDir: URL, base: String, logger: Logger) throws -> Double {
        try loadGenerated(members: members, cameras: GeneratedObservations.cameras, dataDir: dataDir, base: base, logger: logger,
                          batch: { batch, db in
            for hourStart in stride(from: batch.lowerBound, to: batch.upperBound, by: perHour) {
                let group = hourStart..<min(batch.upperBound, hourStart + perHour)
                let at = start + Int64(hourStart / perHour) * 3_600_000 + 60_000
                try StreamMemberIndex.append(group.map { (stream: "vehicle-counts", member: GeneratedObservations.member($0),
                                                          base: .iri(GeneratedObservations.observation($0))) },
                                             generatedAt: at, on: db)
            }
        })
    }

    /// A fresh store of generated members (timed, with ANALYZE): loads of 100,000 members, each
    /// one transaction, whose quads are also handed to `chunk` (about 500,000 at a time) and whose
    /// range is handed to `batch` before it commits.
    static func loadGenerated(members: Int, cameras: Int, dataDir: URL, base: String, logger: Logger,
                              chunk: ([Quad]) throws -> Void = { _ in },
                              batch: (Range<Int>, Connection) throws -> Void = { _, _ in }) throws -> Double {
        try? FileManager.default.removeItem(at: dataDir)
        let cluster = try EmbeddedCluster(dataDirectory: dataDir, logger: logger)
        try cluster.start()
        defer { cluster.stop() }
        let db = try Connection(conninfo: cluster.conninfo)
        try Migrations.apply(on: db)
        _ = try StoreSettings.setIfAbsent("base_url", to: base, on: db)
        let elapsed = try seconds {
            var next = 0
            while next < members {
                let upper = min(members, next + 100_000)
                try db.transaction {
                    let load = try BulkLoad(intoEmptyGraphs: true, on: db)
                    for from in stride(from: next, to: upper, by: 26_316) {
                        let quads = GeneratedObservations.quads(from..<min(upper, from + 26_316), cameras: cameras)
                        try load.add(quads)
                        try chunk(quads)
                    }
                    _ = try load.finish()
                    try batch(next..<upper, db)
                }
                next = upper
            }
            try db.execute("ANALYZE")
        }
        // The steady state queries meet (untimed): load tables merged as the server's hourly
        // maintenance merges them (else it does so at start, under the measured queries), then
        // vacuumed, hint bits set and pages all-visible, as autovacuum leaves a store.
        _ = try QuadStore.compact(maxTables: 32, on: db)
        try db.execute("VACUUM")
        return elapsed
    }

    /// `kruispunt serve` (release) on the store, without dumps and with warnings only.
    static func serve(dataDir: URL, port: Int, environment extra: [String: String] = [:]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/.build/release/kruispunt")
        p.arguments = ["serve", "--data-dir", dataDir.path, "--port", String(port)]
        var env = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        env["KRUISPUNT_DUMP_HOURS"] = "0"
        env["KRUISPUNT_RATE_LIMIT"] = "0"     // wrk from one address is no abuse
        env["KRUISPUNT_LOG_LEVEL"] = "warning"
        p.environment = env
        try p.run()
        return p
    }

    static func waitUntilReady(_ base: String) -> Bool {
        for _ in 0..<120 {
            let probe = """
                import sys, urllib.request
                try:
                    urllib.request.urlopen(sys.argv[1], timeout=2); print("ok")
                except Exception:
                    print("not yet")
                """
            if StoreBench.python(["-c", probe, base + "/health/ready"]) == "ok" { return true }
            Thread.sleep(forTimeInterval: 0.5)
        }
        return false
    }
}
