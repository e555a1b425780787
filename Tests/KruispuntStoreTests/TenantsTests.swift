import Foundation
import KruispuntStore
import Testing

/// A tenant's own cameras are those of its municipalities (without case); municipalities are
/// cleaned of blanks and repeats, and an update replaces them.
extension EmbeddedStoreTests {
    @Test func aTenantOwnsTheCamerasOfItsMunicipalities() throws {
        try withCluster { db, _ in
            for (id, place) in [("1", "Mechelen"), ("2", "MECHELEN"), ("3", "Bonheiden"), ("4", nil)] {
                try db.query("INSERT INTO cameras (camera_id, municipality) VALUES ($1, $2)", [id, place])
            }
            let t = try Tenants.create(id: "mechelen", name: "Stad Mechelen", municipalities: [" mechelen ", "Mechelen", "", "Sint-Katelijne-Waver"], on: db)
            #expect(t.municipalities == ["mechelen", "Sint-Katelijne-Waver"])
            #expect(try Tenants.cameras(of: "mechelen", on: db) == ["1", "2"])
            #expect(try Tenants.cameras(of: "nobody", on: db).isEmpty)
            let moved = try Tenants.update(id: "mechelen", name: nil, municipalities: ["Mechelen,Bonheiden"], on: db)
            #expect(moved.name == "Stad Mechelen" && moved.municipalities == ["Mechelen", "Bonheiden"])
            #expect(try Tenants.cameras(of: "mechelen", on: db) == ["1", "2", "3"])
            #expect(try Tenants.find("mechelen", on: db) == moved)
            #expect(throws: StoreError.self) { try Tenants.update(id: "gent", name: "Gent", municipalities: nil, on: db) }
            #expect(throws: StoreError.self) { try Tenants.update(id: "mechelen", name: " ", municipalities: nil, on: db) }
        }
    }
}
