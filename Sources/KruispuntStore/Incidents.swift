import Foundation

/// Incidents: opened when a health check fails, resolved when it recovers, acknowledged and
/// annotated by operators; each with a timeline of events (`incident_events`).
public enum Incidents {
    static let schema = """
        CREATE TABLE incidents (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            component text NOT NULL,          -- database, treatment, disk, retention, ...
            title text NOT NULL,
            detail text NOT NULL DEFAULT '',
            affected text NOT NULL DEFAULT '',  -- cameras or streams concerned, comma-separated
            opened_at timestamptz NOT NULL,
            resolved_at timestamptz,
            acknowledged_at timestamptz,
            acknowledged_by text
        );
        -- At most one open incident per component.
        CREATE UNIQUE INDEX incidents_open ON incidents (component) WHERE resolved_at IS NULL;
        CREATE TABLE incident_events (
            incident_id bigint NOT NULL REFERENCES incidents (id),
            at timestamptz NOT NULL,
            event text NOT NULL CHECK (event IN ('opened', 'resolved', 'acknowledged', 'note')),
            actor text NOT NULL,              -- 'system' or the operator's identity
            text text NOT NULL DEFAULT ''
        );
        CREATE INDEX incident_events_incident ON incident_events (incident_id, at);
        """

    /// One incident with its timeline.
    public struct Incident: Codable, Sendable, Equatable {
        public struct Event: Codable, Sendable, Equatable {
            public var at: String, event: String, actor: String, text: String
        }
        public var id: Int64
        public var component: String, title: String, detail: String, affected: String
        public var openedAt: String
        public var resolvedAt: String?, acknowledgedAt: String?, acknowledgedBy: String?
        /// Seconds from opening to resolution (or to now while open).
        public var durationSeconds: Double
        public var events: [Event]

        public var isOpen: Bool { resolvedAt == nil }

        /// Nulls are written, never left out.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id); try c.encode(component, forKey: .component); try c.encode(title, forKey: .title)
            try c.encode(detail, forKey: .detail); try c.encode(affected, forKey: .affected); try c.encode(openedAt, forKey: .openedAt)
            try c.encode(resolvedAt, forKey: .resolvedAt); try c.encode(acknowledgedAt, forKey: .acknowledgedAt)
            try c.encode(acknowledgedBy, forKey: .acknowledgedBy); try c.encode(durationSeconds, forKey: .durationSeconds)
            try c.encode(events, forKey: .events)
        }
    }

    static func instant(_ ms: Int64) -> String { String(Double(ms) / 1000) }

    /// Opens an incident for `component` at `atMillis` unless one is open; returns it (new or not).
    @discardableResult
    public static func open(component: String, title: String, detail: String, affected: String = "",
                            atMillis: Int64, on db: Connection) throws -> (incident: Incident, new: Bool) {
        try db.transaction {
            if let current = try list(component: component, openOnly: true, limit: 1, on: db).first { return (current, false) }
            let id = try db.query("""
                INSERT INTO incidents (component, title, detail, affected, opened_at)
                VALUES ($1, $2, $3, $4, to_timestamp($5::double precision)) RETURNING id
                """, [component, title, detail, affected, instant(atMillis)])[0][0] ?? "0"
            try event(Int64(id) ?? 0, "opened", actor: "system", text: detail, atMillis: atMillis, on: db)
            return (try get(Int64(id) ?? 0, on: db)!, true)
        }
    }

    /// Resolves the open incident of `component`, if any; returns it.
    @discardableResult
    public static func resolve(component: String, detail: String, atMillis: Int64, on db: Connection) throws -> Incident? {
        try db.transaction {
            guard let current = try list(component: component, openOnly: true, limit: 1, on: db).first else { return nil }
            try db.query("UPDATE incidents SET resolved_at = to_timestamp($2::double precision) WHERE id = $1",
                         [String(current.id), instant(atMillis)])
            try event(current.id, "resolved", actor: "system", text: detail, atMillis: atMillis, on: db)
            return try get(current.id, on: db)
        }
    }

    /// An operator acknowledges an incident (once; later calls add a note); nil if unknown.
    public static func acknowledge(_ id: Int64, by actor: String, note: String, on db: Connection) throws -> Incident? {
        try db.transaction {
            guard try get(id, on: db) != nil else { return nil }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let first = try db.update("""
                UPDATE incidents SET acknowledged_at = to_timestamp($2::double precision), acknowledged_by = $3
                WHERE id = $1 AND acknowledged_at IS NULL
                """, [String(id), instant(now), actor])
            try event(id, first > 0 ? "acknowledged" : "note", actor: actor, text: note, atMillis: now, on: db)
            return try get(id, on: db)
        }
    }

    /// An operator's note on an incident; nil if unknown.
    public static func annotate(_ id: Int64, by actor: String, note: String, on db: Connection) throws -> Incident? {
        try db.transaction {
            guard try get(id, on: db) != nil else { return nil }
            try event(id, "note", actor: actor, text: note, atMillis: Int64(Date().timeIntervalSince1970 * 1000), on: db)
            return try get(id, on: db)
        }
    }

    private static func event(_ id: Int64, _ event: String, actor: String, text: String, atMillis: Int64, on db: Connection) throws {
        try db.query("""
            INSERT INTO incident_events (incident_id, at, event, actor, text) VALUES ($1, to_timestamp($2::double precision), $3, $4, $5)
            """, [String(id), instant(atMillis), event, actor, text])
    }

    public static func get(_ id: Int64, on db: Connection) throws -> Incident? {
        try list(ids: [id], limit: 1, on: db).first
    }

    /// Incidents, newest first: of `ids`, of one `component`, open only, opened from/to (ms).
    public static func list(ids: [Int64]? = nil, component: String? = nil, openOnly: Bool = false,
                            fromMillis: Int64? = nil, toMillis: Int64? = nil, limit: Int, on db: Connection) throws -> [Incident] {
        let stamp = "to_char(%@ AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        func utc(_ column: String) -> String { stamp.replacingOccurrences(of: "%@", with: column) }
        let rows = try db.query("""
            SELECT id, component, title, detail, affected, \(utc("opened_at")), \(utc("resolved_at")), \(utc("acknowledged_at")),
                   acknowledged_by, extract(epoch FROM coalesce(resolved_at, now()) - opened_at)
            FROM incidents
            WHERE ($1::bigint[] IS NULL OR id = ANY($1::bigint[])) AND ($2::text IS NULL OR component = $2)
              AND (NOT $3::boolean OR resolved_at IS NULL)
              AND ($4::double precision IS NULL OR opened_at >= to_timestamp($4::double precision))
              AND ($5::double precision IS NULL OR opened_at < to_timestamp($5::double precision))
            ORDER BY opened_at DESC, id DESC LIMIT $6
            """, [ids.map { "{" + $0.map(String.init).joined(separator: ",") + "}" }, component, openOnly ? "true" : "false",
                  fromMillis.map(instant), toMillis.map(instant), String(limit)])
        var incidents = rows.map { r in
            Incident(id: Int64(r[0] ?? "") ?? 0, component: r[1] ?? "", title: r[2] ?? "", detail: r[3] ?? "", affected: r[4] ?? "",
                     openedAt: r[5] ?? "", resolvedAt: r[6], acknowledgedAt: r[7], acknowledgedBy: r[8],
                     durationSeconds: max(0, ((r[9].flatMap(Double.init) ?? 0) * 1000).rounded() / 1000), events: [])
        }
        guard !incidents.isEmpty else { return [] }
        let index = Dictionary(uniqueKeysWithValues: incidents.enumerated().map { ($0.element.id, $0.offset) })
        for r in try db.query("""
            SELECT incident_id, \(utc("at")), event, actor, text FROM incident_events
            WHERE incident_id = ANY($1::bigint[]) ORDER BY at, event <> 'opened'
            """, ["{" + incidents.map { String($0.id) }.joined(separator: ",") + "}"]) {
            guard let id = r[0].flatMap({ Int64($0) }), let i = index[id] else { continue }
            incidents[i].events.append(.init(at: r[1] ?? "", event: r[2] ?? "", actor: r[3] ?? "", text: r[4] ?? ""))
        }
        return incidents
    }

    /// CSV (RFC 4180) of incidents: one row each, the timeline in the last column.
    public static func csv(_ incidents: [Incident]) -> String {
        func field(_ s: String) -> String { CSVField.quoted(s) }
        var out = "id,component,title,detail,affected,opened_at,resolved_at,duration_seconds,acknowledged_at,acknowledged_by,timeline\r\n"
        for i in incidents {
            let timeline = i.events.map { "\($0.at) \($0.event) (\($0.actor))" + ($0.text.isEmpty ? "" : ": \($0.text)") }.joined(separator: "; ")
            out += [String(i.id), i.component, i.title, i.detail, i.affected, i.openedAt, i.resolvedAt ?? "",
                    String(i.durationSeconds), i.acknowledgedAt ?? "", i.acknowledgedBy ?? "", timeline].map(field).joined(separator: ",") + "\r\n"
        }
        return out
    }
}
