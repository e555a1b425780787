@testable import KruispuntServer
import Testing

/// Token buckets: a burst, then refills at the rate; refused tokens cost more; callers apart.
struct RateLimiterTests {
    @Test func aBurstThenTheRate() {
        let limiter = RateLimiter(perSecond: 10, burst: 20)
        let start = ContinuousClock.now
        for _ in 0..<20 { #expect(limiter.take("a", now: start) == nil) }
        #expect(limiter.take("a", now: start) == 1)
        #expect(limiter.take("b", now: start) == nil)                          // another caller has its own bucket
        #expect(limiter.take("a", now: start + .milliseconds(100)) == nil)      // one request refilled
        #expect(limiter.take("a", now: start + .milliseconds(100)) != nil)
        for _ in 0..<20 { #expect(limiter.take("a", now: start + .seconds(10)) == nil) }   // never more than the burst
        #expect(limiter.take("a", now: start + .seconds(10)) != nil)
    }

    @Test func refusedTokensEmptyTheBucketFast() {
        let limiter = RateLimiter(perSecond: 10, burst: 20)
        #expect(limiter.refusedCost == 5)
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limiter.take("x", cost: 8, now: start) == nil) }   // from 20 to 12, 4, -4
        #expect(limiter.take("x", cost: 8, now: start) == 1)                   // 5 to come at 10/s: 0.5 s, said as 1
        let limiter2 = RateLimiter(perSecond: 1, burst: 2, refusedCost: 20)
        #expect(limiter2.take("y", cost: 20, now: start) == nil)               // a first mistake is answered
        #expect(limiter2.take("y", cost: 20, now: start) == 3)                 // in debt to -2: 3 s until one is back
    }
}
