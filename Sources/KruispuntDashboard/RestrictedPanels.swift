/// The panels of the restricted page (`/beperkt`): one per scenario-2 metric the analyst's city
/// holds a purpose for, over the city's own cameras and zones. Their queries run with the
/// analyst's restricted graphs, so a downloaded query answers the same at `/sparql` for that
/// analyst only; small counts are withheld as in the open panels.
extension PageContext {
    private func restrictedLinks(_ stream: String) -> [(label: String, href: String)] {
        [(t("Beperkte event stream", "Restricted event stream"), "/streams/" + stream)]
    }

    /// The panels for the metrics (slugs, `euro-class`) in page order.
    func restrictedPanels(metrics: [String]) -> [Panel] {
        var out: [Panel] = []
        if metrics.contains("euro-class") {
            out.append(cameraMix(id: "euronorm", property: "kp:euroClassCount", qualifier: "kp:euroClass", stream: "euro-classes",
                                 title: t("Euronorm", "Euro emission class"), header: t("Euronorm", "Euro class"),
                                 intro: t("Voertuigen per euronorm (uit de inschrijving), opgeteld over de camera's en dagen van de periode.",
                                          "Vehicles per Euro emission class (from the registration), summed over the period's cameras and days.")))
        }
        if metrics.contains("vehicle-age") {
            out.append(cameraMix(id: "leeftijd", property: "kp:vehicleAgeCount", qualifier: "kp:vehicleAgeBin", stream: "vehicle-ages",
                                 title: t("Leeftijd van de voertuigen", "Vehicle age"), header: t("Jaren sinds inschrijving", "Years since registration"),
                                 intro: t("Voertuigen per leeftijdsklasse (jaren sinds de eerste inschrijving).",
                                          "Vehicles per age class (years since first registration).")))
        }
        if metrics.contains("nationality") {
            out.append(cameraMix(id: "nationaliteit", property: "kp:nationalityCount", qualifier: "kp:nationality", stream: "nationalities",
                                 title: t("Nationaliteit", "Nationality"), header: t("Land", "Country"),
                                 intro: t("Passages per land van inschrijving (volgens de inschrijving, anders de nummerplaat).",
                                          "Passages per country of registration (from the registration, otherwise the plate)."), byVehicles: true))
        }
        if metrics.contains("vehicle-category") { out.append(vehicleCategories) }
        if metrics.contains("heavy-through-traffic") { out.append(heavyTransit) }
        if metrics.contains("lez-compliance") { out.append(lezCompliance) }
        if metrics.contains("recurring-vehicles") { out.append(recurringVehicles) }
        return out
    }

    /// A camera metric's daily cells summed per qualifier value.
    private func cameraMix(id: String, property: String, qualifier: String, stream: String, title: String, header: String,
                           intro: String, byVehicles: Bool = false) -> Panel {
        var q = cameraCounts(property: property, hourly: false)
        q.triples.append("?o \(qualifier) ?class")
        q.total(by: "?class", order: byVehicles ? "DESC(?vehicles) ?class" : "?class")
        return Panel(id: id, title: title, intro: intro, query: q,
                     chart: .init(kind: .bar, x: "class", y: [("vehicles", t("Voertuigen", "Vehicles"))], xTitle: header, yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "class", header: header, format: .text),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: restrictedLinks(stream))
    }

    private var vehicleCategories: Panel {
        var q = cameraCounts(property: "kp:vehicleCategoryCount", hourly: false)
        q.triples += ["?o kp:vehicleCategory ?category", "?o kp:vehicleType ?type"]
        q.total(by: "?category ?type")
        return Panel(id: "categorie", title: t("Voertuigcategorie en cameraklasse", "Vehicle category and camera class"),
                     intro: t("Voertuigen per categorie uit de inschrijving (M1, N1, …), naast de klasse die de camera zag.",
                              "Vehicles per registered category (M1, N1, …), beside the class the camera saw."),
                     query: q, chart: .init(kind: .stacked, x: "category", y: [("vehicles", t("Voertuigen", "Vehicles"))], series: "type",
                                            xTitle: t("Categorie", "Category"), yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "category", header: t("Categorie", "Category"), format: .text),
                               .init(variable: "type", header: t("Cameraklasse", "Camera class"), format: .text),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: restrictedLinks("vehicle-categories"))
    }

    private var heavyTransit: Panel {
        var q = zoneCounts(property: "kp:heavyTransitVehiclesCount", hourly: false)
        q.select = "?start ?zone " + ObservationQuery.cell
        q.orderBy = "?zone ?start"
        return Panel(id: "zwaar-doorgaand", title: t("Doorgaand zwaar verkeer per dag", "Heavy through traffic per day"),
                     intro: t("Zware voertuigen (N2, N3 of door de camera als vrachtwagen gezien) die de zone enkel doorkruisen.",
                              "Heavy vehicles (N2, N3, or seen as a truck by the camera) that only cross the zone."),
                     query: q, chart: .init(kind: .line, x: "start", y: [("v", t("Voertuigen", "Vehicles"))], series: "zone",
                                            xTitle: t("Dag", "Day"), yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "start", header: t("Dag", "Day"), format: .day),
                               .init(variable: "zone", header: "Zone", format: .feature(page: false)),
                               .init(variable: "v", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "hidden"))],
                     links: restrictedLinks("heavy-through-traffic"))
    }

    private var lezCompliance: Panel {
        var q = zoneCounts(property: "kp:lezComplianceShare", hourly: true)
        q.constraints.append("BIND (HOURS(?start) AS ?hour)")
        q.select = "?zone ?hour (AVG(?v) AS ?share) (COUNT(*) - COUNT(?v) AS ?withheld)"
        q.groupBy = "?zone ?hour"
        q.orderBy = "?zone ?hour"
        return Panel(id: "lez", title: t("Naleving van de lage-emissiezone per uur", "Low-emission-zone compliance per hour"),
                     intro: t("Aandeel van de binnenrijdende voertuigen dat de zone mocht binnenrijden, gemiddeld per uur van de dag (afgeschermde uren tellen niet mee).",
                              "Share of the entering vehicles allowed into the zone, averaged per hour of the day (withheld hours are left out)."),
                     query: q, chart: .init(kind: .line, x: "hour", y: [("share", t("Aandeel", "Share"))], series: "zone",
                                            xTitle: t("Uur van de dag", "Hour of the day"), yTitle: t("Aandeel", "Share")),
                     columns: [.init(variable: "zone", header: "Zone", format: .feature(page: false)),
                               .init(variable: "hour", header: t("Uur", "Hour"), format: .hour),
                               .init(variable: "share", header: t("Aandeel", "Share"), format: .decimal(3)),
                               .init(variable: "withheld", header: t("Afgeschermde uren", "Withheld hours"), format: .count(hidden: nil))],
                     links: restrictedLinks("lez-compliance"))
    }

    private var recurringVehicles: Panel {
        var q = ObservationQuery.observations(property: "kp:recurringVehiclesCount", period: "kp:Weekly", feature: "?zone",
                                              via: "sosa:hasFeatureOfInterest")
        q.triples.append("?o kp:daysSeen ?days")
        q.restrict(from: from.adding(-6), to: to)
        q.values("zone", zoneIRIs)
        q.select = "?start ?zone ?days " + ObservationQuery.cell
        q.orderBy = "?zone ?start ?days"
        return Panel(id: "terugkerend", title: t("Terugkerende voertuigen per week", "Recurring vehicles per week"),
                     intro: t("Verschillende voertuigen per zone en week, naar het aantal dagen van die week dat ze er waren.",
                              "Distinct vehicles per zone and week, by the number of that week's days they were there."),
                     query: q, chart: .init(kind: .stacked, x: "start", y: [("v", t("Voertuigen", "Vehicles"))], series: "days",
                                            xTitle: t("Week vanaf", "Week from"), yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "start", header: t("Week vanaf", "Week from"), format: .day),
                               .init(variable: "zone", header: "Zone", format: .feature(page: false)),
                               .init(variable: "days", header: t("Dagen gezien", "Days seen"), format: .text),
                               .init(variable: "v", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "hidden"))],
                     links: restrictedLinks("recurring-vehicles"))
    }
}

/// The restricted page's opening: whose data this is, under which purposes, and that it is for
/// this reader only.
struct RestrictedNotice {
    let language: Language
    let tenant: String
    let metrics: [String]
    private func t(_ nl: String, _ en: String) -> String { language.text(nl, en) }

    func render() -> String {
        let e = HTML.escape
        return """
            <section class="panel notice" id="p-beperkt" aria-labelledby="p-beperkt-title">
              <h2 id="p-beperkt-title">\(e(t("Enkel voor uw stad", "For your city only")))</h2>
              <p class="intro">\(e(t("Deze cijfers komen uit de koppeling met het voertuigregister en zijn enkel zichtbaar voor analisten van", "These figures come from the link with the vehicle registry and are visible only to analysts of"))) <strong>\(e(tenant))</strong>, \(e(t("voor de doeleinden die uw stad kreeg", "for the purposes your city was granted"))): \(e(metrics.joined(separator: ", "))). \(e(t("Enkel uw eigen camera's en zones; tellingen onder de drempel worden afgeschermd. Elke raadpleging staat in het toegangslogboek.", "Only your own cameras and zones; counts below the threshold are withheld. Every read is in the access log.")))</p>
            </section>

            """
    }
}
