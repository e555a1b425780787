import Hummingbird
import KruispuntStore
import Synchronization

/// Rendered stream pages that never change (`ldes:immutable true`), by path and negotiation, so
/// that a repeated request costs no database work and no serialising. Bounded by bytes; the
/// oldest entries go first. A page whose period retention has since removed is not served from
/// here (see `HorizonCache`).
final class PageCache: Sendable {
    struct Entry: Sendable {
        /// The page, in the buffer every response shares (NIO writes it without a copy).
        let body: ByteBuffer
        let contentType: String
        let etag: String
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var order: [String] = []
        var head = 0
        var bytes = 0
    }

    private let state = Mutex(State())
    let capacityBytes: Int

    init(capacityBytes: Int) { self.capacityBytes = capacityBytes }

    /// The key of a request: its path and what it asked for.
    static func key(_ request: Request) -> String {
        request.uri.path + "\u{1}" + (request.headers[.accept] ?? "") + "\u{1}" + (request.uri.queryParameters.get("format") ?? "")
    }

    func get(_ key: String) -> Entry? { state.withLock { $0.entries[key] } }

    func put(_ key: String, _ entry: Entry) {
        let size = entry.body.readableBytes
        guard size * 4 <= capacityBytes else { return }
        state.withLock { s in
            guard s.entries[key] == nil else { return }
            while s.bytes + size > capacityBytes, s.head < s.order.count {
                if let old = s.entries.removeValue(forKey: s.order[s.head]) { s.bytes -= old.body.readableBytes }
                s.head += 1
            }
            if s.head > 4_096 { s.order.removeFirst(s.head); s.head = 0 }
            s.entries[key] = entry
            s.order.append(key)
            s.bytes += size
        }
    }
}

/// Each stream's retention horizon (see `MemberRetention`), read from the store at most every
/// `ttl` (10 seconds): a purge shows in cached pages within that time.
final class HorizonCache: Sendable {
    private let known: ExpiringCache<Int64?>

    init(ttl: Duration = .seconds(10)) { known = ExpiringCache(ttl: ttl) }

    func horizon(_ stream: String, pool: ConnectionPool) async throws -> Int64? {
        try await known.value(stream) { try await pool.withConnection { try MemberRetention.horizon(stream: stream, on: $0) } }
    }
}
