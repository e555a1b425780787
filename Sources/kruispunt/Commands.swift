import ArgumentParser
import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntServer
import KruispuntStore
import KruispuntTreatment

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the dashboard and the Linked Data, treating new detections continuously.",
        discussion: "Endpoints: / (dashboard), /streams/vehicle-counts (LDES), /health/live, /health/ready. Stops cleanly on SIGINT/SIGTERM.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on (env KRUISPUNT_HOST).") var host: String = ProcessInfo.processInfo.environment["KRUISPUNT_HOST"] ?? "127.0.0.1"
    @Option(help: "Port to listen on (env KRUISPUNT_PORT).") var port: Int = Int(ProcessInfo.processInfo.environment["KRUISPUNT_PORT"] ?? "") ?? 8080
    @Option(help: "Seconds between treatment runs.") var treatInterval: Int = 10
    @Option(help: ArgumentHelp("Watch a drop folder: ingest each file once, then move it to processed/ or failed/.", valueName: "dir"))
    var watch: String?

    func validate() throws {
        if let text = ProcessInfo.processInfo.environment["KRUISPUNT_PORT"], !text.isEmpty, Int(text).map({ (0...65_535).contains($0) }) != true {
            throw ValidationError("KRUISPUNT_PORT \"\(text)\" is not a port number (0 to 65535)")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
    }

    func run() async throws {
        let runtime = try global.runtime(label: "serve")
        defer { runtime.shutdown() }
        var server = try Server(runtime: runtime, host: host, port: port, treatmentInterval: .seconds(max(1, treatInterval)))
        server.dropFolder = watch.map { URL(fileURLWithPath: $0) }
        let base = server.iris.base
        let trigger = ShutdownTrigger()
        SignalGuard.forward(to: trigger, logger: runtime.logger)
        try await server.run(shutdown: trigger) {
            runtime.logger.notice("Kruispunt is ready: dashboard \(base)/ · event stream \(base)/streams/vehicle-counts")
        }
    }
}

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest detection files: CSV (comma or semicolon) or NDJSON, plain or gzip; - reads standard input.",
        discussion: """
            Dutch header names (tijdstip, nummerplaat_hash, snelheid, ...) are recognised; --map names other \
            source columns. Patterns such as 'exports/*.csv.gz' are expanded when the shell did not. \
            Valid lines are staged, duplicates (same camera, instant and plate hash) are dropped, and each \
            invalid line is reported on standard error as FILE:LINE: reason and kept in quarantine. \
            Each file is one transaction. The exit status is 0 when every file was read, even with \
            quarantined lines.
            """)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print one JSON object {\"lines\":N,\"accepted\":N,\"duplicates\":N,\"quarantined\":N}.") var json = false
    @Option(help: ArgumentHelp("Source columns of canonical ones, e.g. camera_id=CameraId,timestamp=Tijd.", valueName: "pairs"))
    var map: String?
    @Option(help: ArgumentHelp("Watch a drop folder: ingest each file once, then move it to processed/ or failed/.", valueName: "dir"))
    var watch: String?
    @Flag(help: "With --watch: process what is there now and stop.") var once = false
    @Option(help: ArgumentHelp("The system of x and y columns: EPSG:31370 (Lambert 72) or EPSG:3812 (Lambert 2008). Columns named x_lambert72/y_lambert72 or x_lambert2008/y_lambert2008 need no option.", valueName: "crs"))
    var crs: String?
    @Argument(help: "Files or patterns to ingest (- for standard input).") var files: [String] = []

    func validate() throws {
        if files.isEmpty && watch == nil { throw ValidationError("give at least one file (or - for standard input), or --watch DIR") }
        if let map { do { _ = try DetectionColumns.mapping(map) } catch { throw ValidationError("\(error)") } }
        if let crs, LambertConverter.System(rawValue: crs.uppercased()) == nil {
            throw ValidationError("--crs must be EPSG:31370 (Lambert 72) or EPSG:3812 (Lambert 2008)")
        }
    }

    /// Expands patterns the shell left alone; a pattern that matches nothing is an error.
    static func expand(_ arguments: [String]) throws -> [String] {
        try arguments.flatMap { argument -> [String] in
            guard argument != "-", argument.contains(where: { "*?[".contains($0) }),
                  !FileManager.default.fileExists(atPath: argument) else { return [argument] }
            var matches = glob_t()
            defer { globfree(&matches) }
            guard glob(argument, 0, nil, &matches) == 0 else { throw ValidationError("no file matches \(argument)") }
            return (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }
        }
    }

    func run() async throws {
        let files = try Self.expand(self.files)
        let mapping = try map.map(DetectionColumns.mapping) ?? [:]
        let runtime = try global.runtime(label: "ingest")
        defer { runtime.shutdown() }
        let db = try runtime.connect()
        let ingestor = Ingestor(pseudonymiser: try runtime.pseudonymiser(), logger: runtime.logger)
        if let watch {
            let folder = try DropFolder(directory: URL(fileURLWithPath: watch), ingestor: ingestor, logger: runtime.logger)
            folder.retentionHours = runtime.configuration.retentionHours
            repeat {
                for (name, outcome) in folder.scan(on: db, requireStable: !once) {
                    switch outcome {
                    case .success(let s):
                        StandardOutput.write("\(name): \(s.lines) lines, \(s.accepted) accepted, \(s.duplicates) duplicates, \(s.quarantined) quarantined\(s.replayed == true ? " (already applied)" : "")\n")
                    case .failure(let error): StandardOutput.write("\(name): refused: \(error)\n")
                    }
                }
                if !once { try await Task.sleep(for: .seconds(2)) }
            } while !once
            return
        }
        var total = IngestSummary()
        var reported = 0
        for file in files {
            total = total + (try ingestor.ingest(path: file, mapping: mapping, crs: crs.flatMap { LambertConverter.System(rawValue: $0.uppercased()) },
                                                 on: db) { source, rejected in
                reported += 1
                if reported <= 1000 {
                    FileHandle.standardError.write(Data("\(source):\(rejected.lineNumber): \(rejected.reason)\n".utf8))
                } else if reported == 1001 {
                    FileHandle.standardError.write(Data("(further rejected lines are in the quarantine table only)\n".utf8))
                }
            })
        }
        if json {
            StandardOutput.write("{\"lines\":\(total.lines),\"accepted\":\(total.accepted),\"duplicates\":\(total.duplicates),\"quarantined\":\(total.quarantined)}\n")
        } else {
            StandardOutput.write("\(total.lines) lines: \(total.accepted) accepted, \(total.duplicates) duplicates, \(total.quarantined) quarantined\n")
        }
    }
}

struct Treat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the treatment over everything ingested and return when it is done (backfills).",
        discussion: """
            Computes every metric (counts, unique vehicles, OD flows, travel times, entering and through traffic, \
            dwell times, speeds, vehicle types) per local hour and day, protects small counts, and publishes a new \
            version of every observation that changed. By default every bucket is closed (the input is complete); \
            --watermark closes only the buckets the watermark passed, as `worker` does. Safe to repeat and to \
            interrupt: each run commits output and checkpoint together.
            """)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Close only the buckets the watermark passed (latest event time minus --lateness, plus --max-travel).") var watermark = false
    @Flag(help: "Print a JSON summary.") var json = false

    func run() async throws {
        let runtime = try global.runtime(label: "treat")
        defer { runtime.shutdown() }
        let db = try runtime.connect()
        let iris = try runtime.iriScheme(fallback: "http://127.0.0.1:8080")
        let treatment = try runtime.treatment(iris: iris)
        let summary = try treatment.run(on: db, flush: !watermark)
        TreatmentReport.print(summary, json: json)
    }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the treatment continuously, without the web server.",
        discussion: """
            Every --interval seconds: treats new detections and publishes the buckets the watermark closed \
            (the same loop `serve` runs). After KRUISPUNT_IDLE_CLOSE seconds without new detections (default 600), \
            every open bucket is closed. Of several workers and servers on one database, only the holder of the \
            treatment lease treats; the others take it over when it is gone. Stops on SIGINT/SIGTERM between \
            runs; a run cut short is rolled back.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Seconds between runs.") var interval: Double = 5
    @Flag(help: "Print a JSON summary per run that published something.") var json = false

    func run() async throws {
        let runtime = try global.runtime(label: "worker")
        defer { runtime.shutdown() }
        var db: Connection? = try runtime.connect()
        let iris = try runtime.iriScheme(fallback: "http://127.0.0.1:8080")
        let treatment = try runtime.treatment(iris: iris)
        var idle = IdleClock(seconds: runtime.configuration.idleCloseSeconds)
        // A signal lets the run in progress finish (stopping the cluster under it would fail it).
        let stop = StopRequest()
        SignalGuard.onSignal { sig in
            runtime.logger.notice("signal \(sig): stopping after the current run")
            stop.set(sig)
        }
        defer { runtime.lease.release() }
        while stop.signal == nil {
            // Beside `serve` replicas on the same database, only the lease's holder treats.
            let holds = runtime.lease.acquire()
            if holds == false, await runtime.endHungLeaseHolder() { continue }
            if holds == true {
                do {
                    let connection = try db ?? runtime.connect()
                    db = connection
                    let summary = try runtime.treatAsLeaseHolder(treatment, on: connection, flush: idle.shouldClose)
                    idle.record(summary)
                    if summary.observations > 0 { TreatmentReport.print(summary, json: json) }
                } catch let error as StoreError where error.isDatabaseUnavailable {
                    // The database stopped or fails over: the run was rolled back; try again
                    // on a new connection at the next interval.
                    runtime.logger.warning("treatment paused, the database is unreachable: \(error)")
                    db = nil
                }
            }
            let next = ContinuousClock.now + .seconds(interval)
            while stop.signal == nil, ContinuousClock.now < next { try await Task.sleep(for: .milliseconds(100)) }
        }
        runtime.shutdown()
        Foundation.exit(128 + (stop.signal ?? 0))
    }
}

/// Prints a treatment summary.
enum TreatmentReport {
    static func print(_ summary: TreatmentSummary, json: Bool) {
        if json {
            let notComputed = (try? JSONEncoder().encode(summary.notComputed)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
            StandardOutput.write("{\"detections\":\(summary.detections),\"days\":\(summary.days),\"observations\":\(summary.observations),\"suppressed\":\(summary.suppressed),\"rejected\":\(summary.rejected),\"late_after_purge\":\(summary.lateAfterPurge),\"restricted_observations\":\(summary.restrictedObservations),\"not_computed\":\(notComputed)}\n")
        } else {
            StandardOutput.write("\(summary.detections) detections treated, \(summary.days) days recomputed, \(summary.observations) observations published (\(summary.suppressed) suppressed)\n")
            if summary.restrictedObservations > 0 {
                StandardOutput.write("\(summary.restrictedObservations) restricted observations published (scenario 2, behind purposes)\n")
            }
            for line in summary.notComputed { StandardOutput.write("not computed: \(line)\n") }
        }
    }
}

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic, deterministic ANPR data set for demos, tests and benchmarks.",
        discussion: """
            Per city a cordon around the centre (entry and exit cameras), cameras inside and on the ring, and \
            vehicles making through, destination (with a dwell), ring and local trips. --registry writes \
            cameras.csv, zones.csv and zones.geojson; --truth writes which vehicle made which trip; --to streams the \
            detections to a running server at --rate lines per second. Needs no database.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Output file (default: standard output).") var out: String?
    @Option(help: "Cities, comma-separated (default: the four pilot cities).") var cities: String = "Mechelen,Turnhout,Kortrijk,Antwerpen"
    @Option(help: "Cameras per city (at least 4).") var cameras: Int = 8
    @Option(help: "Vehicles over all cities.") var vehicles: Int = 500
    @Option(help: "Number of local days.") var days: Int = 2
    @Option(help: "First local day, YYYY-MM-DD.") var start: String = "2026-10-24"
    @Option(help: "Random seed (same seed, same data).") var seed: UInt64 = 1
    @Option(help: "csv or ndjson.") var format: String = "csv"
    @Option(help: "Faults to inject, comma-separated: silent, skew, duplicates, malformed, order, speed, nationality, type, drift, volume, broken, or all (camera faults hit the last day).") var faults: String?
    @Option(help: "Folder to write cameras.csv, zones.csv and zones.geojson into.") var registry: String?
    @Option(help: "File to write a matching vehicle-registry extract into (kruispunt enrich import).") var registryExtract: String?
    @Option(help: "File for the ground truth (vehicle, trip, kind, camera, instant).") var truth: String?
    @Option(help: "Stream to this server's /api/ingest instead of writing (token: KRUISPUNT_INGEST_TOKEN).") var to: String?
    @Option(help: "With --to: lines per second.") var rate: Int = 1000

    func network() throws -> SyntheticNetwork {
        var list: [SyntheticNetwork.City] = []
        for name in cities.split(separator: ",") {
            guard let city = SyntheticNetwork.City.named(name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown city \(name) (Mechelen, Turnhout, Kortrijk, Antwerpen)")
            }
            list.append(city)
        }
        var network = SyntheticNetwork(cameras: cameras, vehicles: vehicles, days: days, startDay: start, seed: seed, cities: list)
        guard let f = SyntheticNetwork.Format(rawValue: format) else { throw ValidationError("--format must be csv or ndjson") }
        network.format = f
        if let faults { network.faults = try SyntheticNetwork.Faults(list: faults) }
        return network
    }

    func run() async throws {
        let network = try network()
        if let registry {
            let dir = URL(fileURLWithPath: registry)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(network.camerasCSV().utf8).write(to: dir.appendingPathComponent("cameras.csv"))
            try Data(network.zonesCSV().utf8).write(to: dir.appendingPathComponent("zones.csv"))
            try Data(network.zonesGeoJSON().utf8).write(to: dir.appendingPathComponent("zones.geojson"))
        }
        if let registryExtract { try Data(network.registryExtractCSV().utf8).write(to: URL(fileURLWithPath: registryExtract)) }
        let truthHandle = try truth.map { path -> FileHandle in
            guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw ValidationError("cannot write \(path)")
            }
            return h
        }
        defer { try? truthHandle?.close() }
        let writeTruth: ((String) throws -> Void)? = truthHandle.map { h in { h.write(Data($0.utf8)) } }
        if let to {
            try await DetectionStream(url: to, rate: max(1, rate), format: network.format).send(network, truth: writeTruth)
        } else if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out) else {
                throw ValidationError("cannot write \(out)")
            }
            defer { try? handle.close() }
            try network.write(truth: writeTruth) { handle.write(Data($0.utf8)) }
        } else {
            try network.write(truth: writeTruth) { StandardOutput.write($0) }
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the store (or one graph) to standard output.",
        discussion: """
            N-Quads (default) and TriG keep every member in its named graph; N-Triples, Turtle and JSON-LD \
            write the union of the graphs. N-Quads and N-Triples stream; Turtle, TriG and JSON-LD are built in \
            memory (prefer N-Quads for large stores). --canonical names blank nodes after their \
            surroundings, sorts the lines and drops duplicates, so isomorphic stores give byte-identical output \
            (it holds the store in memory). --latest writes only the latest state of every observation \
            (its newest version under the stable IRI, without version metadata): the same detections and \
            parameters give the same latest state, however they were batched.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "nquads (default), ntriples, turtle, trig or jsonld.") var format: String = "nquads"
    @Option(help: ArgumentHelp("Only this named graph (\"default\" for the default graph).", valueName: "iri")) var graph: String?
    @Flag(help: "Sorted, duplicate-free N-Quads or N-Triples with stable blank-node labels.") var canonical = false
    @Flag(help: "Only the latest state of every observation.") var latest = false

    func validate() throws {
        guard let s = RDFSyntax(name: format), s != .rdfxml else {
            throw ValidationError("--format must be nquads, ntriples, turtle, trig or jsonld")
        }
        if canonical && !(s == .nquads || s == .ntriples) { throw ValidationError("--canonical needs --format nquads or ntriples") }
    }

    func run() async throws {
        let runtime = try global.runtime(label: "export")
        defer { runtime.shutdown() }
        let db = try runtime.connect()
        let syntax = RDFSyntax(name: format)!
        // nil: every graph; .some(nil): the default graph only.
        let wanted: Term?? = graph.map { name -> Term? in name == "default" ? nil : Term.iri(name) }
        var kept: [Quad] = []
        var chunk = ""
        try db.transaction {
            try db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let each: ((Quad) throws -> Void) throws -> Void = latest
                ? { try LatestState.forEachQuad(on: db, $0) } : { try QuadStore.forEachQuad(on: db, $0) }
            try each { quad in
                if let wanted, quad.graph != wanted { return }
                guard !canonical, syntax == .nquads || syntax == .ntriples else { kept.append(quad); return }
                NTriples.append(syntax == .nquads ? quad : Quad(quad.triple, graph: nil), to: &chunk)
                if chunk.utf8.count > 1 << 16 { StandardOutput.write(chunk); chunk = "" }
            }
        }
        switch syntax {
        case .turtle:
            chunk = try Raptor.shared.serialize(kept.map { Quad($0.triple, graph: nil) }, syntax: .turtle)
        case .trig:
            chunk = TriGWriter.write(kept)
        case .jsonld:
            chunk = JSONLDWriter().write(kept)
        default:
            break
        }
        if canonical {
            var lines = CanonicalLabels.relabel(kept).map { quad in
                var line = ""
                NTriples.append(syntax == .nquads ? quad : Quad(quad.triple, graph: nil), to: &line)
                return line
            }
            kept = []
            lines.sort()
            var previous: String?
            for line in lines where line != previous {
                chunk += line
                previous = line
                if chunk.utf8.count > 1 << 16 { StandardOutput.write(chunk); chunk = "" }
            }
        }
        StandardOutput.write(chunk)
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load RDF files into the store: N-Quads, N-Triples, Turtle, TriG, RDF/XML or JSON-LD.",
        discussion: """
            The syntax comes from the extension (.nq, .nt, .ttl, .trig, .rdf/.owl/.xml, .jsonld/.json) or \
            --format. Each file is one transaction: a file with a syntax error leaves no trace (the error names \
            the line). Blank nodes belong to their file; loading the same file again adds nothing. N-Quads and \
            N-Triples are streamed; raptor2 holds a Turtle, TriG or RDF/XML document in memory, and a JSON-LD \
            document is read whole (prefer N-Quads for bulk). JSON-LD may be expanded, compacted or flattened; \
            its only remote context can be Kruispunt's own (BASE/context.jsonld).
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "RDF files.") var files: [String]
    @Option(help: "nquads, ntriples, turtle, trig, rdfxml or jsonld (default: from the extension).") var format: String?
    @Option(help: ArgumentHelp("Named graph for the triples outside any graph (default: the default graph).", valueName: "iri")) var graph: String?
    @Option(help: ArgumentHelp("Base IRI for relative IRIs (default: the file's URL).", valueName: "iri")) var base: String?
    @Flag(help: "Print a JSON summary per file.") var json = false

    static func syntax(of path: String, format: String?) throws -> RDFSyntax {
        let name = format ?? [("nq", "nquads"), ("nt", "ntriples"), ("ttl", "turtle"), ("trig", "trig"), ("rdf", "rdfxml"),
                               ("owl", "rdfxml"), ("xml", "rdfxml"), ("jsonld", "jsonld"), ("json", "jsonld")]
            .first { path.lowercased().hasSuffix("." + $0.0) }?.1 ?? ""
        guard let syntax = RDFSyntax(name: name) else {
            throw ValidationError("\(path): cannot tell the syntax from the extension; give --format")
        }
        return syntax
    }

    func validate() throws {
        for file in files { _ = try Self.syntax(of: file, format: format) }
    }

    func run() async throws {
        let runtime = try global.runtime(label: "import")
        defer { runtime.shutdown() }
        let db = try runtime.connect()
        let contexts = try runtime.jsonldContexts()
        for file in files {
            guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(file)") }
            let syntax = try Self.syntax(of: file, format: format)
            let base = base ?? URL(fileURLWithPath: file).absoluteString
            let started = Date()
            let summary: QuadImport.Summary
            do {
                summary = try QuadImport.load(path: file, syntax: syntax, graph: graph.map { .iri($0) }, baseIRI: base,
                                              jsonldContexts: contexts, on: db)
            } catch let error as RDFSyntaxError {
                throw ValidationError("\(file): \(error.message) (nothing was loaded from this file)")
            }
            let seconds = Date().timeIntervalSince(started)
            if json {
                StandardOutput.write("{\"file\":\(JSONText.quoted(file)),\"quads\":\(summary.quads),\"added\":\(summary.added),\"seconds\":\(String(format: "%.3f", seconds))}\n")
            } else {
                StandardOutput.write("\(file): \(summary.quads) quads read, \(summary.added) added (\(String(format: "%.0f", Double(summary.quads) / max(seconds, 0.001))) quads/s)\n")
            }
        }
    }
}

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate RDF files (or the store) against SHACL shapes and print a sh:ValidationReport.",
        discussion: """
            Data: the union of the files' graphs (by extension or --format), or of the whole store with --store. \
            Shapes: Shapes/observation.ttl unless --shapes names others. The report is Turtle on standard \
            output; the exit status is 0 when the data conforms, 1 when it does not, 2 on other errors.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "RDF files to validate.") var files: [String] = []
    @Flag(help: "Validate every quad of the store.") var store = false
    @Option(help: ArgumentHelp("A SHACL shapes file (Turtle); repeatable.", valueName: "file")) var shapes: [String] = []
    @Option(help: "Syntax of the data files (default: from the extension).") var format: String?

    func validate() throws {
        guard store != !files.isEmpty else { throw ValidationError("give data files or --store (not both)") }
        for file in files { _ = try Import.syntax(of: file, format: format) }
    }

    func run() async throws {
        let configuration = try global.configuration()
        let shapeFiles = shapes.isEmpty ? [configuration.resourcesDirectory.appendingPathComponent("Shapes/observation.ttl").path] : shapes
        var shapeTriples: [Triple] = []
        for file in shapeFiles {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ValidationError("cannot read \(file)") }
            shapeTriples += try Raptor.shared.parse(text, syntax: .turtle, baseIRI: URL(fileURLWithPath: file).absoluteString).map(\.triple)
        }
        let validator = try SHACLValidator(shapes: shapeTriples)
        var data: [Triple] = []
        if store {
            let runtime = try global.runtime(label: "validate")
            defer { runtime.shutdown() }
            try QuadStore.forEachQuad(on: try runtime.connect()) { data.append($0.triple) }
        } else {
            for file in files {
                try RDFFile.parse(path: file, syntax: try Import.syntax(of: file, format: format),
                                  baseIRI: URL(fileURLWithPath: file).absoluteString,
                                  jsonldContexts: [:]) { data += $0.map(\.triple) }
            }
        }
        let report = validator.validate(Array(Set(data)))
        StandardOutput.write(try Raptor.shared.serialize(report.triples().map { Quad($0, graph: nil) }, syntax: .turtle))
        FileHandle.standardError.write(Data("\(report.conforms ? "conforms" : "does not conform"): \(report.results.count) violation(s)\n".utf8))
        if !report.conforms { throw ExitCode(1) }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Counts and sizes of the store: quads, terms, graphs, members per event stream, bytes on disk.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let runtime = try global.runtime(label: "stats")
        defer { runtime.shutdown() }
        let db = try runtime.connect()
        let s = try QuadStore.statistics(on: db)
        let tables = try QuadStore.loadTables(on: db).count
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            StandardOutput.write(String(decoding: try encoder.encode(s), as: UTF8.self) + "\n")
        } else {
            var out = "\(s.quads) quads in \(s.graphs) graphs (\(s.quadsBytes / 1_048_576) MB, \(tables) load tables), "
            out += "\(s.terms) terms (\(s.termsBytes / 1_048_576) MB)\n"
            for (stream, n) in s.membersPerStream.sorted(by: { $0.key < $1.key }) { out += "  \(stream): \(n) members\n" }
            StandardOutput.write(out)
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a synthetic data set, ingest it, treat it and serve it (the README's `make demo`).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 8080
    @Option(help: "Cameras per pilot city.") var cameras: Int = 12
    @Option(help: "Vehicles over the four pilot cities.") var vehicles: Int = 6000
    @Option(help: "Number of local days.") var days: Int = 3

    func run() async throws {
        let runtime = try global.runtime(label: "demo")
        defer { runtime.shutdown() }
        let file = runtime.configuration.dataDirectory.appendingPathComponent("demo-detections.csv")
        let network = SyntheticNetwork(cameras: cameras, vehicles: vehicles, days: days, startDay: "2026-10-24", seed: 2026,
                                       cities: SyntheticNetwork.City.pilots)
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: file.path) else { throw ValidationError("cannot write \(file.path)") }
        try network.write { handle.write(Data($0.utf8)) }
        try handle.close()
        let registryDB = try runtime.connect()
        _ = try Registry.importCameras(try Registry.cameras(csv: network.camerasCSV()), on: registryDB)
        _ = try Registry.importZones(try Registry.zones(csv: network.zonesCSV()),
                                     geojson: try Registry.zoneOutlines(geoJSON: Data(network.zonesGeoJSON().utf8)), on: registryDB)
        let db = try runtime.connect()
        let summary = try Ingestor(pseudonymiser: try runtime.pseudonymiser(), logger: runtime.logger)
            .ingest(path: file.path, on: db) { _, _ in }
        let server = try Server(runtime: runtime, host: host, port: port)
        let treated = try runtime.treatment(iris: server.iris).run(on: db)
        let base = server.iris.base
        StandardOutput.write("""

            Kruispunt demo: \(summary.accepted) detections ingested (\(summary.duplicates) already there), \(treated.observations) observations published.
              Dashboard (nl):        \(base)/
              Event stream (LDES):   \(base)/streams/vehicle-counts
              Shape (SHACL):         \(base)/shapes/vehicle-count
              Health:                \(base)/health/ready
            Press Ctrl-C to stop.

            """)
        let trigger = ShutdownTrigger()
        SignalGuard.forward(to: trigger, logger: runtime.logger)
        try await server.run(shutdown: trigger)
    }
}

struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete raw detections the treatment passed more than --keep-hours ago, and old quarantined lines.",
        discussion: """
            Quarantined lines and upload records go once their batch is that old. With --published-days \
            (or KRUISPUNT_PUBLISHED_RETENTION_DAYS), published observations older than that go too: \
            whole load tables where possible, their stream pages then answer 410 Gone. --dry-run only \
            shows what would go. serve runs this every hour.
            """)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Show what would be deleted; delete nothing.") var dryRun = false
    @Option(help: "Hours to keep raw data after the treatment passed it (env KRUISPUNT_RETENTION_HOURS; default 72).")
    var keepHours: Double?
    @Option(help: "Days published observations are kept (env KRUISPUNT_PUBLISHED_RETENTION_DAYS; default: for ever).")
    var publishedDays: Int?

    func run() async throws {
        let runtime = try global.runtime(label: "purge")
        defer { runtime.shutdown() }
        let hours = keepHours ?? runtime.configuration.retentionHours
        guard hours.isFinite, hours > 0 else { throw ValidationError("--keep-hours must be a positive number") }
        let plan = try StagingRetention.purge(keepHours: hours, dryRun: dryRun, on: try runtime.connect())
        StandardOutput.write("""
            \(dryRun ? "would delete" : "deleted"): \(plan.detections) detections (\(plan.days.isEmpty ? "no day" : "local days " + plan.days.joined(separator: ", "))), \
            \(plan.quarantinedLines) quarantined lines, \(plan.uploadRecords) upload records (kept: \(hours) h)

            """)
        guard let days = publishedDays ?? runtime.configuration.publishedRetentionDays else { return }
        guard days > 0 else { throw ValidationError("--published-days must be a positive whole number") }
        let removed = try MemberRetention.purge(keepingDays: days, dryRun: dryRun, on: try runtime.connect())
        let members = removed.members.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        StandardOutput.write("""
            \(dryRun ? "would delete" : "deleted"): \(removed.members.values.reduce(0, +)) published observations\
            \(members.isEmpty ? "" : " (" + members.joined(separator: ", ") + ")"), \
            \(removed.droppedTables.count) whole load tables (\(removed.quadsInDroppedTables) quads) and \
            \(removed.quadsDeleted) more quads (kept: \(days) days)

            """)
    }
}
