import Foundation
import Hummingbird
import KruispuntPublishing
import KruispuntRDF
import ServiceLifecycle

/// Writes every event stream's dump inside `kruispunt serve` when it is missing or older than
/// `KRUISPUNT_DUMP_HOURS` (checked a minute after start, then hourly), and serves the files at
/// `/dumps/{stream}.nq.gz`.
struct DumpService: Service {
    let runtime: Runtime
    let streams: [EventStream]
    var maxAge: TimeInterval { Double(runtime.configuration.dumpHours) * 3600 }

    func run() async throws {
        // A service that returns stops the server: without dumps, wait for the shutdown.
        guard runtime.configuration.dumpHours > 0 else { try? await gracefulShutdown(); return }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            for stream in streams where Self.age(of: stream, runtime: runtime).map({ $0 > maxAge }) ?? true {
                do {
                    let written = try await runtime.pool.withConnection { db in
                        try StreamDump.write(stream, to: runtime.configuration.dumpsDirectory, on: db)
                    }
                    runtime.logger.info("wrote the stream dump", metadata: ["stream": "\(stream.name)", "members": "\(written.members)"])
                } catch {
                    runtime.logger.error("stream dump failed: \(error)", metadata: ["stream": "\(stream.name)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }

    /// Seconds since a stream's dump was written, nil when there is none.
    static func age(of stream: EventStream, runtime: Runtime) -> TimeInterval? {
        let path = StreamDump.file(stream.name, in: runtime.configuration.dumpsDirectory).path
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return nil }
        return Date().timeIntervalSince(modified)
    }

    /// `GET /dumps/{stream}.nq.gz`: the file as written last, with an ETag and Last-Modified.
    static func serve(_ stream: EventStream, runtime: Runtime, request: Request, context: some RequestContext) async throws -> Response {
        let url = StreamDump.file(stream.name, in: runtime.configuration.dumpsDirectory)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let size = attributes[.size] as? Int, let modified = attributes[.modificationDate] as? Date else {
            throw HTTPError(.notFound, message: "De dump van \(stream.name) is nog niet aangemaakt (elke nacht) / the dump is not written yet (nightly)")
        }
        let etag = "\"\(size)-\(Int(modified.timeIntervalSince1970))\""
        var headers: HTTPFields = [
            .contentType: "application/gzip",
            .contentDisposition: "attachment; filename=\"\(stream.name).nq.gz\"",
            .eTag: etag,
            .lastModified: Self.httpDate(modified),
            .cacheControl: "public, max-age=3600",
            .accessControlAllowOrigin: "*",
        ]
        if LinkedDataResponse.isCurrent(request, etag: etag) { return Response(status: .notModified, headers: headers) }
        headers[.contentLength] = String(size)
        return Response(status: .ok, headers: headers, body: try await FileIO().loadFile(path: url.path, context: context))
    }

    /// An HTTP date (RFC 9110 IMF-fixdate).
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
