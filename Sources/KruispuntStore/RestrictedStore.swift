import Foundation
import KruispuntRDF

/// Restricted (scenario-2) observations, apart from the open quad store: their published state
/// and their members, each member a small named graph kept twice: as N-Triples with its metric and
/// feature (for the streams) and dictionary-encoded in `restricted_quads` (for SPARQL). No open
/// read path (event streams, fragments, dashboard, dumps) reads these tables; those that do take
/// the caller's metrics and features as SQL conditions, so a tenant reads only its own cameras
/// and zones, only for the metrics its purposes allow.
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

    /// Migration 31: the members' quads, dictionary-encoded like the open store's, each with the
    /// metric and feature (`camera:ID`, `zone:ID`) a reader's scope is matched against.
    static let quadsSchema = """
        CREATE TABLE restricted_quads (
            member bigint NOT NULL REFERENCES restricted_members (seq) ON DELETE CASCADE,
            metric text NOT NULL,
            feature text NOT NULL,
            g bigint NOT NULL, s bigint NOT NULL, p bigint NOT NULL, o bigint NOT NULL
        );
        CREATE INDEX restricted_quads_member ON restricted_quads (member);
        CREATE INDEX restricted_quads_gspo ON restricted_quads (g, s, p, o);
        CREATE INDEX restricted_quads_spog ON restricted_quads (s, p, o, g);
        CREATE INDEX restricted_quads_posg ON restricted_quads (p, o, s, g);
        CREATE INDEX restricted_quads_ospg ON restricted_quads (o, s, p, g);
        -- Members stored before this migration are encoded by the next treatment run.
        ALTER TABLE restricted_members ADD COLUMN encoded boolean NOT NULL DEFAULT false;
        CREATE INDEX restricted_members_unencoded ON restricted_members (seq) WHERE NOT encoded;
        """

    /// A member to store.
    public struct NewMember: Sendable {
        public var metric: String
        public var featureKind: String
        public var featureID: String
        public var member: String
        public var versionOf: String
        public var triples: [Triple]
        public init(metric: String, featureKind: String, featureID: String, member: String, versionOf: String, triples: [Triple]) {
            self.metric = metric
            self.featureKind = featureKind
            self.featureID = featureID
            self.member = member
            self.versionOf = versionOf
            self.triples = triples
        }
    }

    /// The scope a reader's SQL matches `restricted_quads.feature` against: `camera:ID`, `zone:ID`.
    public static func features(cameras: [String], zones: [String]) -> [String] {
        cameras.map { "camera:" + $0 } + zones.map { "zone:" + $0 }
    }

    /// The quads a reader of restricted graphs reads from: the open store's and every restricted
    /// member's (columns g, s, p, o, and the restricted ones' metric and feature, NULL for open
    /// quads). There is no condition inside, so that PostgreSQL flattens the union and joins each
    /// branch on its own indexes (a branch with a WHERE clause is scanned whole for every row
    /// joined to it); every use adds `scope(_:metrics:features:)` for its alias.
    public static let readerQuads = """
        (SELECT g, s, p, o, NULL::text AS metric, NULL::text AS feature FROM quads \
        UNION ALL SELECT g, s, p, o, metric, feature FROM restricted_quads)
        """

    /// The condition on a `readerQuads` alias: open quads, and the restricted ones of the metrics
    /// and features in the two text-array placeholders.
    public static func scope(_ alias: String, metrics: String, features: String) -> String {
        "(\(alias).metric IS NULL OR (\(alias).metric = ANY(\(metrics)) AND \(alias).feature = ANY(\(features))))"
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

    /// Records new states and appends their members, in the caller's transaction. A member that
    /// supersedes another is linked from it in `versionsGraph` (`<…/v1> dct:isReplacedBy <…/v2>`,
    /// as `VersionLinks` does for open members), among the restricted quads.
    public static func save(states: [(key: String, day: String, state: String, version: Int)], members: [NewMember],
                            generatedAtMillis: Int64, versionsGraph: String, on db: Connection) throws {
        guard !states.isEmpty || !members.isEmpty else { return }
        // One statement each, the rows as arrays: a run publishes hundreds of members at once.
        try db.query("""
            INSERT INTO restricted_cells (key, day, state, version)
            SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::integer[])
            ON CONFLICT (key) DO UPDATE SET state = excluded.state, version = excluded.version
            """, [PostgresArray.text(states.map(\.key)), PostgresArray.text(states.map(\.day)), PostgresArray.text(states.map(\.state)),
                  PostgresArray.text(states.map { String($0.version) })])
        guard !members.isEmpty else { return }
        let rows = try db.query("""
            INSERT INTO restricted_members (metric, feature_kind, feature_id, member, version_of, generated_at, body, encoded)
            SELECT m, k, f, i, v, to_timestamp($6::double precision / 1000), b, true
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $7::text[]) WITH ORDINALITY AS x (m, k, f, i, v, b, n)
            ORDER BY n
            RETURNING seq, member
            """, [PostgresArray.text(members.map(\.metric)), PostgresArray.text(members.map(\.featureKind)),
                  PostgresArray.text(members.map(\.featureID)), PostgresArray.text(members.map(\.member)),
                  PostgresArray.text(members.map(\.versionOf)), String(generatedAtMillis),
                  PostgresArray.text(members.map { NTriples.serialize($0.triples) })])
        var seqs: [String: Int64] = [:]
        for r in rows { if let seq = r[0].flatMap(Int64.init), let iri = r[1] { seqs[iri] = seq } }
        try encode(members.compactMap { m in
            seqs[m.member].map { Encoded(seq: $0, metric: m.metric, feature: m.featureKind + ":" + m.featureID, member: m.member,
                                         versionOf: m.versionOf, triples: m.triples) }
        }, versionsGraph: versionsGraph, on: db)
    }

    /// A member to encode.
    private struct Encoded {
        var seq: Int64, metric: String, feature: String, member: String, versionOf: String, triples: [Triple]

        /// The link from the version it supersedes (`<…/v{n-1}> dct:isReplacedBy <…/v{n}>`), if any.
        var link: Triple? {
            guard member.hasPrefix(versionOf + "/v"), let n = Int(member.dropFirst(versionOf.count + 2)), n > 1 else { return nil }
            return Triple(.iri(versionOf + "/v" + String(n - 1)), .iri(DCT.isReplacedBy), .iri(member))
        }
    }

    /// Writes members' quads into `restricted_quads` (each member its own named graph), and the
    /// links to them from the versions they supersede (in `versionsGraph`).
    private static func encode(_ members: [Encoded], versionsGraph: String, on db: Connection) throws {
        var terms: Set<Term> = [.iri(versionsGraph)]
        for m in members {
            terms.insert(.iri(m.member))
            for t in m.triples + (m.link.map { [$0] } ?? []) { terms.insert(t.subject); terms.insert(t.predicate); terms.insert(t.object) }
        }
        let ids = try QuadStore.intern(terms, on: db)
        var seq: [String] = [], metric: [String] = [], feature: [String] = [], g: [String] = [], s: [String] = [], p: [String] = [], o: [String] = []
        for m in members {
            let quads = m.triples.map { ($0, Term.iri(m.member)) } + (m.link.map { [($0, Term.iri(versionsGraph))] } ?? [])
            for (t, graph) in quads {
                guard let gi = ids[graph], let si = ids[t.subject], let pi = ids[t.predicate], let oi = ids[t.object] else { continue }
                seq.append(String(m.seq)); metric.append(m.metric); feature.append(m.feature)
                g.append(String(gi)); s.append(String(si)); p.append(String(pi)); o.append(String(oi))
            }
        }
        guard !seq.isEmpty else { return }
        try db.query("""
            INSERT INTO restricted_quads (member, metric, feature, g, s, p, o)
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
            """, [PostgresArray.text(seq), PostgresArray.text(metric), PostgresArray.text(feature), PostgresArray.text(g),
                  PostgresArray.text(s), PostgresArray.text(p), PostgresArray.text(o)])
    }

    /// Encodes the members stored before `restricted_quads` existed (from their N-Triples), a
    /// thousand at a time in the caller's transaction; returns how many it encoded.
    @discardableResult
    public static func encodePending(versionsGraph: String, on db: Connection) throws -> Int {
        var done = 0
        while true {
            let rows = try db.query("""
                SELECT seq, metric, feature_kind || ':' || feature_id, member, version_of, body FROM restricted_members
                WHERE NOT encoded ORDER BY seq LIMIT 1000
                """)
            if rows.isEmpty { return done }
            var batch: [Encoded] = []
            for r in rows {
                guard let seq = r[0].flatMap(Int64.init), let metric = r[1], let feature = r[2], let member = r[3], let versionOf = r[4],
                      let body = r[5] else { continue }
                let quads = try Raptor.shared.parse(body, syntax: .ntriples, baseIRI: member)
                batch.append(Encoded(seq: seq, metric: metric, feature: feature, member: member, versionOf: versionOf, triples: quads.map(\.triple)))
            }
            try encode(batch, versionsGraph: versionsGraph, on: db)
            try db.query("UPDATE restricted_members SET encoded = true WHERE seq = ANY($1::bigint[])",
                         [PostgresArray.text(rows.compactMap { $0[0] })])
            done += rows.count
        }
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
