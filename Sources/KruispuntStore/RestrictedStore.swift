import Foundation

/// Restricted (scenario-2) observations, apart from the open quad store: their published state
/// and their members, each member a small graph kept as N-Triples with its metric and feature.
/// No open read path (event streams, fragments, SPARQL, dashboard, dumps) reads these tables; the
/// one that does (`members`) takes the caller's metrics and features as SQL conditions, so a
/// tenant reads only its own cameras and zones, only for the metrics its purposes allow.
public enum RestrictedStore {
    /// Migration 30.
    static let schema = """
        -- Low-emission-zone rules: from a day on, the lowest Euro class a fuel needs to enter a
        -- zone (null: the fuel may not enter at all). A fuel without a rule may enter.
        CREATE TABLE lez_rules (
            zone_id text NOT NULL,
            fuel text NOT NULL,
            minimum_euro text CHECK (minimum_euro ~ '^([0-6]|6d)$'),
            valid_from date NOT NULL,
            PRIMARY KEY (zone_id, fuel, valid_from)
        );
        -- The published state of each restricted observation (like published_cells).
        CREATE TABLE restricted_cells (
            key text PRIMARY KEY,
            day date NOT NULL,
            state text NOT NULL,
            version integer NOT NULL
        );
        CREATE INDEX restricted_cells_day ON restricted_cells (day);
        -- Every version of a restricted observation, in publication order.
        CREATE TABLE restricted_members (
            seq bigserial PRIMARY KEY,
            metric text NOT NULL,
            feature_kind text NOT NULL CHECK (feature_kind IN ('camera', 'zone')),
            feature_id text NOT NULL,
            member text NOT NULL UNIQUE,
            version_of text NOT NULL,
            generated_at timestamptz NOT NULL,
            body text NOT NULL           -- the member's triples, N-Triples
        );
        CREATE INDEX restricted_members_metric ON restricted_members (metric, seq);
        CREATE INDEX restricted_members_version_of ON restricted_members (version_of);
        """

    /// A member to store.
    public struct NewMember: Sendable {
        public var metric: String
        public var featureKind: String
        public var featureID: String
        public var member: String
        public var versionOf: String
        public var body: String
        public init(metric: String, featureKind: String, featureID: String, member: String, versionOf: String, body: String) {
            self.metric = metric
            self.featureKind = featureKind
            self.featureID = featureID
            self.member = member
            self.versionOf = versionOf
            self.body = body
        }
    }

    /// A stored member as a reader gets it.
    public struct Member: Sendable, Equatable {
        public let seq: Int64
        public let iri: String
        public let body: String
    }

    /// Published state and version of the restricted observations of one local day, by key.
    public static func states(day: String, on db: Connection) throws -> [String: (state: String, version: Int)] {
        var out: [String: (String, Int)] = [:]
        for row in try db.query("SELECT key, state, version FROM restricted_cells WHERE day = $1::date", [day]) {
            guard let key = row[0], let state = row[1], let version = row[2].flatMap(Int.init) else { continue }
            out[key] = (state, version)
        }
        return out
    }

    /// Records new states and appends their members, in the caller's transaction.
    public static func save(states: [(key: String, day: String, state: String, version: Int)], members: [NewMember],
                            generatedAtMillis: Int64, on db: Connection) throws {
        guard !states.isEmpty || !members.isEmpty else { return }
        // One statement each, the rows as arrays: a run publishes hundreds of members at once.
        try db.query("""
            INSERT INTO restricted_cells (key, day, state, version)
            SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::integer[])
            ON CONFLICT (key) DO UPDATE SET state = excluded.state, version = excluded.version
            """, [PostgresArray.text(states.map(\.key)), PostgresArray.text(states.map(\.day)), PostgresArray.text(states.map(\.state)),
                  PostgresArray.text(states.map { String($0.version) })])
        try db.query("""
            INSERT INTO restricted_members (metric, feature_kind, feature_id, member, version_of, generated_at, body)
            SELECT m, k, f, i, v, to_timestamp($6::double precision / 1000), b
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $7::text[]) WITH ORDINALITY AS x (m, k, f, i, v, b, n)
            ORDER BY n
            """, [PostgresArray.text(members.map(\.metric)), PostgresArray.text(members.map(\.featureKind)),
                  PostgresArray.text(members.map(\.featureID)), PostgresArray.text(members.map(\.member)),
                  PostgresArray.text(members.map(\.versionOf)), String(generatedAtMillis), PostgresArray.text(members.map(\.body))])
    }

    /// At most `limit` members of `metric` after the member numbered `after`, about the given
    /// cameras and zones only, in publication order.
    public static func members(metric: String, cameras: [String], zones: [String], after: Int64, limit: Int,
                               on db: Connection) throws -> [Member] {
        try db.query("""
            SELECT seq, member, body FROM restricted_members
            WHERE metric = $1 AND seq > $2
              AND ((feature_kind = 'camera' AND feature_id = ANY($3::text[])) OR (feature_kind = 'zone' AND feature_id = ANY($4::text[])))
            ORDER BY seq LIMIT $5
            """, [metric, String(after), PostgresArray.text(cameras), PostgresArray.text(zones), String(limit)]).compactMap { r in
            guard let seq = r[0].flatMap(Int64.init), let iri = r[1], let body = r[2] else { return nil }
            return Member(seq: seq, iri: iri, body: body)
        }
    }

    /// The bodies of the member `iri`, or of every version of the observation `iri`, when it is
    /// about one of the given cameras or zones.
    public static func versions(of iri: String, metric: String, cameras: [String], zones: [String], on db: Connection) throws -> [String] {
        try db.query("""
            SELECT body FROM restricted_members
            WHERE (member = $1 OR version_of = $1) AND metric = $2
              AND ((feature_kind = 'camera' AND feature_id = ANY($3::text[])) OR (feature_kind = 'zone' AND feature_id = ANY($4::text[])))
            ORDER BY seq
            """, [iri, metric, PostgresArray.text(cameras), PostgresArray.text(zones)]).compactMap { $0[0] }
    }

    /// The zones whose every camera belongs to the tenant (a zone is a tenant's only when all of it is).
    public static func zones(ofCameras cameras: [String], on db: Connection) throws -> [String] {
        try db.query("""
            SELECT zone_id FROM zone_cameras GROUP BY zone_id HAVING bool_and(camera_id = ANY($1::text[])) ORDER BY 1
            """, [PostgresArray.text(cameras)]).compactMap { $0[0] }
    }
}

/// Low-emission-zone rules per zone (table `lez_rules`), loaded from a CSV with
/// `zone_id,fuel,minimum_euro,valid_from` (an empty `minimum_euro`: the fuel may not enter).
public enum LEZRules {
    /// One rule.
    public struct Rule: Sendable, Equatable {
        public var zone: String
        public var fuel: String
        /// The lowest Euro class allowed (`0`...`6`, `6d`), nil: not allowed at all.
        public var minimumEuro: String?
        /// The first local day the rule holds, `YYYY-MM-DD`.
        public var validFrom: String
        public init(zone: String, fuel: String, minimumEuro: String?, validFrom: String) {
            self.zone = zone
            self.fuel = fuel
            self.minimumEuro = minimumEuro
            self.validFrom = validFrom
        }
    }

    /// Replaces the rules of the zones `rules` name; every zone must exist.
    public static func replace(_ rules: [Rule], on db: Connection) throws {
        try db.transaction {
            let known = Set(try db.query("SELECT zone_id FROM zones").compactMap { $0[0] })
            if let unknown = rules.first(where: { !known.contains($0.zone) }) {
                throw StoreError("no zone '\(unknown.zone)' in the registry (kruispunt registry import-zones first)")
            }
            let zones = Array(Set(rules.map(\.zone))).sorted()
            try db.query("DELETE FROM lez_rules WHERE zone_id = ANY($1::text[])", [PostgresArray.text(zones)])
            for r in rules {
                try db.query("INSERT INTO lez_rules (zone_id, fuel, minimum_euro, valid_from) VALUES ($1, $2, $3, $4::date)",
                             [r.zone, r.fuel, r.minimumEuro, r.validFrom])
            }
            // Days already treated are judged again under the new rules.
            try db.execute("UPDATE treatment_days SET dirty = true WHERE NOT purged")
        }
    }

    /// Every rule, by zone, fuel and day.
    public static func all(on db: Connection) throws -> [Rule] {
        try db.query("SELECT zone_id, fuel, minimum_euro, valid_from::text FROM lez_rules ORDER BY 1, 2, 4").compactMap { r in
            guard let z = r[0], let f = r[1], let from = r[3] else { return nil }
            return Rule(zone: z, fuel: f, minimumEuro: r[2], validFrom: from)
        }
    }
}
