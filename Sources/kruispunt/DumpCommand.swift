import ArgumentParser
import Foundation
import KruispuntPublishing
import KruispuntServer
import KruispuntStore

/// `kruispunt dump`: the gzip N-Quads dump of every event stream (or the ones named).
struct Dump: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write each event stream as gzip-compressed N-Quads to DATA_DIR/dumps (served at /dumps/NAME.nq.gz).",
        discussion: "serve writes them every night; a dump replaces the previous one only once it is complete.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("stream"), help: "Only this stream (repeatable).") var streams: [String] = []
    @Option(help: ArgumentHelp("Write the files here instead.", valueName: "dir")) var out: String?

    func run() async throws {
        let runtime = try global.runtime(label: "dump")
        defer { runtime.shutdown() }
        let all = EventStream.all(iris: try runtime.iriScheme(fallback: "http://127.0.0.1:8080"))
        let unknown = streams.filter { name in !all.contains { $0.name == name } }
        guard unknown.isEmpty else {
            throw ValidationError("unknown stream \(unknown.joined(separator: ", ")) (\(all.map(\.name).joined(separator: ", ")))")
        }
        let directory = out.map { URL(fileURLWithPath: $0) } ?? runtime.configuration.dumpsDirectory
        let db = try runtime.connect()
        for stream in all where streams.isEmpty || streams.contains(stream.name) {
            let written = try StreamDump.write(stream, to: directory, on: db)
            StandardOutput.write("\(StreamDump.file(stream.name, in: directory).path): \(written.members) members, \(written.quads) quads\n")
        }
    }
}
