import Foundation
import KruispuntStore
import Testing

/// Grants name an existing tenant, restricted metrics and a day not past; a held purpose is not
/// granted twice; revoking ends it; the metrics a tenant may receive are those of its grants that
/// hold today.
extension EmbeddedStoreTests {
    @Test func grantsGiveRestrictedMetricsUntilRevokedOrPast() throws {
        try withCluster { db, _ in
            _ = try Tenants.create(id: "kortrijk", name: "Stad Kortrijk", on: db)
            #expect(throws: StoreError.self) { try PurposeGrants.grant(tenant: "gent", purpose: "lez", metrics: ["euro-class"], until: "2099-01-01", basis: nil, on: db) }
            #expect(throws: StoreError.self) { try PurposeGrants.grant(tenant: "kortrijk", purpose: "LEZ!", metrics: ["euro-class"], until: "2099-01-01", basis: nil, on: db) }
            #expect(throws: StoreError.self) { try PurposeGrants.grant(tenant: "kortrijk", purpose: "lez", metrics: ["plates"], until: "2099-01-01", basis: nil, on: db) }
            #expect(throws: StoreError.self) { try PurposeGrants.grant(tenant: "kortrijk", purpose: "lez", metrics: [], until: "2099-01-01", basis: nil, on: db) }
            #expect(throws: StoreError.self) { try PurposeGrants.grant(tenant: "kortrijk", purpose: "lez", metrics: ["euro-class"], until: "2020-01-01", basis: nil, on: db) }
            #expect(throws: StoreError.self) { try PurposeGrants.grant(tenant: "kortrijk", purpose: "lez", metrics: ["euro-class"], until: "31/12/2099", basis: nil, on: db) }
            #expect(try PurposeGrants.metrics(of: "kortrijk", on: db).isEmpty)

            let lez = try PurposeGrants.grant(tenant: "kortrijk", purpose: "lez-monitoring", metrics: ["lez-compliance, euro-class"],
                                              until: "2099-12-31", basis: "GR 2026-05-12", on: db)
            #expect(lez.metrics == ["euro-class", "lez-compliance"] && lez.revokedAt == nil && lez.holds(on: "2099-12-31") && !lez.holds(on: "2100-01-01"))
            #expect(throws: StoreError.self) { try PurposeGrants.grant(tenant: "kortrijk", purpose: "lez-monitoring", metrics: ["nationality"], until: "2099-01-01", basis: nil, on: db) }
            _ = try PurposeGrants.grant(tenant: "kortrijk", purpose: "mobility-plan", metrics: ["nationality", "euro-class"], until: "2099-01-01", basis: nil, on: db)
            #expect(try PurposeGrants.metrics(of: "kortrijk", on: db) == ["nationality", "euro-class", "lez-compliance"])

            #expect(try PurposeGrants.revoke(id: lez.id, on: db))
            #expect(try !PurposeGrants.revoke(id: lez.id, on: db))
            #expect(try PurposeGrants.metrics(of: "kortrijk", on: db) == ["nationality", "euro-class"])
            let all = try PurposeGrants.list(tenant: "kortrijk", on: db)
            #expect(all.count == 2 && all[0].revokedAt != nil && all[0].basis == "GR 2026-05-12")
            // Revoked, it may be granted again: a new grant, the old one kept.
            _ = try PurposeGrants.grant(tenant: "kortrijk", purpose: "lez-monitoring", metrics: ["lez-compliance"], until: "2099-06-30", basis: nil, on: db)
            #expect(try PurposeGrants.list(on: db).count == 3)
        }
    }
}
