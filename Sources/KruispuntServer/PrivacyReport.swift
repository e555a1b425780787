import Foundation
import KruispuntANPR
import KruispuntDashboard
import KruispuntStore
import KruispuntTreatment

/// The privacy dossier (`kruispunt privacy report`), made from the live configuration and store:
/// the processing register (fields the controller fills in are marked), recipients per tenant and
/// purpose, retention, pseudonymisation, thresholds, where data is stored, the data flow, and the
/// results of the privacy checks run against this store now. In Dutch, with English subtitles;
/// rendered as Markdown or as an HTML page. It never holds a secret, token or pseudonym.
public struct PrivacyReport: Sendable {
    /// One section: a title, paragraphs (Markdown-light: `code` and **bold**), tables, a figure.
    struct Section: Sendable {
        var title: String
        var paragraphs: [String] = []
        var tables: [(header: [String], rows: [[String]])] = []
        var figure: String?
    }

    let generatedAt: String
    let sections: [Section]
    /// The outcome of every check (the command exits 3 when one failed).
    public let checks: [PrivacyChecks.Result]
    public let accessLogIntact: Bool

    /// Marks a field the controller fills in.
    static let toFill = "[in te vullen door de verwerkingsverantwoordelijke]"

    /// Gathers everything from `runtime`'s configuration and store.
    public static func gather(runtime: Runtime, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PrivacyReport {
        let c = runtime.configuration
        let db = try runtime.connect()
        let now = Date()
        let today = String(BrusselsTime.format(Int64(now.timeIntervalSince1970 * 1000)).prefix(10))
        let tenants = try Tenants.list(on: db)
        let grants = try PurposeGrants.list(on: db)
        let tokens = try APITokens.list(on: db)
        let counts = try db.query("""
            SELECT (SELECT count(*) FROM cameras), (SELECT count(*) FROM zones), (SELECT count(*) FROM detections),
                   (SELECT count(*) FROM vehicle_registry), (SELECT count(*) FROM quarantine),
                   (SELECT count(*) FROM treatment_runs), (SELECT string_agg(DISTINCT min_count::text, ', ') FROM treatment_runs),
                   (SELECT (extract(epoch FROM min(observed_at)) * 1000)::bigint FROM detections),
                   (SELECT count(*) FROM access_log)
            """)[0]
        func int(_ i: Int) -> Int { Int(counts[i] ?? "0") ?? 0 }
        let checks = try PrivacyChecks.run(minimumCount: c.minimumCount, on: db)
        let chain = try AccessLog.verify(on: db, witness: runtime.accessLogWitness)
        let enriched = int(3) > 0
        let millis = Int64(now.timeIntervalSince1970 * 1000)

        var sections: [Section] = []
        sections.append(Section(title: "Identificatie (identification)", tables: [(["Gegeven", "Waarde"], [
            ["Opgemaakt op", BrusselsTime.format(millis)],
            ["Softwareversie (server, verwerking)", "\(StatusAPI.version), \(Treatment.softwareVersion)"],
            ["Basis-URL van de gepubliceerde gegevens", c.baseURL ?? "(die van de opslag)"],
            ["Instantie", c.instanceName],
            ["Verwerkingsverantwoordelijke", toFill],
            ["Functionaris voor gegevensbescherming", toFill],
        ])]))
        var purposes: [[String]] = [["Open gegevens (scenario 1): mobiliteit, leefbaarheid en milieu", "iedereen (anoniem, open licentie)",
                                     "tellingen, stromen, reistijden, zoneverkeer, snelheden, voertuigmix (geaggregeerd, kleine aantallen afgeschermd)",
                                     "—", toFill]]
        for g in grants.sorted(by: { ($0.tenant, $0.purpose) < ($1.tenant, $1.purpose) }) {
            let tenant = tenants.first { $0.id == g.tenant }
            let state = g.revokedAt != nil ? "ingetrokken op \(g.revokedAt!.prefix(10))" : (g.holds(on: today) ? "geldig tot \(g.until)" : "verlopen op \(g.until)")
            purposes.append(["\(g.purpose) (scenario 2, beperkt)", "\(tenant?.name ?? g.tenant) (`\(g.tenant)`)",
                             g.metrics.map { "`\($0)`" }.joined(separator: ", "), state, g.basis ?? toFill])
        }
        sections.append(Section(title: "Verwerkingsregister (processing register)", paragraphs: [
            "**Betrokkenen.** Bestuurders en houders van voertuigen die een ANPR-camera van de deelnemende steden passeren.",
            "**Categorieën van gegevens.** Per detectie: een pseudoniem dat de aangeleverde hash van de nummerplaat vervangt, het tijdstip, "
                + "de camera en haar positie, het land van de nummerplaat, de snelheid en het voertuigtype volgens de camera"
                + (enriched ? "; uit het uittreksel van het voertuigregister (\(int(3)) rijen): euronorm, jaar van eerste inschrijving, brandstof en categorie." : ". Er is geen uittreksel van het voertuigregister geladen."),
            "**Bron.** De federale politie (ANPR-backoffice) levert gepseudonimiseerde detecties via HTTP-upload of een afzetmap.",
            "**Doorgifte buiten de EU.** Geen. " + toFill,
        ], tables: [(["Doeleinde", "Ontvanger", "Gegevens", "Geldigheid", "Rechtsgrond"], purposes)]))

        let roles = Dictionary(grouping: tokens.filter { $0.state(atMillis: millis) == .valid }, by: { $0.role.rawValue }).mapValues(\.count)
        sections.append(Section(title: "Ontvangers en toegang (recipients and access)", paragraphs: [
            "Open gegevens zijn voor iedereen zonder aanmelding. Beperkte gegevens enkel voor analisten van een stad (tenant) met een geldige doelbinding, over de eigen camera's en zones. "
                + "Operatoren en beheerders zien status, datakwaliteit en statistieken; enkel beheerders zien het toegangslog. Elke toegang staat in het toegangslog (hash-keten).",
        ], tables: [(["Tenant", "Naam", "Gemeenten", "Geldige doelbindingen"], tenants.map { t in
            [t.id, t.name, t.municipalities.joined(separator: ", "),
             String(grants.filter { $0.tenant == t.id && $0.holds(on: today) }.count)]
        }), (["Rol", "Geldige API-tokens"], ["analyst", "operator", "admin", "ingest"].map { [$0, String(roles[$0] ?? 0)] }
            + [["admin/ingest uit de omgeving", "\(c.adminTokens.count) / \(c.ingestTokens.count)"],
               ["OpenID Connect", c.oidc.map { "uitgever \($0.issuer)" } ?? "niet ingesteld"]])]))

        sections.append(Section(title: "Bewaartermijnen (retention)", tables: [(["Gegevens", "Termijn", "Nu"], [
            ["Ruwe detecties (met pseudoniem)", "\(c.retentionHours.plainText) uur nadat de verwerking hun dag afsloot, een hele dag tegelijk",
             "\(int(2)) detecties" + (counts[7].flatMap(Int64.init).map { ", de oudste van \(BrusselsTime.format($0).prefix(10))" } ?? "")],
            ["Lijnen in quarantaine (ruwe tekst, met plaathash)", "\(c.retentionHours.plainText) uur na hun levering", "\(int(4)) lijnen"],
            ["Uittreksel van het voertuigregister", "met de laatste detecties van zijn sleutelperiode", "\(int(3)) rijen"],
            ["Gepubliceerde observaties (anoniem)", c.publishedRetentionDays.map { "\($0) dagen" } ?? "onbeperkt", "—"],
            ["Toegangslog", "\(c.accessLogDays) dagen (het anker van de keten blijft)", "\(int(8)) regels"],
        ])]))

        let secretSource = environment["KRUISPUNT_PSEUDONYM_SECRET"].map { _ in "de omgevingsvariabele `KRUISPUNT_PSEUDONYM_SECRET`" }
            ?? "het bestand `pseudonym.secret` in de datamap (modus 0600)"
        let rotation = ["day": "per kalenderdag (Europe/Brussels)", "week": "per ISO-week", "none": "nooit (één sleutel)"][c.keyRotation.rawValue] ?? c.keyRotation.rawValue
        sections.append(Section(title: "Pseudonimisering en afscherming (pseudonymisation and suppression)", paragraphs: [
            "**Pseudoniem.** De aangeleverde plaathash wordt bij ontvangst vervangen door HMAC-SHA256(periodesleutel, plaathash), ingekort tot 128 bits. "
                + "De periodesleutels worden afgeleid van een hoofdgeheim uit \(secretSource) en wisselen \(rotation). "
                + "Het geheim staat niet in de databank en niet in dit dossier. Pseudoniemen verlaten de staging-tabellen nooit: geen opslag, export, log of antwoord bevat ze.",
            "**Drempel voor kleine aantallen.** k = \(c.minimumCount): een telling v wordt enkel gepubliceerd als v = 0 of v ≥ k; anders zonder resultaat (`kp:suppressed`). "
                + "Complementaire afscherming verbergt ook een cel die een verborgen cel zou verraden (dag min uren, zone min camera's), en een statistiek (gemiddelde, mediaan, V85) over minder dan k voertuigen. "
                + "Drempels in de \(int(5)) uitgevoerde verwerkingen: \(counts[6] ?? "—").",
            "**Koppelen over tijd.** Unieke voertuigen en stromen zijn enkel binnen één sleutelperiode te tellen; terugkerende voertuigen vergen een week (rotatie per week of geen).",
        ]))

        let database: String
        if let url = c.databaseURL { database = "PostgreSQL op \(redacted(url))" } else {
            database = "ingebedde PostgreSQL-cluster in `\(c.dataDirectory.appendingPathComponent("pg").path)` (enkel een Unix-socket)"
        }
        sections.append(Section(title: "Opslagplaatsen (where data is stored)", tables: [(["Wat", "Waar"], [
            ["Detecties, quarantaine, observaties, toegangslog, tokens (als SHA-256)", database],
            ["Leesreplica voor publicatie", c.readDatabaseURL.map(redacted) ?? "geen"],
            ["Dumps van de event streams (anoniem)", "`\(c.dumpsDirectory.path)`"],
            ["Uploads in ontvangst (tijdelijk, gewist na verwerking of bij de start)", "`\(c.dataDirectory.appendingPathComponent("uploads").path)`"],
            ["Toegangslog dat op de databank wacht (enkel bij een storing)", "`\(c.dataDirectory.appendingPathComponent("access-log.spool").path)`"],
            ["Cameraregister", "\(int(0)) camera's, \(int(1)) zones"],
        ])]))

        sections.append(Section(title: "Gegevensstroom (data flow)", paragraphs: [
            "Alleen de verwerking leest de staging-tabellen; alles rechts van de verwerking is anoniem en geaggregeerd.",
        ], figure: Self.flow))

        var rows = checks.map { r in [r.nl, String(r.checked), String(r.findings), r.passed ? "geslaagd" : "GEFAALD"] }
        rows.append(["Het toegangslog is een ongebroken hash-keten", String(chain.checked), chain.intact ? "0" : "1",
                     chain.intact ? "geslaagd" : "GEFAALD (regel \(chain.firstBroken ?? 0): \(chain.reason ?? ""))"])
        var examples: [String] = []
        for r in checks where !r.examples.isEmpty { examples.append("**\(r.id)**: " + r.examples.map { "`\($0)`" }.joined(separator: ", ")) }
        sections.append(Section(title: "Resultaten van de privacycontroles op deze opslag (privacy checks, run now)", paragraphs: [
            "Uitgevoerd op \(BrusselsTime.format(millis)) tegen de opslag van deze versie. De aanvallerstest met differentiëren en propagatie "
                + "(README, \"No differencing\"; `test_18_attacker`) en de test dat geen pseudoniem de staging verlaat (`test_07_pseudonyms`) lopen in `make test` op gegenereerde gegevens; "
                + "de controles hieronder herhalen hun kern op de echte gegevens.",
        ] + examples, tables: [(["Controle", "Onderzocht", "Bevindingen", "Uitkomst"], rows)]))

        return PrivacyReport(generatedAt: BrusselsTime.format(millis), sections: sections, checks: checks, accessLogIntact: chain.intact)
    }

    /// Whether every check passed.
    public var passed: Bool { accessLogIntact && checks.allSatisfy(\.passed) }

    static let flow = """
        politie (ANPR-backoffice)
           │  gepseudonimiseerde detecties (plaathash)
           ▼
        ontvangst ── ongeldige lijnen ──▶ quarantaine (ruwe tekst, 72 u)
           │  plaathash ▶ pseudoniem (HMAC, sleutel per periode)
           ▼
        staging: detecties (pseudoniem, 72 u na afsluiten van de dag)
           │  enkel de verwerking leest hier
           ▼
        verwerking: tellingen, stromen, reistijden, ... + drempel k + complementaire afscherming + SHACL
           │  anonieme observaties (geen pseudoniem)
           ▼
        opslag (quads) ──▶ event streams, fragmenten, tijdreeksen, SPARQL, catalogus, dumps  ──▶ iedereen
                       └─▶ beperkte streams en pagina ──▶ analisten van een stad met doelbinding
        elke toegang ──▶ toegangslog (hash-keten) ──▶ beheerders
        """

    /// A database URL or key=value string without its credentials.
    static func redacted(_ url: String) -> String {
        if let components = URLComponents(string: url), components.scheme != nil {
            var c = components
            c.user = nil
            c.password = nil
            c.query = nil
            return "`" + (c.string ?? "?") + "`"
        }
        return "`" + url.split(separator: " ").filter { !$0.lowercased().hasPrefix("password=") && !$0.lowercased().hasPrefix("user=") }
            .joined(separator: " ") + "`"
    }

    /// The dossier as Markdown.
    public func markdown() -> String {
        var text = "# Privacydossier Kruispunt (privacy dossier)\n\nTechnische bijlage bij de DPIA, opgemaakt uit de configuratie en de opslag van deze installatie op \(generatedAt). "
            + "Velden met \(Self.toFill) vult de verwerkingsverantwoordelijke in.\n"
        for s in sections {
            text += "\n## \(s.title)\n\n"
            for p in s.paragraphs { text += p + "\n\n" }
            for t in s.tables {
                text += "| " + t.header.joined(separator: " | ") + " |\n|" + t.header.map { _ in "---|" }.joined() + "\n"
                for r in t.rows { text += "| " + r.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
                text += "\n"
            }
            if let f = s.figure { text += "```text\n\(f)\n```\n\n" }
        }
        return text
    }

    /// The dossier as one HTML page (printable, no script).
    public func html() -> String {
        let e = HTML.escape
        var body = "<p>Technische bijlage bij de DPIA, opgemaakt uit de configuratie en de opslag van deze installatie op \(e(generatedAt)). "
            + "Velden met <em>\(e(Self.toFill))</em> vult de verwerkingsverantwoordelijke in.</p>\n"
        for s in sections {
            body += "<section><h2>\(e(s.title))</h2>\n"
            for p in s.paragraphs { body += "<p>\(APIReferencePage.inline(p))</p>\n" }
            for t in s.tables {
                body += "<table class=\"operator\"><thead><tr>" + t.header.map { "<th scope=\"col\">\(e($0))</th>" }.joined() + "</tr></thead><tbody>\n"
                for r in t.rows { body += "<tr>" + r.map { "<td>\(APIReferencePage.inline($0))</td>" }.joined() + "</tr>\n" }
                body += "</tbody></table>\n"
            }
            if let f = s.figure { body += "<figure><pre>\(e(f))</pre></figure>\n" }
            body += "</section>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="nl">
            <head><meta charset="utf-8"><title>Privacydossier · Kruispunt</title>
            <style>body { font-family: sans-serif; max-width: 60rem; margin: 2rem auto; } table { border-collapse: collapse; margin: 0.5rem 0; }
            td, th { border: 1px solid #c9d1db; padding: 0.2rem 0.4rem; text-align: left; vertical-align: top; } pre { font-size: 0.85rem; }</style>
            </head>
            <body>
            <h1>Privacydossier Kruispunt</h1>
            \(body)</body>
            </html>

            """
    }
}
