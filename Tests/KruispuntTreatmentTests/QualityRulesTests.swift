import Foundation
import KruispuntANPR
import KruispuntStore
import Testing
@testable import KruispuntTreatment

/// The data-quality rules on hand-made camera-hours: each fires at its threshold and not below,
/// the baseline is robust, and the thresholds read from JSON refuse unknown keys.
@Suite struct QualityRulesTests {
    let rules = QualityThresholds()

    static func hour(_ n: Int, _ change: (inout QualityMeasures) -> Void = { _ in }) -> QualityMeasures {
        var m = QualityMeasures()
        m.detections = n
        m.received = n
        change(&m)
        return m
    }

    @Test func silenceNeedsABaselineOfTwenty() {
        #expect(rules.fired(Self.hour(0), earlier: [30, 25, 22, 40]) == [.silence])
        #expect(rules.fired(Self.hour(0), earlier: [19, 18, 19, 17]).isEmpty)
        #expect(rules.fired(Self.hour(0), earlier: []).isEmpty)   // no baseline yet
    }

    @Test func volumeIsJudgedAgainstTheMedianAndARobustDeviation() {
        let usual = [100, 110, 95, 105]
        #expect(rules.fired(Self.hour(400), earlier: usual) == [.volume])
        #expect(rules.fired(Self.hour(20), earlier: usual) == [.volume])
        #expect(rules.fired(Self.hour(150), earlier: usual).isEmpty)
        #expect(rules.fired(Self.hour(40), earlier: usual).isEmpty)   // above median / 3
        // One odd week does not move the median.
        #expect(rules.fired(Self.hour(102), earlier: [100, 900, 104, 98]).isEmpty)
        let b = rules.baseline([100, 110, 95, 105])!
        #expect(b.median == 102.5 && b.deviation >= 102.5.squareRoot())
    }

    @Test func shareRulesFireAboveTheirThresholds() {
        #expect(rules.fired(Self.hour(100) { $0.speedMissing = 26 }, earlier: []) == [.speed])
        #expect(rules.fired(Self.hour(100) { $0.speedMissing = 25 }, earlier: []).isEmpty)
        #expect(rules.fired(Self.hour(100) { $0.unknownNationality = 30; $0.unknownVehicleType = 30 }, earlier: []) == [.nationality, .vehicleType])
        #expect(rules.fired(Self.hour(100) { $0.outOfOrder = 6 }, earlier: []) == [.outOfOrder])
        #expect(rules.fired(Self.hour(100) { $0.drifted = 51 }, earlier: []) == [.drift])
        // Too few detections to judge a share.
        #expect(rules.fired(Self.hour(19) { $0.speedMissing = 19 }, earlier: []).isEmpty)
    }

    @Test func clockSkewAndDuplicates() {
        #expect(rules.fired(Self.hour(100) { $0.clockOffsetSeconds = 420 }, earlier: []) == [.clockSkew])
        #expect(rules.fired(Self.hour(100) { $0.clockOffsetSeconds = -400 }, earlier: []) == [.clockSkew])
        #expect(rules.fired(Self.hour(100) { $0.clockOffsetSeconds = 200 }, earlier: []).isEmpty)
        #expect(rules.fired(Self.hour(100) { $0.ahead = 6 }, earlier: []) == [.clockSkew])
        #expect(rules.fired(Self.hour(100) { $0.received = 102 }, earlier: []) == [.duplicates])
        #expect(rules.fired(Self.hour(1000) { $0.received = 1004 }, earlier: []).isEmpty)   // 0.4 %
    }

    @Test func quarantinedLinesFireAsAShareOfAllLinesWithAMinimum() {
        #expect(rules.fired(Self.hour(100) { $0.quarantined = 3 }, earlier: []) == [.quarantine])   // 2.9 %
        #expect(rules.fired(Self.hour(100) { $0.quarantined = 2 }, earlier: []).isEmpty)             // under the minimum
        #expect(rules.fired(Self.hour(1000) { $0.quarantined = 20 }, earlier: []).isEmpty)           // 2.0 %, not above
        // Every line of the hour quarantined: no detections, and both silence and quarantine fire.
        #expect(rules.fired(Self.hour(0) { $0.quarantined = 40 }, earlier: [30, 30]) == [.silence, .quarantine])
    }

    @Test func measuresStoredBeforeAMeasureExistedStillDecode() throws {
        let old = #"{"ahead":0,"clockOffsetSeconds":1.5,"detections":40,"drifted":0,"outOfOrder":1,"received":41,"speedMissing":2,"unknownNationality":0,"unknownVehicleType":0}"#
        let m = try JSONDecoder().decode(QualityMeasures.self, from: Data(old.utf8))
        #expect(m.detections == 40 && m.received == 41 && m.quarantined == 0 && m.clockOffsetSeconds == 1.5 && m.lines == 41)
        #expect(try JSONDecoder().decode(QualityMeasures.self, from: JSONEncoder().encode(m)) == m)
    }

    @Test func thresholdsReadFromJSONKeepDefaultsAndRefuseUnknownKeys() throws {
        let custom = try JSONDecoder().decode(QualityThresholds.self, from: Data(#"{"silenceBaseline": 5, "baselineWeeks": 2}"#.utf8))
        #expect(custom.silenceBaseline == 5 && custom.baselineWeeks == 2 && custom.driftMeters == 100)
        #expect(custom.fired(Self.hour(0), earlier: [6]) == [.silence])
        let roundTrip = try JSONDecoder().decode(QualityThresholds.self, from: JSONEncoder().encode(custom))
        #expect(roundTrip == custom)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(QualityThresholds.self, from: Data(#"{"silence": 5}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(QualityThresholds.self, from: Data(#"{"driftMeters": "far"}"#.utf8)) }
    }

    @Test func theSameLocalHourAWeekEarlierCrossesTheClockChange() {
        // Sunday 2026-11-01 08:00 CET (07:00Z) and Sunday 2026-10-25 08:00 CET (07:00Z, after the change at 03:00).
        let hour = Int64(1_793_516_400 / 3600)
        #expect(Treatment.sameLocalHour(hour, weeksBefore: 1) == hour - 168)
        // Sunday 2026-10-25 08:00 CET (07:00Z) and Sunday 2026-10-18 08:00 CEST (06:00Z).
        #expect(Treatment.sameLocalHour(hour - 168, weeksBefore: 1) == hour - 168 - 168 - 1)
    }

    @Test func postgresArraysQuoteEveryElement() {
        #expect(PostgresArray.text(["a", "b,c", #"d"e"#, #"f\g"#, "{}"]) == #"{"a","b,c","d\"e","f\\g","{}"}"#)
        #expect(PostgresArray.text([nil, "x"]) == #"{NULL,"x"}"#)
    }
}
