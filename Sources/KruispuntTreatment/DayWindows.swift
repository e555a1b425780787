import KruispuntANPR

/// The treatment in memory, without a database: detections go into one window per local day; a
/// day is computed, protected and handed to `emit` once the watermark (latest event time minus
/// the allowed lateness) passes its end plus the max travel time and the look-ahead. Memory is
/// bounded by the open days, not by the input. Used to measure the treatment on its own; the
/// database treatment (`Treatment`) adds re-opening of closed days, versions and exactly-once.
public struct DayWindows: Sendable {
    public let parameters: TreatmentParameters
    public let zones: ZoneNetwork
    private var open: [Int: TreatmentInput] = [:]
    private var maxEvent = Int64.min
    /// Detections for days already closed (in this engine they are counted, not re-opened).
    public private(set) var lateDropped = 0
    public private(set) var closedDays = 0
    /// The largest number of detections held at once.
    public private(set) var peakHeld = 0
    private var held = 0

    public init(parameters: TreatmentParameters, zones: ZoneNetwork) {
        self.parameters = parameters
        self.zones = zones
    }

    private var closedThrough = Int.min

    /// Adds one detection; returns the cells of every day it closed.
    public mutating func add(_ d: Detection) -> [Cell] {
        let day = BrusselsTime.localDay(d.epochMillis)
        guard day > closedThrough else { lateDropped += 1; return [] }
        open[day, default: TreatmentInput()].append(d)
        held += 1
        peakHeld = max(peakHeld, held)
        if d.epochMillis > maxEvent {
            maxEvent = d.epochMillis
            return close(upTo: maxEvent - Int64(parameters.latenessSeconds) * 1000)
        }
        return []
    }

    /// Closes every open day (the end of the input).
    public mutating func finish() -> [Cell] { close(upTo: Int64.max / 2) }

    private mutating func close(upTo watermark: Int64) -> [Cell] {
        let delay = parameters.closingDelayMillis + parameters.lookaheadMillis
        var out: [Cell] = []
        for day in open.keys.sorted() where BrusselsTime.dayStart(day + 1) + delay <= watermark {
            var input = open[day]!
            if parameters.lookaheadMillis > 0, let next = open[day + 1] {
                input = Self.merge(input, next)
            }
            out += DayMetrics(parameters: parameters, zones: zones).protectedCells(day: day, input: input)
            held -= open[day]!.count
            open[day] = nil
            closedThrough = max(closedThrough, day)
            closedDays += 1
        }
        return out
    }

    private static func merge(_ a: TreatmentInput, _ b: TreatmentInput) -> TreatmentInput {
        var m = a
        for i in 0..<b.count {
            m.append(camera: m.cameraIndex(b.cameras[Int(b.camera[i])]), pseudonym: b.pseudonyms[Int(b.pseudonym[i])],
                     millis: b.millis[i], speed: b.speed[i].isNaN ? nil : Double(b.speed[i]),
                     vehicleClass: VehicleClass(code: b.vehicleClass[i]))
        }
        return m
    }
}
