import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KruispuntANPR

/// Streams generated detections to a running server's `POST /api/ingest`, one upload per second
/// of `rate` lines, each with its own Idempotency-Key (a retried second is not applied twice).
struct DetectionStream {
    let url: String
    let rate: Int
    let format: SyntheticNetwork.Format

    func send(_ network: SyntheticNetwork, truth: ((String) throws -> Void)?) async throws {
        guard let endpoint = URL(string: url.hasSuffix("/api/ingest") ? url : url + "/api/ingest") else {
            throw IngestError("--to must be a URL such as http://127.0.0.1:8080")
        }
        guard let token = ProcessInfo.processInfo.environment["KRUISPUNT_INGEST_TOKEN"], !token.isEmpty else {
            throw IngestError("set KRUISPUNT_INGEST_TOKEN to an ingest token of the server")
        }
        var text = ""
        try network.write(truth: truth) { text += $0 }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let header = format == .csv ? lines.removeFirst() + "\n" : ""
        let run = UUID().uuidString.prefix(8)
        var sent = 0
        for (n, start) in stride(from: 0, to: lines.count, by: rate).enumerated() {
            let began = Date()
            let body = header + lines[start..<min(start + rate, lines.count)].joined(separator: "\n") + "\n"
            var request = URLRequest(url: endpoint)
            request.httpMethod = "POST"
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue("generate-\(run)-\(n)", forHTTPHeaderField: "Idempotency-Key")
            request.setValue(format == .csv ? "text/csv" : "application/x-ndjson", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
                throw IngestError("the server answered \((response as? HTTPURLResponse)?.statusCode ?? 0): \(String(decoding: data, as: UTF8.self))")
            }
            sent += min(rate, lines.count - start)
            FileHandle.standardError.write(Data("sent \(sent) of \(lines.count) detections\n".utf8))
            let elapsed = Date().timeIntervalSince(began)
            if elapsed < 1, start + rate < lines.count { try await Task.sleep(for: .seconds(1 - elapsed)) }
        }
    }
}
