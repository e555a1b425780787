import KruispuntRDF

/// The panels of one camera's page: hourly and daily counts, the hour-of-day profile with its
/// spread, unique vehicles, speeds, the vehicle-class mix and the camera's data quality.
extension PageContext {
    private func cameraLinks(_ camera: String, metric: String, stream: String) -> [(label: String, href: String)] {
        [(t("Tijdreeks (JSON-LD, CSV)", "Time series (JSON-LD, CSV)"), "/timeseries/\(IRIScheme.segment(camera))/\(metric)"),
         (t("Event stream", "Event stream"), iris.stream(stream))]
    }

    func hourlyCounts(_ camera: String) -> Panel { counts(camera, hourly: true) }

    func dailyCounts(_ camera: String) -> Panel { counts(camera, hourly: false) }

    /// The camera's hourly or daily counts in the period, as published.
    private func counts(_ camera: String, hourly: Bool) -> Panel {
        var q = cameraCounts(hourly: hourly, cameras: [iris.camera(camera)])
        q.select = "?start " + ObservationQuery.cell
        q.orderBy = "?start"
        let unit = hourly ? t("Uur", "Hour") : t("Dag", "Day")
        return Panel(id: hourly ? "per-uur" : "dag", title: hourly ? t("Voertuigen per uur", "Vehicles per hour") : t("Voertuigen per dag", "Vehicles per day"),
                     intro: hourly ? t("De uurtellingen van camera \(camera) in de periode.", "Camera \(camera)'s hourly counts in the period.")
                                   : t("De dagtellingen van camera \(camera).", "Camera \(camera)'s daily counts."),
                     query: q, chart: .init(kind: hourly ? .line : .bar, x: "start", y: [("v", t("Voertuigen", "Vehicles"))], xTitle: unit,
                                            yTitle: hourly ? t("Voertuigen per uur", "Vehicles per hour") : t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "start", header: unit, format: hourly ? .dateTime : .day),
                               .init(variable: "v", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "hidden"))],
                     links: cameraLinks(camera, metric: "vehicle-count", stream: "vehicle-counts"))
    }

    /// Average per hour of the day over the period's days, with the lowest and highest as a band.
    func hourProfile(_ camera: String) -> Panel {
        var q = cameraCounts(hourly: true, cameras: [iris.camera(camera)])
        q.constraints.append("BIND (HOURS(?start) AS ?hour)")
        q.select = "?hour (SUM(COALESCE(?v, 0)) / COUNT(?v) AS ?average) (MIN(?v) AS ?lowest) (MAX(?v) AS ?highest) (COUNT(*) - COUNT(?v) AS ?withheld)"
        q.groupBy = "?hour"
        q.orderBy = "?hour"
        return Panel(id: "profiel", title: t("Dagprofiel", "Profile of the day"),
                     intro: t("Gemiddeld aantal voertuigen per uur van de dag over de gekozen dagen; de band toont het laagste en hoogste uur (afgeschermde uren tellen niet mee).",
                              "Average vehicles per hour of the day over the chosen days; the band shows the lowest and highest hour (withheld hours are left out)."),
                     query: q, chart: .init(kind: .line, x: "hour", y: [("average", t("Gemiddelde", "Average"))],
                                            band: ("lowest", "highest", t("Laagste – hoogste", "Lowest – highest")), xTitle: t("Uur van de dag", "Hour of the day"), yTitle: t("Voertuigen per uur", "Vehicles per hour")),
                     columns: [.init(variable: "hour", header: t("Uur", "Hour"), format: .hour),
                               .init(variable: "average", header: t("Gemiddelde", "Average"), format: .decimal(1)),
                               .init(variable: "lowest", header: t("Laagste", "Lowest"), format: .count(hidden: nil)),
                               .init(variable: "highest", header: t("Hoogste", "Highest"), format: .count(hidden: nil)),
                               .init(variable: "withheld", header: t("Afgeschermde uren", "Withheld hours"), format: .count(hidden: nil))],
                     links: cameraLinks(camera, metric: "vehicle-count", stream: "vehicle-counts"))
    }

    /// The newest profile window of a camera starting before the period ends (a query of its own:
    /// the profile panel shows that window alone).
    func profileWindowQuery(_ camera: String) -> String {
        ObservationQuery.prefixes + """
            SELECT (MAX(?start) AS ?window) WHERE {
              ?o sosa:hasFeatureOfInterest <\(iris.camera(camera))> ; sosa:observedProperty kp:typicalHourlyCount ; sosa:phenomenonTime ?i .
              ?i time:hasBeginning ?b . ?b time:inXSDDateTimeStamp ?start .
              FILTER (?start < "\(to.adding(1).startLexical)"^^xsd:dateTime)
            }
            """
    }

    /// The typical profile the treatment publishes (mean of four weeks per weekday and hour) for
    /// the window starting at `window` (a date-time lexical form).
    func typicalProfile(_ camera: String, window: String?) -> Panel {
        var q = ObservationQuery()
        q.triples = ["?o sosa:hasFeatureOfInterest <\(iris.camera(camera))>", "?o sosa:observedProperty kp:typicalHourlyCount",
                     "?o kp:weekday ?weekday", "?o kp:hourOfDay ?hour",
                     "?o sosa:phenomenonTime ?i", "?i time:hasBeginning ?b", "?b time:inXSDDateTimeStamp ?start"]
        q.optional = ["?o sosa:hasSimpleResult ?v"]
        q.latestOnly()
        q.constraints.append("FILTER (?start = \"\(window ?? "0001-01-01T00:00:00Z")\"^^xsd:dateTime)")
        q.select = "?weekday ?hour " + ObservationQuery.cell
        q.orderBy = "?weekday ?hour"
        let when = window.flatMap { LocalDay.of(lexical: $0) }.map { t(" (vier weken vanaf \($0.long(.nl)))", " (four weeks from \($0.long(.en)))") }
            ?? t(" Er is nog geen profiel: daarvoor zijn vier volle weken gegevens nodig.", " There is no profile yet: it takes four whole weeks of data.")
        return Panel(id: "typisch", title: t("Typisch weekprofiel", "Typical week profile"),
                     intro: t("Het gemiddelde per weekdag en uur over vier volle weken, zoals de behandeling het publiceert (een lijn per weekdag)", "The mean per weekday and hour over four whole weeks, as the treatment publishes it (one line per weekday)") + when,
                     query: q, chart: .init(kind: .line, x: "hour", y: [("v", t("Typisch", "Typical"))], series: "weekday", xTitle: t("Uur van de dag", "Hour of the day"), yTitle: t("Voertuigen per uur", "Vehicles per hour")),
                     columns: [.init(variable: "weekday", header: t("Weekdag (1 = maandag)", "Weekday (1 = Monday)"), format: .text),
                               .init(variable: "hour", header: t("Uur", "Hour"), format: .hour),
                               .init(variable: "v", header: t("Typisch", "Typical"), format: .decimal(1))],
                     links: [(t("Event stream profielen", "Profiles event stream"), iris.stream("profiles"))])
    }

    func uniqueVehicles(_ camera: String) -> Panel {
        var q = cameraCounts(property: "cot:passedByUniqueVehiclesCount", hourly: false, cameras: [iris.camera(camera)])
        q.select = "?start " + ObservationQuery.cell
        q.orderBy = "?start"
        return Panel(id: "uniek", title: t("Unieke voertuigen per dag", "Unique vehicles per day"),
                     intro: t("Verschillende voertuigen die de camera op een dag zag (een voertuig dat vaker passeert telt één keer).",
                              "Distinct vehicles the camera saw in a day (a vehicle passing more often counts once)."),
                     query: q, chart: .init(kind: .bar, x: "start", y: [("v", t("Unieke voertuigen", "Unique vehicles"))], xTitle: t("Dag", "Day"), yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "start", header: t("Dag", "Day"), format: .day),
                               .init(variable: "v", header: t("Unieke voertuigen", "Unique vehicles"), format: .count(hidden: "hidden"))],
                     links: cameraLinks(camera, metric: "unique-vehicles", stream: "unique-vehicles"))
    }

    func speeds(_ camera: String) -> Panel {
        var q = ObservationQuery.observations(property: "kp:vehicleSpeed", period: "cot:Daily")
        q.restrict(from: from, to: to, weekdays: filters.weekdays)
        q.values("camera", [iris.camera(camera)])
        q.triples.append("?o cot:usingFunction ?function")
        q.constraints.append("VALUES ?function { cot:Average kp:Percentile85 }")
        q.constraints.append("BIND (IF(?function = cot:Average, \"\(t("gemiddelde", "average"))\", \"V85\") AS ?measure)")
        q.select = "?start ?measure " + ObservationQuery.cell
        q.orderBy = "?start ?measure"
        return Panel(id: "snelheid", title: t("Snelheid (km/u)", "Speed (km/h)"),
                     intro: t("Gemiddelde snelheid en V85 (de snelheid die 85 % van de voertuigen niet overschrijdt) per dag.",
                              "Average speed and V85 (the speed 85 % of vehicles do not exceed) per day."),
                     query: q, chart: .init(kind: .line, x: "start", y: [("v", "km/u")], series: "measure", xTitle: t("Dag", "Day"), yTitle: "km/u"),
                     columns: [.init(variable: "start", header: t("Dag", "Day"), format: .day),
                               .init(variable: "measure", header: t("Maat", "Measure"), format: .text),
                               .init(variable: "v", header: "km/u", format: .decimal(1))],
                     links: cameraLinks(camera, metric: "speed", stream: "speeds"))
    }

    func vehicleMix(_ camera: String) -> Panel {
        var q = ObservationQuery.observations(property: "kp:vehicleTypeCount", period: "cot:Daily")
        q.restrict(from: from, to: to, weekdays: filters.weekdays)
        q.values("camera", [iris.camera(camera)])
        q.triples.append("?o kp:vehicleType ?class")
        q.total(by: "?class", order: "DESC(?vehicles) ?class")
        return Panel(id: "klassen", title: t("Voertuigklassen", "Vehicle classes"),
                     intro: t("Voertuigen per klasse in de periode (klassen met minder dan \(minimumCount) voertuigen op een dag worden niet gepubliceerd).",
                              "Vehicles per class in the period (classes with fewer than \(minimumCount) vehicles on a day are not published)."),
                     query: q, chart: .init(kind: .doughnut, x: "class", y: [("vehicles", t("Voertuigen", "Vehicles"))]),
                     columns: [.init(variable: "class", header: t("Klasse", "Class"), format: .text),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: cameraLinks(camera, metric: "vehicle-type", stream: "vehicle-types"))
    }

    /// Hourly cells in the period, how many are withheld, and the newest.
    func quality(_ camera: String) -> Panel {
        var q = ObservationQuery.observations(property: "cot:passedByVehiclesCount", period: "cot:Hourly")
        q.restrict(from: from, to: to)
        q.values("camera", [iris.camera(camera)])
        q.select = "(COUNT(*) AS ?hours) (COUNT(*) - COUNT(?v) AS ?withheld) (MIN(?start) AS ?first) (MAX(?start) AS ?last)"
        let expected = (to.number - from.number + 1) * 24
        return Panel(id: "kwaliteit", title: t("Gegevenskwaliteit", "Data quality"),
                     intro: t("Gepubliceerde uren in de periode (verwacht: \(expected)), hoeveel ervan afgeschermd zijn, en het eerste en laatste uur.",
                              "Published hours in the period (expected: \(expected)), how many are withheld, and the first and last hour."),
                     query: q, chart: .init(kind: .none),
                     columns: [.init(variable: "hours", header: t("Uren", "Hours"), format: .count(hidden: nil)),
                               .init(variable: "withheld", header: t("Afgeschermd", "Withheld"), format: .count(hidden: nil)),
                               .init(variable: "first", header: t("Eerste uur", "First hour"), format: .dateTime),
                               .init(variable: "last", header: t("Laatste uur", "Last hour"), format: .dateTime)])
    }
}
