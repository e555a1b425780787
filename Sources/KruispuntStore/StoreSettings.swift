/// Facts recorded about the store (table `settings`).
public enum StoreSettings {
    /// The value of a setting, or nil.
    public static func value(_ key: String, on db: Connection) throws -> String? {
        try db.query("SELECT value FROM settings WHERE key = $1", [key]).first?[0] ?? nil
    }

    /// Records a setting unless it is already set; returns the value in force.
    @discardableResult
    public static func setIfAbsent(_ key: String, to value: String, on db: Connection) throws -> String {
        try db.query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [key, value])
        return try self.value(key, on: db) ?? value
    }
}
