import Foundation
import KruispuntStore
@testable import KruispuntServer
import Testing

/// The access log's waiting line: beyond its memory limit it spools to disk, and the entries come
/// back in the order they were recorded, also after the database refused them once.
struct AccessLogRecorderTests {
    private func entry(_ n: Int) -> AccessLog.Entry {
        AccessLog.Entry(atMillis: Int64(n), identity: "anonymous", client: "127.0.0.1", method: "GET", path: "/p/\(n)",
                        query: n % 2 == 0 ? "q=\(n)" : nil, status: 503)
    }

    @Test func spillsBeyondItsMemoryLimitAndKeepsTheOrder() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kp-spool-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let spool = dir.appendingPathComponent("access-log.spool")
        let recorder = AccessLogRecorder(spool: spool, memoryLimit: 3)
        for n in 0..<10 { recorder.record(entry(n)) }
        #expect(recorder.spooled)
        #expect(recorder.waiting <= 3)
        let mode = try FileManager.default.attributesOfItem(atPath: spool.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        var taken = recorder.take()
        #expect(taken == (0..<10).map(entry))
        #expect(!recorder.spooled && recorder.waiting == 0)
        // Refused by the database: back in front of what came since, spilled again past the limit.
        recorder.record(entry(10))
        recorder.giveBack(taken)
        recorder.record(entry(11))
        taken = recorder.take()
        #expect(taken == (0..<12).map(entry))
    }

    @Test func withoutASpoolEverythingStaysInMemory() {
        let recorder = AccessLogRecorder(spool: nil, memoryLimit: 2)
        for n in 0..<5 { recorder.record(entry(n)) }
        #expect(recorder.waiting == 5 && !recorder.spooled)
        #expect(recorder.take() == (0..<5).map(entry))
    }
}
