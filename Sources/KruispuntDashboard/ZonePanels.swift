/// The panels of the zones page: entering against through traffic per hour and per weekday,
/// dwell times, and unique vehicles per day.
extension PageContext {
    private var zoneLinks: [(label: String, href: String)] {
        [(t("Event stream zoneverkeer", "Zone traffic event stream"), iris.stream("zone-traffic"))]
    }

    private func enteringOrThrough(hourly: Bool) -> ObservationQuery {
        var q = zoneCounts(property: "?property", hourly: hourly)
        q.constraints.append("VALUES ?property { kp:enteringVehiclesCount cot:passedByTransitVehiclesCount }")
        q.constraints.append("BIND (IF(?property = kp:enteringVehiclesCount, \"\(t("inkomend", "entering"))\", \"\(t("doorgaand", "through"))\") AS ?measure)")
        return q
    }

    var zoneHours: Panel {
        var q = enteringOrThrough(hourly: true)
        q.constraints.append("BIND (HOURS(?start) AS ?hour)")
        q.total(by: "?hour ?measure")
        return Panel(id: "zone-uren", title: t("Inkomend en doorgaand verkeer per uur", "Entering and through traffic per hour"),
                     intro: t("Voertuigen die de zone binnenrijden en voertuigen die er enkel doorrijden, per uur van de dag, opgeteld over de dagen van de periode.",
                              "Vehicles entering the zone and vehicles only passing through, per hour of the day, summed over the period's days."),
                     query: q, chart: .init(kind: .bar, x: "hour", y: [("vehicles", t("Voertuigen", "Vehicles"))], series: "measure", xTitle: t("Uur van de dag", "Hour of the day"), yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "hour", header: t("Uur", "Hour"), format: .hour),
                               .init(variable: "measure", header: t("Soort", "Kind"), format: .text),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: zoneLinks)
    }

    var zoneWeekdays: Panel {
        var q = enteringOrThrough(hourly: false)
        let days = stride(from: from.number, through: to.number, by: 1).map(LocalDay.init)
        q.constraints.append("BIND (YEAR(?start) * 10000 + MONTH(?start) * 100 + DAY(?start) AS ?date)")
        q.constraints.append("VALUES (?date ?weekday) { " + days.map { "(\($0.compact) \($0.weekday))" }.joined(separator: " ") + " }")
        q.select = "?weekday ?measure (SUM(COALESCE(?v, 0)) / COUNT(DISTINCT ?date) AS ?average) (COUNT(*) - COUNT(?v) AS ?withheld)"
        q.groupBy = "?weekday ?measure"
        q.orderBy = "?weekday ?measure"
        return Panel(id: "zone-weekdagen", title: t("Inkomend en doorgaand verkeer per weekdag", "Entering and through traffic per weekday"),
                     intro: t("Gemiddeld per dag, per weekdag (1 = maandag) in de periode.", "Average per day, per weekday (1 = Monday) in the period."),
                     query: q, chart: .init(kind: .bar, x: "weekday", y: [("average", t("Voertuigen per dag", "Vehicles per day"))], series: "measure", xTitle: t("Weekdag", "Weekday"), yTitle: t("Voertuigen per dag", "Vehicles per day")),
                     columns: [.init(variable: "weekday", header: t("Weekdag", "Weekday"), format: .text),
                               .init(variable: "measure", header: t("Soort", "Kind"), format: .text),
                               .init(variable: "average", header: t("Gemiddelde per dag", "Average per day"), format: .decimal(1)),
                               .init(variable: "withheld", header: t("Afgeschermde cellen", "Withheld cells"), format: .count(hidden: nil))],
                     links: zoneLinks)
    }

    /// The dwell-time bins (lower bounds as `xsd:duration`) with their order and minutes.
    static let dwellBins: [(lexical: String, lower: Int, upper: Int)] = [
        ("PT0S", 0, 15), ("PT15M", 15, 30), ("PT30M", 30, 60), ("PT1H", 60, 120), ("PT2H", 120, 240), ("PT4H", 240, 480), ("PT8H", 480, 1440),
    ]

    var dwellTimes: Panel {
        var q = zoneCounts(property: "kp:dwellTime", hourly: false)
        q.triples.append("?o kp:durationBin ?bin")
        let bins = Self.dwellBins.enumerated().filter { _, b in
            guard let m = filters.minutes else { return true }
            return b.upper > m.lowerBound && b.lower <= m.upperBound
        }
        q.constraints.append("VALUES (?bin ?order) { " + bins.map { "(\"\($1.lexical)\"^^xsd:duration \($0 + 1))" }.joined(separator: " ") + " }")
        q.total(by: "?order ?bin", order: "?order")
        return Panel(id: "verblijfsduur", title: t("Verblijfsduur in de zone", "Dwell time in the zone"),
                     intro: t("Voertuigen per klasse van verblijfsduur (van binnenrijden tot buitenrijden), met de ondergrens van elke klasse.",
                              "Vehicles per dwell-time class (from entering to leaving), with each class's lower bound."),
                     query: q, chart: .init(kind: .bar, x: "bin", y: [("vehicles", t("Voertuigen", "Vehicles"))], xTitle: t("Verblijfsduur vanaf", "Dwell time from"), yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "order", header: "#", format: .text),
                               .init(variable: "bin", header: t("Vanaf", "From"), format: .text),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: zoneLinks)
    }

    var zoneUnique: Panel {
        var q = zoneCounts(property: "cot:passedByUniqueVehiclesCount", hourly: false)
        q.select = "?start ?zone " + ObservationQuery.cell
        q.orderBy = "?zone ?start"
        return Panel(id: "zone-uniek", title: t("Unieke voertuigen per dag", "Unique vehicles per day"),
                     intro: t("Verschillende voertuigen die een camera van de zone zagen, per dag.", "Distinct vehicles seen by any of the zone's cameras, per day."),
                     query: q, chart: .init(kind: .line, x: "start", y: [("v", t("Voertuigen", "Vehicles"))], series: "zone", xTitle: t("Dag", "Day"), yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "start", header: t("Dag", "Day"), format: .day),
                               .init(variable: "zone", header: "Zone", format: .feature(page: false)),
                               .init(variable: "v", header: t("Unieke voertuigen", "Unique vehicles"), format: .count(hidden: "hidden"))],
                     links: [(t("Event stream unieke voertuigen", "Unique vehicles event stream"), iris.stream("unique-vehicles"))])
    }

    // MARK: - Comparison

    /// The second period of a comparison: the filter's, or the period just before.
    var comparison: (from: LocalDay, to: LocalDay) {
        if let a = filters.compareFrom.flatMap(LocalDay.parse) {
            let b = filters.compareTo.flatMap(LocalDay.parse) ?? a.adding(to.number - from.number)
            return (a, max(a, b))
        }
        return previous
    }

    /// The hour-of-day profile of vehicle counts in one of the two periods.
    func compareHours(_ a: LocalDay, _ b: LocalDay, label: String, id: String) -> Panel {
        var q = cameraCounts(from: a, to: b, hourly: true)
        q.constraints.append("BIND (HOURS(?start) AS ?hour)")
        q.total(by: "?hour")
        return Panel(id: id, title: t("Voertuigen per uur van de dag", "Vehicles per hour of the day") + " · " + label,
                     intro: describe(a, b) + ".",
                     query: q, chart: .init(kind: .bar, x: "hour", y: [("vehicles", t("Voertuigen", "Vehicles"))], xTitle: t("Uur van de dag", "Hour of the day"), yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "hour", header: t("Uur", "Hour"), format: .hour),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: [(t("Event stream voertuigtellingen", "Vehicle counts event stream"), iris.stream("vehicle-counts"))])
    }

    func compareCameras(_ a: LocalDay, _ b: LocalDay, label: String, id: String) -> Panel {
        var q = cameraCounts(from: a, to: b)
        q.total(by: "?camera")
        return Panel(id: id, title: t("Voertuigen per camera", "Vehicles per camera") + " · " + label,
                     intro: describe(a, b) + ".",
                     query: q, chart: .init(kind: .bar, x: "camera", y: [("vehicles", t("Voertuigen", "Vehicles"))], xTitle: "Camera", yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "camera", header: "Camera", format: .feature(page: true)),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: [(t("Event stream voertuigtellingen", "Vehicle counts event stream"), iris.stream("vehicle-counts"))])
    }

    func compareThrough(_ a: LocalDay, _ b: LocalDay, label: String, id: String) -> Panel {
        var q = zoneCounts(property: "cot:passedByTransitVehiclesCount", hourly: false, from: a, to: b)
        q.total(by: "?zone")
        return Panel(id: id, title: t("Doorgaand verkeer per zone", "Through traffic per zone") + " · " + label,
                     intro: describe(a, b) + ".",
                     query: q, chart: .init(kind: .bar, x: "zone", y: [("vehicles", t("Voertuigen", "Vehicles"))], xTitle: "Zone", yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "zone", header: "Zone", format: .feature(page: false)),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: [(t("Event stream zoneverkeer", "Zone traffic event stream"), iris.stream("zone-traffic"))])
    }
}
