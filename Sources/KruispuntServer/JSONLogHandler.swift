import Foundation
import HTTPTypes
import Hummingbird
import KruispuntRDF
import Logging
import Synchronization

/// Structured logs (`KRUISPUNT_LOG_FORMAT=json`): one JSON object per line on standard error with
/// `time` (UTC, milliseconds), `level`, `logger`, `message`, `source`, and every metadata field;
/// a request's lines carry its `request_id` (the `X-Request-Id` its response sends back).
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let (level, message, explicit, source) = (event.level, event.message, event.metadata, event.source)
        var fields = self.metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let explicit { fields.merge(explicit) { _, new in new } }
        var object: [String: String] = [:]
        for (key, value) in fields { object[key == "hb.request.id" ? "request_id" : key] = "\(value)" }
        object["time"] = Self.timestamp(Date())
        object["level"] = level.rawValue
        object["logger"] = label
        object["message"] = message.description
        object["source"] = source
        if let error = event.error { object["error"] = "\(error)" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(object) else { return }
        line.append(0x0A)
        Self.output.withLock { _ in FileHandle.standardError.write(line) }
    }

    private static let output = Mutex<Void>(())

    static func timestamp(_ date: Date) -> String {
        XSDDateTime.format(epochMillis: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)), offsetMinutes: 0,
                           zulu: true, alwaysMillis: true)
    }
}

/// Sends every response's request id (`X-Request-Id`), the `request_id` of its log lines.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var response = try await next(request, context)
            response.headers[requestIDField] = context.id
            return response
        } catch let error as HTTPError {
            var headers = error.headers
            headers[requestIDField] = context.id
            throw HTTPError(error.status, headers: headers, message: error.body)
        }
    }
}

private let requestIDField = HTTPField.Name("X-Request-Id")!
