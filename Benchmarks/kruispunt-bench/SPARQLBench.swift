// SPARQL-lite's figures (issue 7): the dashboard's query set over generated hourly vehicle
// counts (KRUISPUNT_BENCH_SPARQL_CAMERAS, default 500; KRUISPUNT_BENCH_SPARQL_DAYS, default 28;
// the issue's full year is 365 days), answered by the release `kruispunt serve` over HTTP, by
// pyoxigraph in process (bulk-loaded with the same N-Quads) and by Virtuoso 7 over HTTP (its bulk
// loader, same file), each query warm, p50 and p95 of KRUISPUNT_BENCH_SPARQL_RUNS runs (10):
// scripts/bench_sparql.py. KRUISPUNT_BENCH_SPARQL_SYSTEMS (default all three) narrows the
// systems, for scales the references take hours at.
import Foundation
import KruispuntRDF
import KruispuntStore
import Logging

enum SPARQLBench {
    static let prefixes = """
        PREFIX sosa: <\(SOSA.ns)>
        PREFIX time: <\(OWLTime.ns)>
        PREFIX xsd: <\(XSD.ns)>

        """

    /// The dashboard's questions on the generated data (cameras stand in for zones and OD pairs,
    /// which the generator does not make), filtered on time the way the dashboard filters: a
    /// range of instants.
    static func queries(camera: String, day: Int) -> [(name: String, query: String)] {
        let reading = """
              ?o sosa:madeBySensor ?camera ; sosa:hasSimpleResult ?v ; sosa:phenomenonTime ?i .
              ?i time:hasBeginning ?b . ?b time:inXSDDateTimeStamp ?start .
            """
        func range(_ from: String, _ to: String) -> String {
            "  FILTER (?start >= \"\(from)T00:00:00+01:00\"^^xsd:dateTime && ?start < \"\(to)T00:00:00+01:00\"^^xsd:dateTime)\n"
        }
        let january = range("2026-01-01", "2026-02-01")
        let oneDay = range(String(format: "2026-01-%02d", day), String(format: "2026-01-%02d", day + 1))
        return [
            ("totals per camera per day, one month", prefixes + """
                SELECT ?camera ?day (SUM(?v) AS ?total) WHERE {
                \(reading)\(january)  BIND (DAY(?start) AS ?day)
                } GROUP BY ?camera ?day
                """),
            ("hourly profile of one camera", prefixes + """
                SELECT ?hour (AVG(?v) AS ?mean) WHERE {
                \(reading.replacingOccurrences(of: "?o sosa:madeBySensor ?camera", with: "?o sosa:madeBySensor <\(camera)>"))  BIND (HOURS(?start) AS ?hour)
                } GROUP BY ?hour ORDER BY ?hour
                """),
            ("top 20 cameras of a day", prefixes + """
                SELECT ?camera (SUM(?v) AS ?total) WHERE {
                \(reading)\(oneDay)} GROUP BY ?camera ORDER BY DESC(?total) ?camera LIMIT 20
                """),
            ("totals per camera per week, one month", prefixes + """
                SELECT ?camera ?week (SUM(?v) AS ?total) WHERE {
                \(reading)\(january)  BIND (FLOOR((DAY(?start) - 1) / 7) AS ?week)
                } GROUP BY ?camera ?week
                """),
            ("latest observation per camera", prefixes + """
                SELECT ?camera (MAX(?start) AS ?latest) WHERE {
                \(reading)} GROUP BY ?camera
                """),
        ]
    }

    /// An analyst token of a city holding a purpose, made with the CLI against the running store
    /// (nil when the CLI fails: the analyst's column is then left out).
    static func analystToken(dataDir: URL) throws -> String? {
        func cli(_ arguments: [String]) throws -> String? {
            let p = Process(), out = Pipe()
            p.executableURL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/.build/release/kruispunt")
            p.arguments = ["--data-dir", dataDir.path] + arguments
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }
        guard try cli(["tenant", "create", "bench", "--name", "Bench", "--municipality", "Bench"]) != nil,
              try cli(["purpose", "grant", "--tenant", "bench", "--purpose", "bench", "--metrics", "euro-class,lez-compliance",
                       "--until", "2099-12-31"]) != nil else { return nil }
        return try cli(["token", "create", "--role", "analyst", "--tenant", "bench"])
    }

    static func run(work: URL, logger: Logger) throws -> [String] {
        let cameras = Int(environment["KRUISPUNT_BENCH_SPARQL_CAMERAS"] ?? "") ?? 500
        let days = Int(environment["KRUISPUNT_BENCH_SPARQL_DAYS"] ?? "") ?? 28
        let runs = Int(environment["KRUISPUNT_BENCH_SPARQL_RUNS"] ?? "") ?? 10
        let members = cameras * days * 24
        let dataDir = work.appendingPathComponent("sparql")
        let port = 19_000 + Int(getpid() % 1_000)
        let base = "http://127.0.0.1:\(port)"
        print("\nSPARQL-lite (issue 7): \(cameras) cameras, \(days) days, \(members) hourly observations, \(members * GeneratedObservations.perMember) quads")

        // The same quads into the store and, when a reference runs, into one N-Quads file.
        let systems = environment["KRUISPUNT_BENCH_SPARQL_SYSTEMS"] ?? "kruispunt,pyoxigraph,virtuoso"
        let references = systems != "kruispunt"
        let file = work.appendingPathComponent("observations.nq")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        let out = try FileHandle(forWritingTo: file)
        let loadSeconds = try PublishingBench.loadGenerated(members: members, cameras: cameras, dataDir: dataDir, base: GeneratedObservations.base,
                                                            logger: logger) { quads in
            guard references else { return }
            var text = ""
            for q in quads { NTriples.append(q, to: &text) }
            out.write(Data(text.utf8))
        }
        try out.close()
        line("store of the observations (and the N-Quads file)", members * GeneratedObservations.perMember, loadSeconds, "  (not a target)")

        let server = try PublishingBench.serve(dataDir: dataDir, port: port)
        defer { server.terminate(); server.waitUntilExit() }
        guard PublishingBench.waitUntilReady(base) else { print("  the server did not become ready"); return [] }
        let set = queries(camera: GeneratedObservations.camera(7, cameras: cameras).lexical, day: min(days, 15))
        let queryFile = work.appendingPathComponent("sparql-queries.json")
        let json = try JSONSerialization.data(withJSONObject: set.map { ["name": $0.name, "query": $0.query] }, options: [.prettyPrinted])
        try json.write(to: queryFile)
        // The same queries by an analyst whose city holds a purpose (issue 10): its dataset adds the
        // restricted graphs, read from the quads beside the observation index.
        let analyst = try analystToken(dataDir: dataDir)
        let text = StoreBench.python(["scripts/bench_sparql.py", "--nquads", file.path, "--queries", queryFile.path,
                                      "--endpoint", base + "/sparql", "--runs", String(runs), "--workdir", work.path,
                                      "--systems", systems] + (analyst.map { ["--analyst-token", $0] } ?? []))
        guard let result = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let systems = result["systems"] as? [String: [String: Any]] else {
            print("  bench_sparql.py failed: \(text.suffix(500))")
            return []
        }
        var ratios: [String] = []
        let order = ["kruispunt", "kruispunt-analyst", "pyoxigraph", "virtuoso"]
        for name in order {
            guard let system = systems[name] else { continue }
            if system["available"] as? Bool == false { print("  \(name): not available (\(system["reason"] ?? ""))"); continue }
            if let load = system["load_seconds"] as? Double { print(String(format: "  %@ load: %.1f s", name, load)) }
        }
        var errors: [String] = []
        print("query".padding(toLength: 38, withPad: " ", startingAt: 0) + order.map { $0.padding(toLength: 26, withPad: " ", startingAt: 0) }.joined())
        for (name, _) in set {
            var row = name.padding(toLength: 38, withPad: " ", startingAt: 0)
            var p95: [String: Double] = [:]
            for system in order {
                guard let q = (systems[system]?["queries"] as? [String: [String: Any]])?[name],
                      let p50 = q["p50_ms"] as? Double, let p = q["p95_ms"] as? Double else {
                    if let error = ((systems[system]?["queries"] as? [String: [String: Any]])?[name]?["error"] as? String) {
                        errors.append("  \(system), \(name): \(error.prefix(200))")
                    }
                    row += "-".padding(toLength: 26, withPad: " ", startingAt: 0); continue
                }
                p95[system] = p
                let rows = q["rows"] as? Int ?? -1
                row += String(format: "%7.0f / %7.0f ms %5d", p50, p, rows).padding(toLength: 26, withPad: " ", startingAt: 0)
            }
            print(row)
            if let ours = p95["kruispunt"] {
                var ratio = String(format: "  %@: p95 %.0f ms (target < 200)", name, ours)
                if let ox = p95["pyoxigraph"] { ratio += String(format: ", pyoxigraph/kruispunt %.2f (target >= 3)", ox / ours) }
                if let v = p95["virtuoso"] { ratio += String(format: ", virtuoso/kruispunt %.2f (target >= 1)", v / ours) }
                if let a = p95["kruispunt-analyst"] { ratio += String(format: ", analyst with a purpose/anonymous %.2f (no target)", a / ours) }
                ratios.append(ratio)
            }
        }
        errors.forEach { print($0) }
        if let agree = result["agree"] as? Bool { print("  row counts agree across systems: \(agree ? "yes" : "NO: \(result["disagreements"] ?? "")")") }
        if environment["KRUISPUNT_BENCH_DASHBOARD"] != "0" {
            ratios += DashboardBench.run(work: work, dataDir: dataDir, base: base, cameras: cameras, days: days)
        }
        return ratios
    }
}
