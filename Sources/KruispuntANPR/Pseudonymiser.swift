import Crypto
import Foundation
import KruispuntRDF
import KruispuntStore

/// How long a pseudonym links detections of one vehicle: a Europe/Brussels calendar day
/// (default), an ISO week (from Monday 00:00), or for ever (`none`).
public enum KeyRotation: String, Sendable, CaseIterable {
    case day, week, none

    /// The period an instant falls in: its first local day (days since 1970-01-01), 0 for `none`.
    func period(atEpochMillis ms: Int64) -> Int {
        switch self {
        case .none: return 0
        case .day: return BrusselsTime.localDay(ms)
        case .week:
            let day = BrusselsTime.localDay(ms)
            return day - ((day % 7 + 7 + 3) % 7)       // the Monday; 1970-01-01 was a Thursday
        }
    }

    /// The period's label in key derivation (`2026-10-25`, `week-2026-10-19`, `all`).
    func label(_ period: Int) -> String {
        let date = BrusselsTime.format(BrusselsTime.dayStart(period)).prefix(10)
        switch self {
        case .none: return "all"
        case .day: return String(date)
        case .week: return "week-" + date
        }
    }
}

/// Replaces a delivered plate hash by `HMAC-SHA256(period key, plate hash)`, truncated to 128 bits.
/// Period keys are `HMAC-SHA256(master secret, "kruispunt/pseudonym/" + period)`: detections of one
/// vehicle link only inside one period, and nobody without the master secret can link them at
/// all. Neither the secret nor the keys are ever logged or stored in the database.
public struct Pseudonymiser: Sendable {
    public let rotation: KeyRotation
    private let master: SymmetricKey
    private var keys: [Int: HMAC<SHA256>] = [:]
    /// Pseudonyms already computed in this ingest, by period and plate-hash digest: a vehicle
    /// passes several cameras per period, so most lines need no HMAC. In memory only.
    private var cache: [CacheKey: Pseudonym] = [:]

    private struct CacheKey: Hashable {
        let period: Int
        let high: UInt64
        let low: UInt64
    }

    public init(secret: some DataProtocol & ContiguousBytes, rotation: KeyRotation) {
        self.master = SymmetricKey(data: secret)
        self.rotation = rotation
    }

    /// The pseudonym of a plate hash seen at an instant.
    public mutating func pseudonym(plate: UnsafeBufferPointer<UInt8>, atEpochMillis ms: Int64) -> Pseudonym {
        let period = rotation.period(atEpochMillis: ms)
        let digest = Murmur3.hash128(plate, seed: 0x5053)
        let key = CacheKey(period: period, high: digest.0, low: digest.1)
        if let known = cache[key] { return known }
        var mac: HMAC<SHA256>
        if let keyed = keys[period] {
            mac = keyed
        } else {
            let label = "kruispunt/pseudonym/" + rotation.label(period)
            let periodKey = HMAC<SHA256>.authenticationCode(for: Data(label.utf8), using: master)
            mac = HMAC<SHA256>(key: SymmetricKey(data: periodKey))
            if keys.count > 64 { keys.removeAll() }
            keys[period] = mac
        }
        mac.update(data: UnsafeRawBufferPointer(plate))
        let pseudonym = mac.finalize().withUnsafeBytes { bytes in
            Pseudonym(high: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).bigEndian,
                      low: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).bigEndian)
        }
        if cache.count >= 2_000_000 { cache.removeAll(keepingCapacity: true) }
        cache[key] = pseudonym
        return pseudonym
    }

    /// The master secret: `KRUISPUNT_PSEUDONYM_SECRET` when set, else the file `pseudonym.secret`
    /// in the data folder, created with 32 random bytes and mode 0600 on first use.
    public static func loadSecret(environment: [String: String], dataDirectory: URL) throws -> Data {
        if let secret = environment["KRUISPUNT_PSEUDONYM_SECRET"], !secret.isEmpty {
            guard secret.utf8.count >= 16 else {
                throw IngestError("KRUISPUNT_PSEUDONYM_SECRET must be at least 16 characters")
            }
            return Data(secret.utf8)
        }
        let file = dataDirectory.appendingPathComponent("pseudonym.secret")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        for _ in 0..<50 {
            if let existing = FileManager.default.contents(atPath: file.path) {
                if existing.count >= 32 { return existing }
                // Another process may be writing it right now; a short file that stays short is damaged.
                usleep(20_000)
                continue
            }
            // Created exclusively and private from the first byte: two first starts cannot each
            // write their own secret, and the file is never readable by others.
            let fd = open(file.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if fd < 0 {
                if errno == EEXIST { continue }
                throw IngestError("cannot create the pseudonym secret \(file.path): \(String(cString: strerror(errno)))")
            }
            var generator = SystemRandomNumberGenerator()
            let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let written = secret.withUnsafeBytes { write(fd, $0.baseAddress, 32) }
            fsync(fd)
            close(fd)
            guard written == 32 else { throw IngestError("cannot write the pseudonym secret \(file.path)") }
            return Data(secret)
        }
        throw IngestError("the pseudonym secret \(file.path) is shorter than 32 bytes: restore it (changing it changes every pseudonym)")
    }
}

/// A 128-bit vehicle pseudonym, valid inside one key period.
public struct Pseudonym: Hashable, Sendable {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// PostgreSQL bytea hex text (`\x0123...`).
    public var byteaHex: String { "\\x" + Hex.word(high) + Hex.word(low) }
}
