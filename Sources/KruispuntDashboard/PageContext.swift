import KruispuntRDF

/// What every page's panels are built from: the filters, the period they resolve to, the
/// registry, and the IRIs.
struct PageContext: Sendable {
    let iris: IRIScheme
    let filters: DashboardFilters
    let registry: Registry
    /// The period shown: the filter's dates, or the last 7 days with data.
    let from: LocalDay
    let to: LocalDay
    /// The newest local day with data (nil: no data yet).
    let latest: LocalDay?
    let minimumCount: Int

    var language: Language { filters.language }
    func t(_ nl: String, _ en: String) -> String { language.text(nl, en) }

    /// The period before, of the same length (for changes).
    var previous: (from: LocalDay, to: LocalDay) {
        let days = to.number - from.number + 1
        return (from.adding(-days), from.adding(-1))
    }

    /// Camera IRIs the location filters keep (nil: all).
    var cameraIRIs: [String]? { registry.cameraIDs(filters)?.map(iris.camera) }
    var zoneIRIs: [String]? { registry.zoneIDs(filters)?.map(zoneIRI) }
    func zoneIRI(_ id: String) -> String { iris.base + "/id/zone/" + IRIScheme.segment(id) }

    /// Observations of a property per camera in the period (hourly cells when an hour filter
    /// is set, daily ones otherwise); the vehicle-class filter switches counts to that class.
    /// `cameras` (IRIs) replaces the location filters' cameras.
    func cameraCounts(property: String = "cot:passedByVehiclesCount", from: LocalDay? = nil, to: LocalDay? = nil,
                      hourly: Bool? = nil, cameras: [String]? = nil) -> ObservationQuery {
        let byHour = hourly ?? (filters.hours != nil)
        var property = property
        var q: ObservationQuery
        if let klasse = filters.vehicleClass, property == "cot:passedByVehiclesCount" {
            property = "kp:vehicleTypeCount"
            q = .observations(property: property, period: byHour ? "cot:Hourly" : "cot:Daily")
            q.triples.append("?o kp:vehicleType \"\(klasse)\"")
        } else {
            q = .observations(property: property, period: byHour ? "cot:Hourly" : "cot:Daily")
        }
        q.restrict(from: from ?? self.from, to: to ?? self.to, weekdays: filters.weekdays, hours: byHour ? filters.hours : nil)
        q.values("camera", cameras ?? cameraIRIs)
        return q
    }

    /// Observations of a zone property in the period.
    func zoneCounts(property: String, hourly: Bool, from: LocalDay? = nil, to: LocalDay? = nil) -> ObservationQuery {
        var q = ObservationQuery.observations(property: property, period: hourly ? "cot:Hourly" : "cot:Daily",
                                              feature: "?zone", via: "sosa:hasFeatureOfInterest")
        q.restrict(from: from ?? self.from, to: to ?? self.to, weekdays: filters.weekdays, hours: hourly ? filters.hours : nil)
        q.values("zone", zoneIRIs)
        return q
    }

    /// Flow observations between cameras (either end among the filtered cameras).
    func flows(property: String, hourly: Bool, day: LocalDay? = nil) -> ObservationQuery {
        var q = ObservationQuery.observations(property: property, period: hourly ? "cot:Hourly" : "cot:Daily",
                                              feature: "?flow", via: "sosa:hasFeatureOfInterest")
        q.triples += ["?flow kp:origin ?origin", "?flow kp:destination ?destination"]
        if let day {
            q.restrict(from: day, to: day, hours: hourly ? filters.hours : nil)
        } else {
            q.restrict(from: from, to: to, weekdays: filters.weekdays, hours: hourly ? filters.hours : nil)
        }
        q.constraints.append("FILTER (STRSTARTS(STR(?origin), \"\(iris.base)/id/camera/\"))")
        if let cams = cameraIRIs {
            let list = cams.isEmpty ? "<urn:kruispunt:none>" : cams.map(ObservationQuery.iri).joined(separator: ", ")
            q.constraints.append("FILTER (?origin IN (\(list)) || ?destination IN (\(list)))")
        }
        if let a = filters.origin { q.constraints.append("FILTER (?origin = <\(iris.camera(a))>)") }
        if let b = filters.destination { q.constraints.append("FILTER (?destination = <\(iris.camera(b))>)") }
        return q
    }

    /// A period in words: "24/10/2026 – 30/10/2026".
    func describe(_ a: LocalDay, _ b: LocalDay) -> String {
        a == b ? a.long(language) : "\(a.long(language)) – \(b.long(language))"
    }
}
