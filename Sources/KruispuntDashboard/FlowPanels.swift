/// The panels of the flows page: the origin-destination matrix, the top flows, the flow map of a
/// day, and travel times.
extension PageContext {
    private var flowLinks: [(label: String, href: String)] {
        [(t("Event stream herkomst-bestemming", "Origin-destination event stream"), iris.stream("od-flows"))]
    }

    /// Vehicles per pair of cameras in the period.
    var odMatrix: Panel {
        var q = flows(property: "cot:passedByVehiclesInFlowCount", hourly: filters.hours != nil)
        q.total(by: "?origin ?destination")
        return Panel(id: "od-matrix", title: t("Herkomst-bestemmingsmatrix", "Origin-destination matrix"),
                     intro: t("Voertuigen die eerst de camera in de rij en daarna die in de kolom passeerden, in de periode. Paren onder de drempel worden niet gepubliceerd (leeg).",
                              "Vehicles that passed the row's camera and then the column's, in the period. Pairs below the threshold are not published (empty)."),
                     query: q, chart: .init(kind: .heatmap, x: "origin", y: [("vehicles", t("Voertuigen", "Vehicles"))]),
                     columns: [.init(variable: "origin", header: t("Herkomst", "Origin"), format: .feature(page: true)),
                               .init(variable: "destination", header: t("Bestemming", "Destination"), format: .feature(page: true)),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: flowLinks)
    }

    var topFlows: Panel {
        var q = flows(property: "cot:passedByVehiclesInFlowCount", hourly: filters.hours != nil)
        q.total(by: "?origin ?destination", order: "DESC(?vehicles) ?origin ?destination")
        q.limit = 20
        return Panel(id: "top-stromen", title: t("Grootste stromen", "Largest flows"),
                     intro: t("De 20 paren van camera's met de meeste voertuigen in de periode.", "The 20 camera pairs with the most vehicles in the period."),
                     query: q, chart: .init(kind: .none),
                     columns: [.init(variable: "origin", header: t("Herkomst", "Origin"), format: .feature(page: true)),
                               .init(variable: "destination", header: t("Bestemming", "Destination"), format: .feature(page: true)),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: flowLinks)
    }

    /// The day the flow map plays through: the filter's, or the period's last.
    var flowDay: LocalDay { filters.day.flatMap(LocalDay.parse) ?? to }

    /// Hourly flows of one day, for the map's time slider.
    var flowMap: Panel {
        var q = flows(property: "cot:passedByVehiclesInFlowCount", hourly: true, day: flowDay)
        q.constraints.append("BIND (HOURS(?start) AS ?hour)")
        q.select = "?hour ?origin ?destination " + ObservationQuery.cell
        q.orderBy = "?hour ?origin ?destination"
        return Panel(id: "stroomkaart", title: t("Stromen op de kaart", "Flows on the map"),
                     intro: t("De stromen per uur op \(flowDay.long(.nl)): kies een uur met de schuifregelaar of speel de dag af. Dikte: aantal voertuigen.",
                              "The flows per hour on \(flowDay.long(.en)): pick an hour with the slider or play the day. Width: number of vehicles."),
                     query: q, chart: .init(kind: .flowmap, x: "hour", y: [("v", t("Voertuigen", "Vehicles"))]),
                     columns: [.init(variable: "hour", header: t("Uur", "Hour"), format: .hour),
                               .init(variable: "origin", header: t("Herkomst", "Origin"), format: .feature(page: true)),
                               .init(variable: "destination", header: t("Bestemming", "Destination"), format: .feature(page: true)),
                               .init(variable: "v", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "hidden"))],
                     links: flowLinks)
    }

    /// Vehicles per minute of travel time, over the chosen pairs and days.
    var travelTimeDistribution: Panel {
        var q = flows(property: "cot:passedByVehiclesPerMinuteInFlowCount", hourly: false)
        q.triples.append("?o kp:travelTimeMinutes ?minutes")
        if let m = filters.minutes { q.constraints.append("FILTER (?minutes >= \(m.lowerBound) && ?minutes <= \(m.upperBound))") }
        q.total(by: "?minutes")
        return Panel(id: "reistijden", title: t("Verdeling van de reistijd", "Travel time distribution"),
                     intro: t("Voertuigen per minuut reistijd tussen de gekozen camera's (herkomst en bestemming kiest u in de filters).",
                              "Vehicles per minute of travel time between the chosen cameras (choose origin and destination in the filters)."),
                     query: q, chart: .init(kind: .bar, x: "minutes", y: [("vehicles", t("Voertuigen", "Vehicles"))], xTitle: t("Reistijd (minuten)", "Travel time (minutes)"), yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "minutes", header: t("Minuten", "Minutes"), format: .text),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: [(t("Event stream reistijden", "Travel times event stream"), iris.stream("travel-times"))])
    }

    /// The median travel time per pair and day.
    var medianTravelTime: Panel {
        var q = flows(property: "kp:travelTime", hourly: true)
        q.triples.append("?o cot:usingFunction kp:Median")
        if let m = filters.minutes { q.constraints.append("FILTER (?v >= \(m.lowerBound * 60) && ?v <= \(m.upperBound * 60))") }
        q.select = "?start ?flow ?v"
        q.orderBy = "?flow ?start"
        return Panel(id: "mediaan", title: t("Mediane reistijd per paar (seconden)", "Median travel time per pair (seconds)"),
                     intro: t("De mediane reistijd per uur voor elk paar van camera's met genoeg voertuigen.", "The median travel time per hour for each camera pair with enough vehicles."),
                     query: q, chart: .init(kind: .line, x: "start", y: [("v", t("Seconden", "Seconds"))], series: "flow", xTitle: t("Uur", "Hour"), yTitle: t("Seconden", "Seconds")),
                     columns: [.init(variable: "start", header: t("Uur", "Hour"), format: .dateTime),
                               .init(variable: "flow", header: t("Paar", "Pair"), format: .feature(page: false)),
                               .init(variable: "v", header: t("Seconden", "Seconds"), format: .decimal(1))],
                     links: [(t("Event stream reistijden", "Travel times event stream"), iris.stream("travel-times"))])
    }
}
