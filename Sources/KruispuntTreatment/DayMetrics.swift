import Foundation
import KruispuntANPR

/// Computes every scenario-1 metric of one local day from its detections (before small-count
/// protection). A pure function of the input: the same detections give the same cells in the
/// same order, whatever order they arrived in.
///
/// Definitions (see the README, Treatment):
/// - per pseudonym, detections are sorted by (instant, camera id); a consecutive pair A at t1,
///   B at t2 with A != B and 0 < t2 - t1 <= max travel time (per pair override) is a trip A->B,
///   counted in the bucket of t1;
/// - through traffic: an entry detection of a zone whose next detection at an entry or exit
///   camera of that zone is at an exit camera within the zone's transit limit;
/// - dwell time: the same entry-to-exit pairs within 24 h, binned;
/// - V85: the ceil(0.85 n)-th smallest speed.
public struct DayMetrics: Sendable {
    public let parameters: TreatmentParameters
    public let zones: ZoneNetwork

    public init(parameters: TreatmentParameters, zones: ZoneNetwork) {
        self.parameters = parameters
        self.zones = zones
    }

    /// The cells of local day `day`, with small-count protection applied (what gets published).
    public func protectedCells(day: Int, input: TreatmentInput) -> [Cell] {
        var cells = cells(day: day, input: input)
        Suppression(minimumCount: parameters.minimumCount, zones: zones).apply(to: &cells)
        return cells
    }

    /// The cells of local day `day` (days since 1970-01-01). Detections outside
    /// [day start, day end + look-ahead) are ignored; those after the day end only close trips.
    public func cells(day: Int, input: TreatmentInput) -> [Cell] {
        let dayStart = BrusselsTime.dayStart(day), dayEnd = BrusselsTime.dayStart(day + 1)
        let hours = Int((dayEnd - dayStart) / 3_600_000)
        let horizon = dayEnd + parameters.lookaheadMillis
        let cameraCount = input.cameras.count
        let classCount = VehicleClass.allCases.count
        let ms = input.millis, cam = input.camera, pid = input.pseudonym
        let n = input.count

        // Camera order by id (the tie-break of equal instants) and zone roles per camera.
        var rank = [Int32](repeating: 0, count: cameraCount)
        for (r, i) in input.cameras.indices.sorted(by: { input.cameras[$0] < input.cameras[$1] }).enumerated() { rank[i] = Int32(r) }
        let zoneCount = zones.zones.count
        var entryOf = [[Int]](repeating: [], count: cameraCount)    // zones a camera is an entry of
        var memberOf = [[Int]](repeating: [], count: cameraCount)   // zones a camera belongs to
        var isEntry = [Bool](repeating: false, count: cameraCount * max(zoneCount, 1))
        var isExit = isEntry
        for (z, zone) in zones.zones.enumerated() {
            for (c, id) in input.cameras.enumerated() {
                if zone.entry.contains(id) { entryOf[c].append(z); isEntry[c * zoneCount + z] = true }
                if zone.exit.contains(id) { isExit[c * zoneCount + z] = true }
                if zone.cameras.contains(id) { memberOf[c].append(z) }
            }
        }
        let transitLimit = zones.zones.map { Int64(parameters.zoneTransitLimitSeconds[$0.id] ?? parameters.transitLimitSeconds) * 1000 }
        var pairLimit: [Int64: Int64] = [:]
        if !parameters.pairMaxTravelSeconds.isEmpty {
            var index: [String: Int] = [:]
            for (i, id) in input.cameras.enumerated() { index[id] = i }
            for (pair, s) in parameters.pairMaxTravelSeconds {
                if let a = index[pair.origin], let b = index[pair.destination] { pairLimit[Int64(a) << 32 | Int64(b)] = Int64(s) * 1000 }
            }
        }
        let maxTravel = Int64(parameters.maxTravelSeconds) * 1000
        @inline(__always) func hourOf(_ t: Int64) -> Int { Int((t - dayStart) / 3_600_000) }

        // 1. Per camera and hour: counts, classes, speeds; entering per zone and hour.
        let cellCount = cameraCount * hours
        var count = [Int](repeating: 0, count: cellCount)
        var classes = [Int](repeating: 0, count: cellCount * classCount)
        var speedCount = [Int](repeating: 0, count: cellCount + 1)
        var entering = [Int](repeating: 0, count: zoneCount * hours)
        for i in 0..<n where ms[i] >= dayStart && ms[i] < dayEnd {
            let c = Int(cam[i]), cell = c * hours + hourOf(ms[i])
            count[cell] += 1
            classes[cell * classCount + Int(input.vehicleClass[i])] += 1
            if !input.speed[i].isNaN { speedCount[cell + 1] += 1 }
            for z in entryOf[c] { entering[z * hours + hourOf(ms[i])] += 1 }
        }
        // Speeds grouped by cell (counting sort), so a camera's hours are contiguous.
        for i in 0..<cellCount { speedCount[i + 1] += speedCount[i] }
        var speeds = [Float](repeating: 0, count: speedCount[cellCount])
        var fill = speedCount
        for i in 0..<n where ms[i] >= dayStart && ms[i] < dayEnd && !input.speed[i].isNaN {
            let cell = Int(cam[i]) * hours + hourOf(ms[i])
            speeds[fill[cell]] = input.speed[i]
            fill[cell] += 1
        }

        // 2. Detections grouped by pseudonym (counting sort), each group sorted by (instant, camera id).
        let pseudonyms = input.pseudonymCount
        var groupStart = [Int](repeating: 0, count: pseudonyms + 1)
        for i in 0..<n where ms[i] >= dayStart && ms[i] < horizon { groupStart[Int(pid[i]) + 1] += 1 }
        for p in 0..<pseudonyms { groupStart[p + 1] += groupStart[p] }
        var order = [Int32](repeating: 0, count: groupStart[pseudonyms])
        var next = groupStart
        for i in 0..<n where ms[i] >= dayStart && ms[i] < horizon {
            let p = Int(pid[i])
            order[next[p]] = Int32(i)
            next[p] += 1
        }
        order.withUnsafeMutableBufferPointer { o in
            for p in 0..<pseudonyms {
                let lo = groupStart[p], hi = groupStart[p + 1]
                guard hi - lo > 1 else { continue }
                for i in (lo + 1)..<hi {   // insertion sort: groups are short
                    let x = o[i]
                    var j = i - 1
                    while j >= lo && (ms[Int(o[j])], rank[Int(cam[Int(o[j])])]) > (ms[Int(x)], rank[Int(cam[Int(x)])]) {
                        o[j + 1] = o[j]
                        j -= 1
                    }
                    o[j + 1] = x
                }
            }
        }

        // 3. Walk each vehicle's day: unique vehicles, trips, through traffic and dwell times.
        var unique = [Int](repeating: 0, count: cellCount), uniqueDay = [Int](repeating: 0, count: cameraCount)
        var uniqueZone = [Int](repeating: 0, count: zoneCount)
        var seen = [Int32](repeating: -1, count: cellCount), seenDay = [Int32](repeating: -1, count: cameraCount)
        var seenZone = [Int32](repeating: -1, count: zoneCount)
        // Trips as (origin << 40 | destination << 8 | hour, travel time in ms, vehicle), in vehicle order.
        var tripKey: [Int64] = [], tripTime: [Int64] = [], tripVehicle: [Int32] = []
        var speedVehicles = [Int](repeating: 0, count: cellCount), speedVehiclesDay = [Int](repeating: 0, count: cameraCount)
        var seenSpeed = [Int32](repeating: -1, count: cellCount), seenSpeedDay = [Int32](repeating: -1, count: cameraCount)
        var transit = [Int](repeating: 0, count: zoneCount * hours)
        var dwell = [Int](repeating: 0, count: zoneCount * DwellBin.allCases.count)
        let dayLimit: Int64 = 86_400_000
        for p in 0..<pseudonyms {
            let lo = groupStart[p], hi = groupStart[p + 1]
            let p32 = Int32(p)
            for k in lo..<hi {
                let i = Int(order[k]), t = ms[i]
                guard t < dayEnd else { break }
                let c = Int(cam[i]), h = hourOf(t), cell = c * hours + h
                if seen[cell] != p32 { seen[cell] = p32; unique[cell] += 1 }
                if seenDay[c] != p32 { seenDay[c] = p32; uniqueDay[c] += 1 }
                if !input.speed[i].isNaN {
                    if seenSpeed[cell] != p32 { seenSpeed[cell] = p32; speedVehicles[cell] += 1 }
                    if seenSpeedDay[c] != p32 { seenSpeedDay[c] = p32; speedVehiclesDay[c] += 1 }
                }
                for z in memberOf[c] where seenZone[z] != p32 { seenZone[z] = p32; uniqueZone[z] += 1 }
                if k + 1 < hi {
                    let j = Int(order[k + 1]), d = Int(cam[j])
                    if d != c {
                        let dt = ms[j] - t
                        let limit = pairLimit.isEmpty ? maxTravel : pairLimit[Int64(c) << 32 | Int64(d)] ?? maxTravel
                        if dt > 0 && dt <= limit {
                            tripKey.append(Int64(c) << 40 | Int64(d) << 8 | Int64(h))
                            tripTime.append(dt)
                            tripVehicle.append(p32)
                        }
                    }
                }
                for z in entryOf[c] {
                    // The next detection at an entry or exit camera of z.
                    var m = k + 1
                    while m < hi {
                        let x = Int(cam[Int(order[m])])
                        if isEntry[x * zoneCount + z] || isExit[x * zoneCount + z] { break }
                        m += 1
                    }
                    guard m < hi, isExit[Int(cam[Int(order[m])]) * zoneCount + z] else { continue }
                    let dt = ms[Int(order[m])] - t
                    if dt <= transitLimit[z] { transit[z * hours + h] += 1 }
                    if dt <= dayLimit, let bin = DwellBin.of(seconds: dt / 1000) {
                        dwell[z * DwellBin.allCases.count + bin.rawValue] += 1
                    }
                }
            }
        }

        // 4. Cells.
        var out: [Cell] = []
        func hourKey(_ h: Int) -> (Int64, Int64) { (dayStart + Int64(h) * 3_600_000, dayStart + Int64(h + 1) * 3_600_000) }
        func add(_ m: Metric, _ f: Feature, _ b: Bucket, _ span: (Int64, Int64), _ v: Double, support: Int, q: Int = 0) {
            out.append(Cell(key: CellKey(m, f, b, start: span.0, end: span.1, qualifier: q), value: v, support: support))
        }
        func addCount(_ m: Metric, _ f: Feature, _ b: Bucket, _ span: (Int64, Int64), _ v: Int, q: Int = 0) {
            add(m, f, b, span, Double(v), support: v, q: q)
        }
        // Statistics rest on `vehicles` distinct vehicles (the small-count rule applies to those).
        func addSpeeds(_ f: Feature, _ b: Bucket, _ span: (Int64, Int64), _ values: ArraySlice<Float>, vehicles: Int) {
            guard !values.isEmpty else { return }
            let sorted = values.sorted()
            let n = sorted.count
            var sum = 0.0
            for v in sorted { sum += Double(v) }
            let mean = sum / Double(n)
            add(.speed, f, b, span, mean, support: vehicles, q: Statistic.average.rawValue)
            add(.speed, f, b, span, Double(sorted[0]), support: vehicles, q: Statistic.minimum.rawValue)
            add(.speed, f, b, span, Double(sorted[n - 1]), support: vehicles, q: Statistic.maximum.rawValue)
            if n >= 2 {
                var squares = 0.0
                for v in sorted { squares += (Double(v) - mean) * (Double(v) - mean) }
                add(.speed, f, b, span, (squares / Double(n - 1)).squareRoot(), support: vehicles, q: Statistic.standardDeviation.rawValue)
            }
            add(.speed, f, b, span, Double(sorted[(85 * n + 99) / 100 - 1]), support: vehicles, q: Statistic.percentile85.rawValue)
        }
        let daySpan = (dayStart, dayEnd)
        for c in 0..<cameraCount {
            let f = Feature.camera(input.cameras[c])
            var dayCount = 0, dayClasses = [Int](repeating: 0, count: classCount)
            for h in 0..<hours {
                let cell = c * hours + h
                guard count[cell] > 0 else { continue }
                dayCount += count[cell]
                addCount(.vehicleCount, f, .hour, hourKey(h), count[cell])
                addCount(.uniqueVehicles, f, .hour, hourKey(h), unique[cell])
                for k in 0..<classCount where classes[cell * classCount + k] > 0 {
                    dayClasses[k] += classes[cell * classCount + k]
                    addCount(.vehicleType, f, .hour, hourKey(h), classes[cell * classCount + k], q: k)
                }
                addSpeeds(f, .hour, hourKey(h), speeds[speedCount[cell]..<speedCount[cell + 1]], vehicles: speedVehicles[cell])
            }
            guard dayCount > 0 else { continue }
            addCount(.vehicleCount, f, .day, daySpan, dayCount)
            addCount(.uniqueVehicles, f, .day, daySpan, uniqueDay[c])
            for k in 0..<classCount where dayClasses[k] > 0 { addCount(.vehicleType, f, .day, daySpan, dayClasses[k], q: k) }
            addSpeeds(f, .day, daySpan, speeds[speedCount[c * hours]..<speedCount[c * hours + hours]], vehicles: speedVehiclesDay[c])
        }

        // Flows per pair and hour, their day totals, travel-time bins and statistics.
        // Trips grouped by (pair, hour) with a counting sort; within a group they stay in vehicle order.
        var pairID: [Int64: Int] = [:], pairKeys: [Int64] = []
        var bucketOf = [Int](repeating: 0, count: tripKey.count)
        for t in 0..<tripKey.count {
            let pair = tripKey[t] >> 8
            let id: Int
            if let known = pairID[pair] { id = known } else { id = pairKeys.count; pairID[pair] = id; pairKeys.append(pair) }
            bucketOf[t] = id * hours + Int(tripKey[t] & 0xFF)
        }
        var bucketStart = [Int](repeating: 0, count: pairKeys.count * hours + 1)
        for b in bucketOf { bucketStart[b + 1] += 1 }
        for b in 0..<(pairKeys.count * hours) { bucketStart[b + 1] += bucketStart[b] }
        var byKey = [Int](repeating: 0, count: tripKey.count)
        var fillTrip = bucketStart
        for t in 0..<tripKey.count { byKey[fillTrip[bucketOf[t]]] = t; fillTrip[bucketOf[t]] += 1 }
        var zoneFlows: [Int64: Int] = [:]
        var pairs: [(a: Int, b: Int, lo: Int, hi: Int)] = []    // ranges of byKey with one pair
        for (id, pair) in pairKeys.enumerated() {
            pairs.append((Int(pair >> 32), Int(pair & 0xFFFF_FFFF), bucketStart[id * hours], bucketStart[(id + 1) * hours]))
        }
        pairs.sort { (input.cameras[$0.a], input.cameras[$0.b]) < (input.cameras[$1.a], input.cameras[$1.b]) }
        for run in pairs {
            let f = Feature.flow(input.cameras[run.a], input.cameras[run.b])
            var bins: [Int: Int] = [:]
            var h0 = run.lo
            while h0 < run.hi {
                let key = tripKey[byKey[h0]]
                var h1 = h0, vehicles = 0, last: Int32 = -1
                var times: [Int64] = []
                while h1 < run.hi && tripKey[byKey[h1]] == key {
                    let t = byKey[h1]
                    times.append(tripTime[t])
                    if tripVehicle[t] != last { last = tripVehicle[t]; vehicles += 1 }
                    bins[Int(tripTime[t] / 60_000), default: 0] += 1
                    h1 += 1
                }
                times.sort()
                let h = Int(key & 0xFF)
                addCount(.flow, f, .hour, hourKey(h), times.count)
                var sum = 0.0
                for t in times { sum += Double(t) }
                add(.travelTime, f, .hour, hourKey(h), sum / Double(times.count) / 1000, support: vehicles, q: Statistic.average.rawValue)
                let mid = times.count / 2
                let median = times.count % 2 == 1 ? Double(times[mid]) : (Double(times[mid - 1]) + Double(times[mid])) / 2
                add(.travelTime, f, .hour, hourKey(h), median / 1000, support: vehicles, q: Statistic.median.rawValue)
                h0 = h1
            }
            let total = run.hi - run.lo
            addCount(.flow, f, .day, daySpan, total)
            for (m, v) in bins.sorted(by: { $0.key < $1.key }) { addCount(.travelTimeBin, f, .day, daySpan, v, q: m) }
            for x in memberOf[run.a] {
                for y in memberOf[run.b] where x != y { zoneFlows[Int64(x) << 32 | Int64(y), default: 0] += total }
            }
        }

        // Zones.
        for (z, zone) in zones.zones.enumerated() {
            let f = Feature.zone(zone.id)
            var dayEntering = 0, dayTransit = 0
            for h in 0..<hours where entering[z * hours + h] > 0 {
                dayEntering += entering[z * hours + h]
                dayTransit += transit[z * hours + h]
                addCount(.entering, f, .hour, hourKey(h), entering[z * hours + h])
                addCount(.transit, f, .hour, hourKey(h), transit[z * hours + h])
            }
            if dayEntering > 0 {
                addCount(.entering, f, .day, daySpan, dayEntering)
                addCount(.transit, f, .day, daySpan, dayTransit)
            }
            for bin in DwellBin.allCases where dwell[z * DwellBin.allCases.count + bin.rawValue] > 0 {
                addCount(.dwellTime, f, .day, daySpan, dwell[z * DwellBin.allCases.count + bin.rawValue], q: bin.rawValue)
            }
            if uniqueZone[z] > 0 { addCount(.uniqueVehicles, f, .day, daySpan, uniqueZone[z]) }
        }
        for (key, v) in zoneFlows.sorted(by: { $0.key < $1.key }) {
            let f = Feature.zoneFlow(zones.zones[Int(key >> 32)].id, zones.zones[Int(key & 0xFFFF_FFFF)].id)
            addCount(.flow, f, .day, daySpan, v)
        }
        out.sort { $0.key < $1.key }
        return out
    }
}
