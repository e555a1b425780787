import ArgumentParser
import Foundation
import KruispuntANPR
import KruispuntServer
import KruispuntStore

struct Cameras: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The camera registry: import cameras.csv, list cameras (those learned from detections are flagged for review).",
        subcommands: [Import.self, List.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import cameras.csv (camera_id,backoffice_id,name,latitude,longitude,municipality[,bearing]).",
            discussion: "One bad line refuses the whole file, with every problem listed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The cameras.csv file.") var file: String

        func run() async throws {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let cameras: [Registry.Camera]
            do { cameras = try Registry.cameras(csv: text) } catch { throw ValidationError("\(file): \(error)") }
            let runtime = try global.runtime(label: "cameras")
            defer { runtime.shutdown() }
            let n = try Registry.importCameras(cameras, on: try runtime.connect())
            StandardOutput.write("\(n) cameras imported\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the cameras (CSV on standard output).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Only cameras learned from detections that still need review.") var review = false

        func run() async throws {
            let runtime = try global.runtime(label: "cameras")
            defer { runtime.shutdown() }
            let rows = try runtime.connect().query("""
                SELECT camera_id, coalesce(name, ''), coalesce(municipality, ''), coalesce(latitude::text, ''),
                       coalesce(longitude::text, ''), source, needs_review FROM cameras
                WHERE $1 = 'f' OR needs_review ORDER BY camera_id
                """, [review ? "t" : "f"])
            var out = "camera_id,name,municipality,latitude,longitude,source,needs_review\n"
            for r in rows { out += r.map { csvField($0 ?? "") }.joined(separator: ",") + "\n" }
            StandardOutput.write(out)
        }
    }
}

struct Zones: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Zones (cordons): import zones.csv with an optional GeoJSON outline per zone, list zones, set LEZ rules.",
        subcommands: [Import.self, List.self, LEZ.self])

    struct LEZ: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lez-rules",
            abstract: "Set the low-emission-zone rules of zones from a CSV (zone_id,fuel,minimum_euro,valid_from); without a file, list them.",
            discussion: """
                From valid_from on, a vehicle of that fuel needs at least minimum_euro (0 to 6, 6d) to enter the zone; an \
                empty minimum_euro bars the fuel. A fuel without a rule may enter. The zones named get exactly the rules \
                the file lists; the days still staged are judged again at the next treatment run (the restricted \
                metric lez-compliance).
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rules (CSV); omit to list the rules.") var file: String?

        func run() async throws {
            let runtime = try global.runtime(label: "zones")
            defer { runtime.shutdown() }
            guard let file else {
                var out = "zone_id,fuel,minimum_euro,valid_from\n"
                for r in try LEZRules.all(on: try runtime.connect()) {
                    out += [r.zone, r.fuel, r.minimumEuro ?? "", r.validFrom].map(csvField).joined(separator: ",") + "\n"
                }
                StandardOutput.write(out)
                return
            }
            let rules: [LEZRules.Rule]
            do { rules = try LEZRules.rules(csv: try String(contentsOfFile: file, encoding: .utf8)) }
            catch { throw ValidationError("\(file): \(error)") }
            try LEZRules.replace(rules, on: try runtime.connect())
            StandardOutput.write("\(rules.count) LEZ rules for \(Set(rules.map(\.zone)).count) zones\n")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import zones.csv (zone_id,name,camera_id,role[,transit_limit_seconds]; role entry, exit or inside).",
            discussion: "A zone named in the file gets exactly the cameras the file lists. --geojson takes a FeatureCollection whose features carry a zone_id property.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The zones.csv file.") var file: String
        @Option(help: "GeoJSON FeatureCollection with a zone_id property per feature.") var geojson: String?

        func run() async throws {
            let lines: [Registry.ZoneCamera]
            do { lines = try Registry.zones(csv: try String(contentsOfFile: file, encoding: .utf8)) }
            catch { throw ValidationError("\(file): \(error)") }
            var outlines: [String: String] = [:]
            if let geojson {
                guard let data = FileManager.default.contents(atPath: geojson) else { throw ValidationError("cannot read \(geojson)") }
                do { outlines = try Registry.zoneOutlines(geoJSON: data) }
                catch { throw ValidationError("\(geojson): \(error)") }
            }
            let runtime = try global.runtime(label: "zones")
            defer { runtime.shutdown() }
            let n = try Registry.importZones(lines, geojson: outlines, on: try runtime.connect())
            StandardOutput.write("\(n) zones imported (\(lines.count) camera roles, \(outlines.count) outlines)\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List zones and their cameras (CSV on standard output).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let runtime = try global.runtime(label: "zones")
            defer { runtime.shutdown() }
            let rows = try runtime.connect().query("""
                SELECT z.zone_id, z.name, c.camera_id, c.role FROM zones z JOIN zone_cameras c USING (zone_id)
                ORDER BY z.zone_id, c.role, c.camera_id
                """)
            var out = "zone_id,name,camera_id,role\n"
            for r in rows { out += r.map { csvField($0 ?? "") }.joined(separator: ",") + "\n" }
            StandardOutput.write(out)
        }
    }
}
