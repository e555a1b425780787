import Foundation
import Hummingbird
import KruispuntANPR
import KruispuntDashboard
import KruispuntRDF

/// Query parameters the operator APIs share, in Dutch or English, with bilingual 400s.
enum RequestParameters {
    /// The first value of `name` in a form-encoded text (a query string or a POST body): "+" is
    /// a space, which Hummingbird's `queryParameters` leave as "+".
    static func formValue(_ name: String, in body: String) -> String? {
        formValues(name, in: body).first
    }

    static func formValues(_ name: String, in body: String) -> [String] {
        body.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.first == name else { return nil }
            return (parts.count > 1 ? parts[1] : "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
    }

    /// A query parameter as a form sends it (see `formValue`), or nil.
    static func text(_ request: Request, _ name: String) -> String? {
        request.uri.query.flatMap { formValue(name, in: $0) }
    }

    /// The first of `names` given, as a local day (`YYYY-MM-DD`), or nil.
    static func day(_ request: Request, _ names: [String]) throws -> LocalDay? {
        let p = request.uri.queryParameters
        guard let text = names.lazy.compactMap({ p.get($0) }).first, !text.isEmpty else { return nil }
        // Years before 1970 hold no detections, and PostgreSQL has no year 0.
        guard let day = LocalDay.parse(text), (1970...9999).contains(day.civil.year) else {
            throw HTTPError(.badRequest, message: "'\(names[0])' moet een datum (JJJJ-MM-DD) tussen 1970 en 9999 zijn / must be a date (YYYY-MM-DD) from 1970 to 9999: \(text)")
        }
        return day
    }

    /// The first of `names` given, as an instant (UTC ms): an `xsd:dateTime`, or a date (its
    /// start in UTC), or nil.
    static func instant(_ request: Request, _ names: [String]) throws -> Int64? {
        let p = request.uri.queryParameters
        guard let text = names.lazy.compactMap({ p.get($0) }).first, !text.isEmpty else { return nil }
        if let t = XSDDateTime(text) ?? XSDDateTime(text + "T00:00:00Z") { return t.epochMillis }
        throw HTTPError(.badRequest, message: "'\(names[0])' moet een datum of tijdstip zijn / must be a date or a date-time: \(text)")
    }

    /// `van`/`from` to `tot`/`to`, both included: by default the `defaultDays` days up to today.
    static func days(_ request: Request, defaultDays: Int = 31) throws -> (from: LocalDay, to: LocalDay) {
        let today = LocalDay(number: BrusselsTime.localDay(Int64(Date().timeIntervalSince1970 * 1000)))
        let to = try day(request, ["to", "tot"]) ?? today
        let from = try day(request, ["from", "van"]) ?? to.adding(1 - defaultDays)
        guard from <= to, to.number - from.number <= 366 else {
            throw HTTPError(.badRequest, message: "'van' moet vóór 'tot' liggen, hoogstens 367 dagen / 'from' must precede 'to', at most 367 days")
        }
        return (from, to)
    }

    /// `camera`: 1 to 13 digits, or nil.
    static func camera(_ request: Request) throws -> String? {
        guard let camera = request.uri.queryParameters.get("camera") else { return nil }
        if camera.isEmpty || camera.count > 13 || !camera.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw HTTPError(.badRequest, message: "'camera' moet 1 tot 13 cijfers zijn / must be 1 to 13 digits")
        }
        return camera
    }
}
