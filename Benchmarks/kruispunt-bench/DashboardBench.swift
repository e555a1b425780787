import Foundation
import KruispuntStore

// The dashboard's figures (issue 8), on the SPARQL bench's store (a year of hourly counts for
// 500 cameras at full size): server-side render of each page for a week (p50/p95 over warm runs,
// target p95 < 300 ms), the page's transfer before map tiles (target < 1 MB) and its first
// contentful paint in headless Chromium (target < 1.5 s), by scripts/bench_dashboard.py.
// The store holds hourly vehicle counts only, so pages read them (`uren=0-23` makes daily totals
// come from the hours); panels of other metrics (flows, zones, speeds) answer empty and cost
// only their query's planning and an index probe.
enum DashboardBench {
    static func run(work: URL, dataDir: URL, base: String, cameras: Int, days: Int) -> [String] {
        // The registry: the generated cameras ("C0" … are not ids the registry import accepts,
        // so they are written directly), spread over the four pilot cities.
        let cities = [("Mechelen", 51.028, 4.478), ("Turnhout", 51.322, 4.944), ("Kortrijk", 50.828, 3.265), ("Antwerpen", 51.219, 4.402)]
        do {
            let db = try Connection(conninfo: "host='\(dataDir.path)/run' port=5432 user=postgres dbname=kruispunt")
            try db.query("""
                INSERT INTO cameras (camera_id, backoffice_id, name, municipality, latitude, longitude, source)
                SELECT 'C' || c, 'BO', 'camera ' || c, ($2::text[])[c % 4 + 1], ($3::float8[])[c % 4 + 1] + (c % 17) * 0.002,
                       ($4::float8[])[c % 4 + 1] + (c % 13) * 0.003, 'registry'
                FROM generate_series(0, $1::int - 1) c ON CONFLICT (camera_id) DO NOTHING
                """, [String(cameras), "{" + cities.map(\.0).joined(separator: ",") + "}",
                      "{" + cities.map { String($0.1) }.joined(separator: ",") + "}", "{" + cities.map { String($0.2) }.joined(separator: ",") + "}"])
        } catch {
            print("  the registry could not be written: \(error)")
        }

        // A week in the middle of the data (28-day months from 2026-01-01, as the generator writes).
        let first = min(days - 7, 7)
        func day(_ d: Int) -> String { String(format: "2026-%02d-%02d", 1 + (d / 28) % 12, 1 + d % 28) }
        let week = "van=\(day(max(0, first)))&tot=\(day(max(0, first) + 6))"
        let pages = [["overzicht", "/?\(week)&uren=0-23"], ["camera", "/camera/C7?\(week)"], ["stromen", "/stromen?\(week)"],
                     ["zones", "/zones?\(week)"], ["vergelijk", "/vergelijk?\(week)&uren=0-23"], ["overzicht-gemeente", "/?\(week)&uren=0-23&gemeente=Mechelen"]]
        let json = String(decoding: (try? JSONSerialization.data(withJSONObject: pages)) ?? Data(), as: UTF8.self)
        print("\nDashboard (issue 8): pages for the week \(week) over \(cameras) cameras and \(days) days of hourly counts")
        let text = StoreBench.python(["scripts/bench_dashboard.py", "--base", base, "--pages", json, "--runs", "10", "--browser"])
        guard let result = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let measured = result["pages"] as? [String: [String: Any]] else {
            print("  bench_dashboard.py failed: \(text.suffix(500))")
            return []
        }
        if let error = result["browser_error"] { print("  headless Chromium: \(error)") }
        var ratios: [String] = []
        print("page".padding(toLength: 22, withPad: " ", startingAt: 0) + "render p50 / p95     transfer (gzip / decoded)   first paint   panel errors")
        for page in pages {
            guard let m = measured[page[0]], let p50 = m["p50_ms"] as? Double, let p95 = m["p95_ms"] as? Double,
                  let transfer = m["transfer_bytes"] as? Int else { continue }
            let paint = (m["first_contentful_paint_ms"] as? Double).map { String(format: "%6.0f ms", $0) } ?? "     -   "
            print(page[0].padding(toLength: 22, withPad: " ", startingAt: 0)
                  + String(format: "%6.0f / %6.0f ms   %6.0f / %6.0f kB         %@   %d", p50, p95, Double(transfer) / 1000,
                           Double(m["decoded_bytes"] as? Int ?? transfer) / 1000, paint, m["panel_errors"] as? Int ?? -1))
            ratios.append(String(format: "  dashboard %@: render p95 %.0f ms (target < 300), transfer %.0f kB (target < 1000)%@",
                                 page[0], p95, Double(transfer) / 1000,
                                 (m["first_contentful_paint_ms"] as? Double).map { String(format: ", first contentful paint %.0f ms (target < 1500)", $0) } ?? ""))
        }
        return ratios
    }
}
