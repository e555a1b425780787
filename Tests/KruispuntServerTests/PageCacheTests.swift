import Hummingbird
@testable import KruispuntServer
import Testing

/// The cache of immutable stream pages: what goes in comes out, bounded by bytes, oldest first.
struct PageCacheTests {
    func entry(_ size: Int, _ tag: String = "x") -> PageCache.Entry {
        .init(body: ByteBuffer(string: String(repeating: tag, count: size)), contentType: "application/n-quads", etag: "\"\(tag)\"")
    }

    @Test func keepsWhatItIsGivenUntilItIsFull() {
        let cache = PageCache(capacityBytes: 1_000)
        cache.put("a", entry(200, "a"))
        cache.put("b", entry(200, "b"))
        #expect(cache.get("a").map { String(buffer: $0.body) } == String(repeating: "a", count: 200) && cache.get("a")?.etag == "\"a\"")
        cache.put("a", entry(100, "z"))                    // a page never changes: the first copy stays
        #expect(cache.get("a")?.body.readableBytes == 200)
        cache.put("c", entry(200, "c"))
        cache.put("d", entry(200, "d"))
        cache.put("e", entry(200, "e"))                    // 1,000 bytes: all fit
        #expect(["a", "b", "c", "d", "e"].allSatisfy { cache.get($0) != nil })
        cache.put("f", entry(250, "f"))                    // a and b, the oldest, make room
        #expect(cache.get("a") == nil && cache.get("b") == nil)
        #expect(["c", "d", "e", "f"].allSatisfy { cache.get($0) != nil })
    }

    @Test func refusesPagesTooLargeToShare() {
        let cache = PageCache(capacityBytes: 1_000)
        cache.put("big", entry(300))
        #expect(cache.get("big") == nil)
        let none = PageCache(capacityBytes: 0)
        none.put("a", entry(1))
        #expect(none.get("a") == nil)
    }
}
