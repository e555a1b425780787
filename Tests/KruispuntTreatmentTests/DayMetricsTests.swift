import Foundation
import KruispuntANPR
import KruispuntRDF
import Testing
@testable import KruispuntTreatment

/// Pins every metric definition on small hand-made days.
@Suite struct DayMetricsTests {
    /// 2026-10-24 (24 h) and 2026-10-25 (25 h, the autumn DST change).
    static let saturday = XSDDateTime.daysFromCivil(2026, 10, 24)
    static let sunday = saturday + 1
    /// 2026-10-24T00:00+02:00.
    static let t0 = BrusselsTime.dayStart(saturday)
    static let minute: Int64 = 60_000

    struct Builder {
        var input = TreatmentInput()
        mutating func add(_ camera: String, _ vehicle: UInt64, _ ms: Int64, speed: Double? = nil, _ type: VehicleClass = .car) {
            input.append(camera: input.cameraIndex(camera), pseudonym: Pseudonym(high: vehicle, low: 0), millis: ms, speed: speed,
                         vehicleClass: type)
        }
    }

    static func cells(_ b: Builder, day: Int = saturday, parameters: TreatmentParameters = TreatmentParameters(),
                      zones: ZoneNetwork = .empty) -> [Cell] {
        DayMetrics(parameters: parameters, zones: zones).cells(day: day, input: b.input)
    }

    static func value(_ cells: [Cell], _ metric: Metric, _ feature: Feature, _ bucket: Bucket, start: Int64? = nil, q: Int = 0) -> Double? {
        cells.first { $0.key.metric == metric && $0.key.feature == feature && $0.key.bucket == bucket
            && (start == nil || $0.key.start == start!) && $0.key.qualifier == q }?.value
    }

    @Test func countsAndUniqueVehiclesPerHourAndDay() {
        var b = Builder()
        b.add("10", 1, Self.t0 + 5 * Self.minute)
        b.add("10", 1, Self.t0 + 6 * Self.minute)       // the same vehicle again: 2 detections, 1 vehicle
        b.add("10", 2, Self.t0 + 70 * Self.minute)
        b.add("10", 9, Self.t0 - 1)                      // the day before: ignored
        let cells = Self.cells(b)
        #expect(Self.value(cells, .vehicleCount, .camera("10"), .hour, start: Self.t0) == 2)
        #expect(Self.value(cells, .uniqueVehicles, .camera("10"), .hour, start: Self.t0) == 1)
        #expect(Self.value(cells, .vehicleCount, .camera("10"), .day) == 3)
        #expect(Self.value(cells, .uniqueVehicles, .camera("10"), .day) == 2)
        #expect(cells.filter { $0.key.metric == .vehicleCount && $0.key.bucket == .hour }.count == 2)
    }

    @Test func theDSTDayHas25HoursAndTwoDifferentTwoOClockHours() {
        let start = BrusselsTime.dayStart(Self.sunday)
        var b = Builder()
        b.add("10", 1, start + 150 * Self.minute)   // 02:30+02:00
        b.add("10", 2, start + 210 * Self.minute)   // 02:30+01:00, one hour later
        let cells = Self.cells(b, day: Self.sunday)
        let hours = cells.filter { $0.key.metric == .vehicleCount && $0.key.bucket == .hour }
        #expect(hours.count == 2)
        #expect(Set(hours.map { ObservationMapping.path($0.key) }).count == 2)
        #expect(hours.map { ObservationMapping.stamp($0.key) } == ["20261025T0200+0200", "20261025T0200+0100"])
        let day = cells.first { $0.key.metric == .vehicleCount && $0.key.bucket == .day }!
        #expect(day.key.end - day.key.start == 25 * 3_600_000)
        #expect(day.value == 2)
    }

    @Test func tripsFollowInstantThenCameraIdAndSkipSameCameraAndZeroGaps() {
        var b = Builder()
        let t = Self.t0 + 8 * 60 * Self.minute
        b.add("20", 1, t)                       // equal instants: 10 sorts before 20
        b.add("10", 1, t)
        b.add("30", 1, t + Self.minute)         // 20 -> 30 after 60 s; 10 -> 20 has a zero gap: no trip
        b.add("30", 1, t + 2 * Self.minute)     // 30 -> 30: no trip
        b.add("40", 1, t + 4 * Self.minute)     // 30 -> 40 from the second 30, after 120 s
        let cells = Self.cells(b)
        let flows = cells.filter { $0.key.metric == .flow && $0.key.bucket == .hour }
        #expect(Set(flows.map(\.key.feature)) == [.flow("20", "30"), .flow("30", "40")])
        #expect(Self.value(cells, .travelTime, .flow("30", "40"), .hour, q: Statistic.average.rawValue) == 120)
        #expect(Self.value(cells, .travelTimeBin, .flow("30", "40"), .day, q: 2) == 1)
        #expect(Self.value(cells, .travelTimeBin, .flow("20", "30"), .day, q: 1) == 1)
    }

    @Test func maxTravelTimeEdgeAndPairOverride() {
        var b = Builder()
        let t = Self.t0 + 8 * 60 * Self.minute
        b.add("A", 1, t); b.add("B", 1, t + 3_600_000)            // exactly 3600 s: a trip
        b.add("A", 2, t); b.add("B", 2, t + 3_600_001)            // 1 ms more: none
        b.add("C", 3, t); b.add("D", 3, t + 5_400_000)            // 90 min: none by default
        let plain = Self.cells(b)
        #expect(Self.value(plain, .flow, .flow("A", "B"), .day) == 1)
        #expect(Self.value(plain, .flow, .flow("C", "D"), .day) == nil)
        let overridden = Self.cells(b, parameters: TreatmentParameters(pairMaxTravelSeconds: [.init("C", "D"): 7200]))
        #expect(Self.value(overridden, .flow, .flow("C", "D"), .day) == 1)
        #expect(Self.value(overridden, .travelTimeBin, .flow("C", "D"), .day, q: 90) == 1)
    }

    @Test func tripsCountInTheBucketOfDepartureAndNeverAcrossTheKeyPeriod() {
        var b = Builder()
        let late = BrusselsTime.dayStart(Self.saturday + 1) - 10 * Self.minute   // 23:50
        b.add("A", 1, late)
        b.add("B", 1, late + 20 * Self.minute)                                    // 00:10 the next day
        // Pseudonyms rotate daily: the next day's detection cannot belong to the same vehicle.
        #expect(Self.value(Self.cells(b), .flow, .flow("A", "B"), .day) == nil)
        // With weekly keys it can: the trip counts in the hour of departure, on the first day.
        let weekly = Self.cells(b, parameters: TreatmentParameters(keyRotation: .week))
        #expect(Self.value(weekly, .flow, .flow("A", "B"), .hour, start: late - 50 * Self.minute) == 1)
        #expect(Self.value(weekly, .vehicleCount, .camera("B"), .day) == nil)
    }

    static let zone = ZoneNetwork([.init(id: "centrum", name: "Centrum", entry: ["IN1", "IN2"], exit: ["OUT"], inside: ["MID"])])

    @Test func throughTrafficAndDwellTimeEdges() {
        var b = Builder()
        let t = Self.t0 + 8 * 60 * Self.minute
        b.add("IN1", 1, t); b.add("MID", 1, t + Self.minute); b.add("OUT", 1, t + 1_800_000)   // 1800 s: through
        b.add("IN1", 2, t); b.add("OUT", 2, t + 1_800_001)                                      // 1 ms more: a 30-60 min dwell
        b.add("IN1", 3, t); b.add("IN2", 3, t + Self.minute); b.add("OUT", 3, t + 2 * Self.minute) // next is an entry: 3's first entry has no exit
        b.add("IN2", 4, t); b.add("OUT", 4, t + 5 * 3_600_000)                                  // a 5 h stay
        let cells = Self.cells(b, zones: Self.zone)
        let z = Feature.zone("centrum")
        #expect(Self.value(cells, .entering, z, .hour, start: t) == 5)
        #expect(Self.value(cells, .entering, z, .day) == 5)
        #expect(Self.value(cells, .transit, z, .hour, start: t) == 2)       // vehicle 1 and vehicle 3's second entry
        #expect(Self.value(cells, .dwellTime, z, .day, q: DwellBin.upTo15Minutes.rawValue) == 1)
        #expect(Self.value(cells, .dwellTime, z, .day, q: DwellBin.upTo30Minutes.rawValue) == nil)
        #expect(Self.value(cells, .dwellTime, z, .day, q: DwellBin.upTo1Hour.rawValue) == 2)   // 1800 s and 1800.001 s
        #expect(Self.value(cells, .dwellTime, z, .day, q: DwellBin.upTo8Hours.rawValue) == 1)
        #expect(Self.value(cells, .uniqueVehicles, z, .day) == 4)
    }

    @Test func aZoneMayHaveItsOwnTransitLimit() {
        var b = Builder()
        let t = Self.t0 + 8 * 60 * Self.minute
        b.add("IN1", 1, t); b.add("OUT", 1, t + 900_000)   // 15 minutes
        #expect(Self.value(Self.cells(b, zones: Self.zone), .transit, .zone("centrum"), .hour, start: t) == 1)
        let strict = TreatmentParameters(zoneTransitLimitSeconds: ["centrum": 600])
        #expect(Self.value(Self.cells(b, parameters: strict, zones: Self.zone), .transit, .zone("centrum"), .hour, start: t) == 0)
    }

    @Test func zonePairFlows() {
        let zones = ZoneNetwork([.init(id: "a", name: "A", entry: ["A1"], exit: ["A2"]), .init(id: "b", name: "B", entry: ["B1"])])
        var b = Builder()
        let t = Self.t0 + 8 * 60 * Self.minute
        b.add("A2", 1, t); b.add("B1", 1, t + 10 * Self.minute)
        b.add("A1", 2, t); b.add("A2", 2, t + 10 * Self.minute)     // inside zone a: no zone flow
        let cells = Self.cells(b, zones: zones)
        #expect(Self.value(cells, .flow, .zoneFlow("a", "b"), .day) == 1)
        #expect(cells.filter { if case .zoneFlow = $0.key.feature { return true } else { return false } }.count == 1)
    }

    @Test func speedStatisticsWithNearestRankV85() {
        var b = Builder()
        for (i, s) in [50.0, 30, 70, 40, 60, 20, 10].enumerated() { b.add("10", UInt64(i), Self.t0 + Int64(i) * Self.minute, speed: s) }
        b.add("10", 99, Self.t0 + 30 * Self.minute)   // no speed: counted, not in the statistics
        let cells = Self.cells(b)
        func stat(_ s: Statistic) -> Double? { Self.value(cells, .speed, .camera("10"), .hour, start: Self.t0, q: s.rawValue) }
        #expect(stat(.average) == 40)
        #expect(stat(.minimum) == 10)
        #expect(stat(.maximum) == 70)
        #expect(abs(stat(.standardDeviation)! - (2800.0 / 6).squareRoot()) < 1e-9)
        #expect(stat(.percentile85) == 60)     // ceil(0.85 * 7) = 6th smallest
        #expect(cells.first { $0.key.metric == .speed }!.support == 7)
        var twenty = Builder()
        for i in 1...20 { twenty.add("10", UInt64(i), Self.t0 + Int64(i) * 1000, speed: Double(i)) }
        #expect(Self.value(Self.cells(twenty), .speed, .camera("10"), .hour, q: Statistic.percentile85.rawValue) == 17)
        var one = Builder()
        one.add("10", 1, Self.t0, speed: 42)
        #expect(Self.value(Self.cells(one), .speed, .camera("10"), .hour, q: Statistic.standardDeviation.rawValue) == nil)
    }

    @Test func travelTimeMedianOfAnEvenNumberIsTheMeanOfTheMiddleTwo() {
        var b = Builder()
        let t = Self.t0 + 8 * 60 * Self.minute
        for (i, gap) in [60, 120, 180, 600].enumerated() { b.add("A", UInt64(i), t); b.add("B", UInt64(i), t + Int64(gap) * 1000) }
        let cells = Self.cells(b)
        #expect(Self.value(cells, .travelTime, .flow("A", "B"), .hour, q: Statistic.median.rawValue) == 150)
        #expect(Self.value(cells, .travelTime, .flow("A", "B"), .hour, q: Statistic.average.rawValue) == 240)
    }

    @Test func vehicleTypesPerCamera() {
        var b = Builder()
        b.add("10", 1, Self.t0, .car); b.add("10", 2, Self.t0 + 1, .heavyTruck); b.add("10", 3, Self.t0 + 2, .heavyTruck)
        let cells = Self.cells(b)
        #expect(Self.value(cells, .vehicleType, .camera("10"), .hour, q: Int(VehicleClass.heavyTruck.code)) == 2)
        #expect(Self.value(cells, .vehicleType, .camera("10"), .day, q: Int(VehicleClass.car.code)) == 1)
    }

    @Test func theResultDoesNotDependOnArrivalOrder() {
        var forward = Builder(), backward = Builder()
        var rows: [(String, UInt64, Int64, Double)] = []
        for i in 0..<400 { rows.append((["A", "B", "C", "IN1", "OUT"][i % 5], UInt64(i % 37), Self.t0 + Int64(i) * 97_000, Double(30 + i % 50))) }
        for r in rows { forward.add(r.0, r.1, r.2, speed: r.3) }
        for r in rows.reversed() { backward.add(r.0, r.1, r.2, speed: r.3) }
        #expect(Self.cells(forward, zones: Self.zone) == Self.cells(backward, zones: Self.zone))
    }
}
