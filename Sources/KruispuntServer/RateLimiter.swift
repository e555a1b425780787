import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Token buckets per caller: the holder of a valid token by its digest, everyone else by address
/// (`X-Forwarded-For`, set by the reverse proxy; without one all direct callers share a bucket).
/// A bucket holds `burst` requests and refills at `perSecond`; a request needs one in the
/// bucket. A refused token costs `refusedCost` (a quarter of the burst) from its address's
/// bucket, which may go into debt down to minus the burst: a mistyped token still gets its 401,
/// guessing tokens soon waits.
final class RateLimiter: Sendable {
    let perSecond: Double
    let burst: Double
    let refusedCost: Double
    private let buckets = Mutex<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    init(perSecond: Int, burst: Int? = nil, refusedCost: Double? = nil) {
        self.perSecond = Double(perSecond)
        self.burst = Double(burst ?? perSecond * 2)
        self.refusedCost = refusedCost ?? self.burst / 4
    }

    /// Takes `cost` from `key`'s bucket: nil when allowed, else the seconds to wait.
    func take(_ key: String, cost: Double = 1, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { b in
            if b.count > 50_000 { b = b.filter { now - $0.value.at < .seconds(60) } }
            var (tokens, at) = b[key] ?? (burst, now)
            let elapsed = now - at
            tokens = min(burst, tokens + (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) * perSecond)
            guard tokens >= 1 else {
                b[key] = (tokens, now)
                return max(1, Int(((1 - tokens) / perSecond).rounded(.up)))
            }
            b[key] = (max(-burst, tokens - cost), now)
            return nil
        }
    }
}

/// Answers 429 with `Retry-After` once a caller's bucket is empty (health probes aside).
struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !request.uri.path.hasPrefix("/health/") else { return try await next(request, context) }
        let identity = Identity.current
        let address = "address:" + (BearerToken.forwardedFor(request) ?? "direct")
        let wait: Int? = switch identity.standing {
        case .valid: limiter.take("token:" + (identity.digest ?? ""))
        case .refused: limiter.take(address, cost: limiter.refusedCost)
        case .anonymous, .uncheckable: limiter.take(address)
        }
        guard let wait else { return try await next(request, context) }
        return Response(status: .tooManyRequests,
                        headers: [.retryAfter: String(wait), .contentType: "text/plain; charset=utf-8", .accessControlAllowOrigin: "*"],
                        body: .init(byteBuffer: ByteBuffer(string: "Te veel verzoeken, probeer het over \(wait) s opnieuw / too many requests, retry in \(wait) s\n")))
    }
}
