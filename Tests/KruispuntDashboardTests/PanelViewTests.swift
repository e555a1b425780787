import KruispuntRDF
import Testing
@testable import KruispuntDashboard

@Suite struct PanelViewTests {
    static func integer(_ n: Int) -> Term { .literal(String(n), datatype: XSD.integer, language: nil) }

    @Test func withheldCellsShowTheThresholdNeverZero() {
        var q = ObservationQuery.observations(property: "cot:passedByVehiclesCount", period: "cot:Daily")
        q.select = "?camera (SUM(COALESCE(?v, 0)) AS ?vehicles) (COUNT(*) - COUNT(?v) AS ?withheld)"
        let panel = Panel(id: "t", title: "Voertuigen", intro: "", query: q,
                          chart: .init(kind: .bar, x: "camera", y: [("vehicles", "Voertuigen")]),
                          columns: [.init(variable: "camera", header: "Camera", format: .feature(page: true)),
                                    .init(variable: "vehicles", header: "Voertuigen", format: .count(hidden: "withheld"))])
        let rows: [[Term?]] = [
            [.iri("http://x/id/camera/1"), Self.integer(0), Self.integer(1)],      // one cell, withheld
            [.iri("http://x/id/camera/2"), Self.integer(1234), Self.integer(2)],   // a sum with withheld parts
            [.iri("http://x/id/camera/3"), Self.integer(0), Self.integer(0)],      // a published zero
            [.iri("http://x/id/camera/4"), Self.integer(12345), Self.integer(0)],
        ]
        let html = PanelView(result: PanelResult(panel: panel, variables: ["camera", "vehicles", "withheld"], rows: rows),
                             language: .nl, minimumCount: 10).render()
        #expect(html.contains("data-value=\"\" data-suppressed=\"1\"><abbr title=") && html.contains(">&lt; 10</abbr>"))
        #expect(html.contains(">≥ 1.234</abbr>") && html.contains("data-suppressed=\"2\""))
        #expect(html.contains("data-value=\"0\">0</td>") && html.contains(">12.345</td>"))
        #expect(html.contains("<a href=\"/camera/1\">1</a>"))
        #expect(html.contains("afgeschermd ter bescherming van de privacy"))
        // The chart's data and the query travel with the panel; a script cannot be closed early.
        #expect(html.contains("<script type=\"application/sparql-results+json\" id=\"p-t-data\">"))
        #expect(html.contains("/sparql?query=") && html.contains("format=csv") && html.contains("format=turtle"))
        let english = PanelView(result: PanelResult(panel: panel, variables: ["camera", "vehicles", "withheld"], rows: rows),
                                language: .en, minimumCount: 10).render()
        #expect(english.contains(">≥ 1,234</abbr>") && english.contains("withheld to protect privacy"))
    }

    @Test func aFailedQueryIsSaidNotShownAsZero() {
        let panel = Panel(id: "f", title: "T", intro: "", sparql: "SELECT * WHERE { ?s ?p ?o }", chart: .init(kind: .bar), columns: [])
        let html = PanelView(result: PanelResult(panel: panel, variables: [], rows: [], error: "timeout"), language: .nl, minimumCount: 10).render()
        #expect(html.contains("role=\"alert\"") && html.contains("timeout") && !html.contains("<canvas>"))
    }

    @Test func scriptTextCannotEndItsElement() {
        #expect(PanelView.scriptSafe("{\"a\": \"</script><b>\"}") == "{\"a\": \"\\u003c/script>\\u003cb>\"}")
    }
}
