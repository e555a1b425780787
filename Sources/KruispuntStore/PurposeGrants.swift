import Foundation

/// Legal purposes granted to tenants: which scenario-2 (restricted) metrics a city may receive,
/// for which purpose, until when. Grants are data, made and revoked with `kruispunt purpose`
/// (each command in the access log); nothing is ever deleted, so the history shows who could see
/// what when.
///
/// ```swift
/// try PurposeGrants.grant(tenant: "kortrijk", purpose: "lez-monitoring", metrics: ["euro-class", "lez-compliance"],
///                         until: "2027-12-31", basis: "GR 2026-05-12", on: db)
/// let now = try PurposeGrants.metrics(of: "kortrijk", on: db)   // ["euro-class", "lez-compliance"]
/// ```
public enum PurposeGrants {
    /// The restricted metrics a purpose can be granted for (scenario 2: the vehicle registry).
    public static let restrictedMetrics = [
        "nationality", "vehicle-category", "vehicle-age", "euro-class", "heavy-through-traffic", "recurring-vehicles", "lez-compliance",
    ]

    public struct Grant: Sendable, Equatable, Codable {
        public var id: Int64
        public var tenant: String
        public var purpose: String
        public var metrics: [String]
        /// The last day (Europe/Brussels) the grant holds, `YYYY-MM-DD`.
        public var until: String
        public var basis: String?
        public var grantedAt: String
        public var revokedAt: String?

        /// Whether the grant holds on a local day (`YYYY-MM-DD`).
        public func holds(on day: String) -> Bool { revokedAt == nil && day <= until }
    }

    /// Migration 27.
    static let schema = """
        -- A tenant's legal purpose and the restricted metrics it allows, until a day (inclusive).
        CREATE TABLE purpose_grants (
            id bigserial PRIMARY KEY,
            tenant text NOT NULL REFERENCES tenants (id),
            purpose text NOT NULL CHECK (purpose ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
            metrics text[] NOT NULL CHECK (cardinality(metrics) > 0),
            valid_until date NOT NULL,
            basis text,
            granted_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz
        );
        CREATE INDEX purpose_grants_tenant ON purpose_grants (tenant);
        """

    /// Grants `metrics` to a tenant for a purpose until a day. The tenant must exist, the metrics
    /// be restricted ones, the day not past; a purpose the tenant holds already is refused (revoke
    /// it first), so that every change is a grant or a revocation in the log.
    public static func grant(tenant: String, purpose: String, metrics: [String], until: String, basis: String?,
                             on db: Connection) throws -> Grant {
        guard try Tenants.find(tenant, on: db) != nil else { throw StoreError("no tenant '\(tenant)' (kruispunt tenant create \(tenant) --name …)") }
        guard purpose.range(of: "^[a-z0-9][a-z0-9-]{0,62}$", options: .regularExpression) != nil else {
            throw StoreError("a purpose is lower-case letters, digits and hyphens, at most 63 (got '\(purpose)')")
        }
        let wanted = metrics.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !wanted.isEmpty else { throw StoreError("a grant needs at least one metric (--metrics)") }
        if let unknown = wanted.first(where: { !restrictedMetrics.contains($0) }) {
            throw StoreError("'\(unknown)' is not a restricted metric (\(restrictedMetrics.joined(separator: ", ")))")
        }
        guard until.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil else {
            throw StoreError("--until takes a date, YYYY-MM-DD (got '\(until)')")
        }
        return try db.transaction {
            guard let ok = try db.query("SELECT $1::date >= (now() AT TIME ZONE 'Europe/Brussels')::date", [until]).first?[0] else {
                throw StoreError("--until: '\(until)' is not a date")
            }
            guard ok == "t" else { throw StoreError("--until \(until) lies in the past") }
            let held = try db.query("""
                SELECT id FROM purpose_grants WHERE tenant = $1 AND purpose = $2 AND revoked_at IS NULL
                  AND valid_until >= (now() AT TIME ZONE 'Europe/Brussels')::date
                """, [tenant, purpose])
            if let id = held.first?[0] { throw StoreError("\(tenant) holds \(purpose) already (grant \(id)): revoke it first") }
            let ordered = restrictedMetrics.filter(Set(wanted).contains)
            guard let row = try db.query("""
                INSERT INTO purpose_grants (tenant, purpose, metrics, valid_until, basis) VALUES ($1, $2, $3::text[], $4::date, $5)
                RETURNING \(columns)
                """, [tenant, purpose, PostgresArray.text(ordered), until, basis]).first else { throw StoreError("the grant was not stored") }
            return grant(row)
        }
    }

    /// Revokes a grant; false when there is no such grant or it was revoked before.
    public static func revoke(id: Int64, on db: Connection) throws -> Bool {
        try db.update("UPDATE purpose_grants SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [String(id)]) == 1
    }

    /// Every grant (optionally of one tenant), oldest first, revoked and expired ones included.
    public static func list(tenant: String? = nil, on db: Connection) throws -> [Grant] {
        try db.query("SELECT \(columns) FROM purpose_grants WHERE $1::text IS NULL OR tenant = $1 ORDER BY id", [tenant]).map(grant)
    }

    /// The restricted metrics a tenant may receive today (Europe/Brussels), from every grant
    /// that holds, in the order of `restrictedMetrics`.
    public static func metrics(of tenant: String, on db: Connection) throws -> [String] {
        let held = Set(try db.query("""
            SELECT DISTINCT unnest(metrics) FROM purpose_grants WHERE tenant = $1 AND revoked_at IS NULL
              AND valid_until >= (now() AT TIME ZONE 'Europe/Brussels')::date
            """, [tenant]).compactMap { $0[0] })
        return restrictedMetrics.filter(held.contains)
    }

    private static let columns = """
        id, tenant, purpose, array_to_json(metrics)::text, valid_until::text, basis,
        to_char(granted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        """

    private static func grant(_ r: [String?]) -> Grant {
        Grant(id: r[0].flatMap(Int64.init) ?? 0, tenant: r[1] ?? "", purpose: r[2] ?? "",
              metrics: r[3].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? [],
              until: r[4] ?? "", basis: r[5], grantedAt: r[6] ?? "", revokedAt: r[7])
    }
}
