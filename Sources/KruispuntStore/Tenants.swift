import Foundation

/// Tenants: the cities (and other bodies) analysts work for. A tenant's cameras are those whose
/// registry municipality is one of the tenant's municipalities (compared without case).
///
/// ```swift
/// try Tenants.create(id: "mechelen", name: "Stad Mechelen", municipalities: ["Mechelen"], on: db)
/// let own = try Tenants.cameras(of: "mechelen", on: db)   // ["1202501", …]
/// ```
public enum Tenants {
    public struct Tenant: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
        public var municipalities: [String]
    }

    /// The municipalities column (migration 26).
    static let municipalitiesSchema = """
        -- The municipalities whose cameras (cameras.municipality) are the tenant's own.
        ALTER TABLE tenants ADD COLUMN municipalities text[] NOT NULL DEFAULT '{}';
        """

    /// Adds a tenant; its id is lower-case letters, digits and hyphens (`mechelen`).
    public static func create(id: String, name: String, municipalities: [String] = [], on db: Connection) throws -> Tenant {
        guard id.range(of: "^[a-z0-9][a-z0-9-]{0,62}$", options: .regularExpression) != nil else {
            throw StoreError("a tenant id is lower-case letters, digits and hyphens, at most 63 (got '\(id)')")
        }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw StoreError("a tenant needs a name (--name)") }
        let places = try cleaned(municipalities)
        guard try db.update("INSERT INTO tenants (id, name, municipalities) VALUES ($1, $2, $3::text[]) ON CONFLICT (id) DO NOTHING",
                            [id, name, PostgresArray.text(places)]) == 1 else {
            throw StoreError("tenant '\(id)' exists already")
        }
        return Tenant(id: id, name: name, municipalities: places)
    }

    /// Changes a tenant's name or municipalities (nil: unchanged).
    public static func update(id: String, name: String?, municipalities: [String]?, on db: Connection) throws -> Tenant {
        let name = name?.trimmingCharacters(in: .whitespacesAndNewlines)
        if name?.isEmpty == true { throw StoreError("a tenant needs a name (--name)") }
        let places = try municipalities.map(cleaned)
        guard let row = try db.query("""
            UPDATE tenants SET name = coalesce($2, name), municipalities = coalesce($3::text[], municipalities) WHERE id = $1
            RETURNING \(columns)
            """, [id, name, places.map { PostgresArray.text($0) }]).first else { throw StoreError("no tenant '\(id)'") }
        return tenant(row)
    }

    public static func find(_ id: String, on db: Connection) throws -> Tenant? {
        try db.query("SELECT \(columns) FROM tenants WHERE id = $1", [id]).first.map(tenant)
    }

    public static func list(on db: Connection) throws -> [Tenant] {
        try db.query("SELECT \(columns) FROM tenants ORDER BY id").map(tenant)
    }

    /// The tenant's own cameras, in id order (none for an unknown tenant).
    public static func cameras(of id: String, on db: Connection) throws -> [String] {
        try db.query("""
            SELECT c.camera_id FROM cameras c JOIN tenants t ON t.id = $1
            WHERE lower(c.municipality) IN (SELECT lower(m) FROM unnest(t.municipalities) AS m) ORDER BY 1
            """, [id]).compactMap { $0[0] }
    }

    private static let columns = "id, name, array_to_json(municipalities)::text"

    private static func tenant(_ row: [String?]) -> Tenant {
        let places = row[2].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        return Tenant(id: row[0] ?? "", name: row[1] ?? "", municipalities: places)
    }

    /// Trimmed, without empties or repeats (case-insensitively), in the order given.
    private static func cleaned(_ names: [String]) throws -> [String] {
        var seen = Set<String>(), kept: [String] = []
        for n in names.flatMap({ $0.split(separator: ",") }).map({ $0.trimmingCharacters(in: .whitespaces) }) where !n.isEmpty {
            guard n.count <= 100, !n.contains(where: \.isNewline) else { throw StoreError("'\(n.prefix(40))' is not a municipality name") }
            if seen.insert(n.lowercased()).inserted { kept.append(n) }
        }
        return kept
    }
}
