import Foundation
import KruispuntANPR
import KruispuntRDF
import Testing

@Suite struct PseudonymiserTests {
    let secret = Array("a master secret for the tests, 32+ bytes".utf8)

    func pseudonym(_ plate: String, _ instant: String, _ rotation: KeyRotation, secret: [UInt8]? = nil) -> Pseudonym {
        var p = Pseudonymiser(secret: secret ?? self.secret, rotation: rotation)
        let ms = XSDDateTime(instant)!.epochMillis
        var bytes = Array(plate.utf8)
        return bytes.withUnsafeMutableBufferPointer { p.pseudonym(plate: UnsafeBufferPointer($0), atEpochMillis: ms) }
    }

    @Test func dailyKeysLinkOnlyWithinABrusselsDay() {
        let a = pseudonym("plate1", "2026-10-24T00:00:00+02:00", .day)
        let b = pseudonym("plate1", "2026-10-24T23:59:59.999+02:00", .day)
        let c = pseudonym("plate1", "2026-10-24T22:00:00Z", .day)      // 2026-10-25T00:00+02:00
        #expect(a == b)
        #expect(a != c)
        #expect(a != pseudonym("plate2", "2026-10-24T12:00:00+02:00", .day))
    }

    @Test func weeklyKeysStartOnMonday() {
        // 2026-10-19 is a Monday; 2026-10-25 (Sunday, 25 hours) ends the week.
        let monday = pseudonym("p", "2026-10-19T00:00:00+02:00", .week)
        let sunday = pseudonym("p", "2026-10-25T23:59:59+01:00", .week)
        let nextMonday = pseudonym("p", "2026-10-26T00:00:00+01:00", .week)
        #expect(monday == sunday)
        #expect(monday != nextMonday)
    }

    @Test func noRotationLinksForEver() {
        #expect(pseudonym("p", "2020-01-01T00:00:00Z", .none) == pseudonym("p", "2030-06-01T00:00:00Z", .none))
    }

    @Test func anotherSecretGivesUnrelatedPseudonyms() {
        let other = Array("another master secret, also 32+ bytes".utf8)
        #expect(pseudonym("p", "2026-10-24T12:00:00Z", .day) != pseudonym("p", "2026-10-24T12:00:00Z", .day, secret: other))
    }

    @Test func secretFileIsCreatedPrivateAndReused() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kp-secret-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Pseudonymiser.loadSecret(environment: [:], dataDirectory: dir)
        let second = try Pseudonymiser.loadSecret(environment: [:], dataDirectory: dir)
        #expect(first == second && first.count == 32)
        let mode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("pseudonym.secret").path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let fromEnv = try Pseudonymiser.loadSecret(environment: ["KRUISPUNT_PSEUDONYM_SECRET": "0123456789abcdefXYZ"], dataDirectory: dir)
        #expect(fromEnv == Data("0123456789abcdefXYZ".utf8))
        #expect(throws: IngestError.self) { try Pseudonymiser.loadSecret(environment: ["KRUISPUNT_PSEUDONYM_SECRET": "short"], dataDirectory: dir) }
    }
}
