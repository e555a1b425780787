/// The panels every page can use: where the cameras and zones are, how fresh each camera's data
/// is, and the headline figures.
extension PageContext {
    /// The newest observation start per camera (data freshness; also what the period defaults to).
    static func freshness(_ iris: [String]?, language: Language) -> Panel {
        var q = ObservationQuery()
        q.triples = ["?o sosa:madeBySensor ?camera", "?o sosa:phenomenonTime ?i", "?i time:hasBeginning ?b", "?b time:inXSDDateTimeStamp ?start"]
        q.optional = []
        q.values("camera", iris)
        q.select = "?camera (MAX(?start) AS ?latest)"
        q.groupBy = "?camera"
        q.orderBy = "?camera"
        let nl = language == .nl
        return Panel(id: "actualiteit", title: nl ? "Actualiteit per camera" : "Data freshness per camera",
                     intro: nl ? "Het begin van de nieuwste gepubliceerde observatie van elke camera." : "The start of each camera's newest published observation.",
                     query: q, chart: .init(kind: .none),
                     columns: [.init(variable: "camera", header: "Camera", format: .feature(page: true)),
                               .init(variable: "latest", header: nl ? "Nieuwste observatie" : "Newest observation", format: .dateTime)])
    }

    /// Camera locations (points on the map; the table lists them for those without one).
    var cameraMap: Panel {
        var q = ObservationQuery()
        q.triples = ["?camera a sosa:Sensor", "?camera rdfs:label ?label"]
        q.optional = ["?camera geo:hasGeometry ?g . ?g geo:asWKT ?wkt"]
        q.values("camera", cameraIRIs)
        q.select = "?camera ?label ?wkt"
        q.orderBy = "?camera"
        return Panel(id: "kaart", title: t("Kaart van camera's en zones", "Map of cameras and zones"),
                     intro: t("Camera's als punten, zones als omtrek (de ingevoerde omtrek, of de omhullende van hun camera's). Zonder achtergrondkaart blijven punten en omtrekken zichtbaar.",
                              "Cameras as points, zones as outlines (the imported outline, or the hull of their cameras). Without map tiles, points and outlines stay visible."),
                     query: q, chart: .init(kind: .map, x: "wkt", y: [("label", "label")]),
                     columns: [.init(variable: "camera", header: "Camera", format: .feature(page: true)),
                               .init(variable: "label", header: t("Naam", "Name"), format: .text),
                               .init(variable: "wkt", header: t("Ligging (WKT)", "Location (WKT)"), format: .text)])
    }

    /// Zones with their cameras by role.
    var zoneCameras: Panel {
        let q = ObservationQuery.prefixes + """
            SELECT ?zone ?label ?role ?camera ?wkt WHERE {
              ?zone a kp:Zone ; rdfs:label ?label .
              { ?zone kp:entryCamera ?camera . BIND ("entry" AS ?role) }
              UNION { ?zone kp:exitCamera ?camera . BIND ("exit" AS ?role) }
              UNION { ?zone kp:insideCamera ?camera . BIND ("inside" AS ?role) }
              UNION { ?zone geo:hasGeometry ?g . ?g geo:asWKT ?wkt . BIND ("outline" AS ?role) }
            \(zoneIRIs.map { "  VALUES ?zone { \($0.isEmpty ? "<urn:kruispunt:none>" : $0.map(ObservationQuery.iri).joined(separator: " ")) }\n" } ?? "")}
            ORDER BY ?zone ?role ?camera
            """
        var panel = Panel(id: "zones", title: t("Zones en hun camera's", "Zones and their cameras"),
                     intro: t("Elke zone met haar in- en uitrijcamera's, de camera's erbinnen en haar omtrek (WKT), als die werd ingevoerd.",
                              "Each zone with its entry, exit and inside cameras, and its outline (WKT) when one was imported."),
                     sparql: q, chart: .init(kind: .none),
                     columns: [.init(variable: "zone", header: "Zone", format: .feature(page: false)),
                               .init(variable: "label", header: t("Naam", "Name"), format: .text),
                               .init(variable: "role", header: t("Rol", "Role"), format: .text),
                               .init(variable: "camera", header: "Camera", format: .feature(page: true)),
                               .init(variable: "wkt", header: t("Omtrek (WKT)", "Outline (WKT)"), format: .text)])
        panel.embedsAnswer = true  // the map outlines the zones from it
        return panel
    }

    /// Vehicles in the period against the period before, from the cameras' daily counts.
    var headline: Panel {
        let prev = previous
        var q = cameraCounts(from: prev.from, to: to)
        q.constraints.append("BIND (IF(?start >= \"\(from.startLexical)\"^^xsd:dateTime, \"huidig\", \"vorig\") AS ?period)")
        q.select = "?period " + ObservationQuery.totals + " (COUNT(*) AS ?cells)"
        q.groupBy = "?period"
        q.orderBy = "?period"
        return Panel(id: "kerncijfers", title: t("Kerncijfers", "Headline figures"),
                     intro: t("Voertuigpassages langs de gekozen camera's in de periode (\(describe(from, to))), tegenover de periode ervoor (\(describe(prev.from, prev.to))).",
                              "Vehicle passages at the chosen cameras in the period (\(describe(from, to))), against the period before (\(describe(prev.from, prev.to)))."),
                     query: q, chart: .init(kind: .figures, x: "period", y: [("vehicles", t("voertuigpassages", "vehicle passages"))]),
                     columns: [.init(variable: "period", header: t("Periode (huidig of vorig)", "Period (huidig = current, vorig = previous)"), format: .text),
                               .init(variable: "vehicles", header: t("Voertuigpassages", "Vehicle passages"), format: .count(hidden: "withheld")),
                               .init(variable: "cells", header: t("Cellen", "Cells"), format: .count(hidden: nil))],
                     links: [(t("Event stream voertuigtellingen", "Vehicle counts event stream"), iris.stream("vehicle-counts"))])
    }

    /// Vehicles per day over the chosen cameras.
    var dailyTotals: Panel {
        var q = cameraCounts()
        if filters.hours != nil {
            q.constraints.append("BIND (YEAR(?start) * 10000 + MONTH(?start) * 100 + DAY(?start) AS ?day)")
        } else {
            q.constraints.append("BIND (STR(?start) AS ?day)")
        }
        q.total(by: "?day")
        let hours = filters.hours.map { t(" tussen \($0.lowerBound):00 en \($0.upperBound):59", " between \($0.lowerBound):00 and \($0.upperBound):59") } ?? ""
        return Panel(id: "per-dag", title: t("Voertuigen per dag", "Vehicles per day"),
                     intro: t("Som van de dagtellingen van de gekozen camera's\(hours).", "Sum of the chosen cameras' daily counts\(hours)."),
                     query: q, chart: .init(kind: .bar, x: "day", y: [("vehicles", t("Voertuigen", "Vehicles"))], xTitle: t("Dag", "Day"), yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "day", header: t("Dag", "Day"), format: .day),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: [(t("Event stream voertuigtellingen", "Vehicle counts event stream"), iris.stream("vehicle-counts"))])
    }

    /// Cameras ranked by vehicles in the period.
    var cameraTotals: Panel {
        var q = cameraCounts()
        q.total(by: "?camera", order: "DESC(?vehicles) ?camera")
        return Panel(id: "per-camera", title: t("Voertuigen per camera", "Vehicles per camera"),
                     intro: t("Voertuigpassages per camera in de periode, de drukste eerst.", "Vehicle passages per camera in the period, busiest first."),
                     query: q, chart: .init(kind: .bar, x: "camera", y: [("vehicles", t("Voertuigen", "Vehicles"))], xTitle: "Camera", yTitle: t("Voertuigen", "Vehicles")),
                     columns: [.init(variable: "camera", header: "Camera", format: .feature(page: true)),
                               .init(variable: "vehicles", header: t("Voertuigen", "Vehicles"), format: .count(hidden: "withheld"))],
                     links: [(t("Event stream voertuigtellingen", "Vehicle counts event stream"), iris.stream("vehicle-counts"))])
    }
}
