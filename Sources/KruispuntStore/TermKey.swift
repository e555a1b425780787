import KruispuntRDF

/// The 128-bit dictionary key of a term: MurmurHash3 (x64, 128-bit) of its N-Triples form,
/// written as a PostgreSQL uuid. Collisions are negligible at a billion terms (about 1e-21).
public struct TermKey: Hashable, Sendable {
    public let high: UInt64
    public let low: UInt64

    public init(_ term: Term) { self.init(bytes: Array(term.ntriples.utf8)) }

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The key of raw bytes (no copy).
    public init(buffer: UnsafeBufferPointer<UInt8>) {
        (high, low) = Murmur3.hash128(buffer, seed: 0x4B50)
    }

    public init(bytes: [UInt8]) {
        (high, low) = bytes.withUnsafeBufferPointer { Murmur3.hash128($0, seed: 0x4B50) }
    }

    /// The key as uuid text (8-4-4-4-12 lowercase hex).
    public var uuid: String {
        String(unsafeUninitializedCapacity: 36) { out in
            let digits: StaticString = "0123456789abcdef"
            var i = 0
            func put(_ v: UInt64, _ nibbles: ClosedRange<Int>, dashesAfter: Set<Int>) {
                for n in nibbles {
                    out[i] = digits.utf8Start[Int((v >> UInt64(60 - 4 * n)) & 0xF)]
                    i += 1
                    if dashesAfter.contains(n) { out[i] = 45; i += 1 }
                }
            }
            put(high, 0...15, dashesAfter: [7, 11, 15])
            put(low, 0...15, dashesAfter: [3])
            return 36
        }
    }
}
