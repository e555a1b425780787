import Foundation
import KruispuntANPR
import KruispuntRDF
import Testing
@testable import KruispuntTreatment

/// The restricted metrics' protection (open totals fixed), qualifiers and LEZ rule.
@Suite struct RestrictedMetricsTests {
    typealias S = SuppressionTests

    @Test func aMixNeverHidesTheFixedOpenTotal() {
        // Camera A's day: 60 detections (published, open). Euro classes 45 + 12 + 3: the 3 is small;
        // hiding only it would let anyone read it as 60 - 45 - 12, so the 12 goes too, never the total.
        var cells = [S.daily(.vehicleCount, .camera("A"), 60), S.daily(.euroClass, .camera("A"), 45, q: 6),
                     S.daily(.euroClass, .camera("A"), 12, q: 5), S.daily(.euroClass, .camera("A"), 3, q: 2)]
        Suppression(minimumCount: 10, zones: .empty).apply(to: &cells) { !$0.key.metric.isRestricted }
        let byQualifier = Dictionary(uniqueKeysWithValues: cells.filter { $0.key.metric == .euroClass }.map { ($0.key.qualifier, $0.publication) })
        #expect(cells.first { $0.key.metric == .vehicleCount }?.publication == .published)
        #expect(byQualifier == [6: .published, 5: .complementarySuppressed, 2: .primarySuppressed])
        S.check(cells)
    }

    @Test func aFixedHiddenTotalStaysHiddenAndNothingLoops() {
        // The open total was hidden already (7 < k); its one part is small too: nothing to repair.
        var cells = [S.daily(.vehicleCount, .camera("B"), 7), S.daily(.nationality, .camera("B"), 7, q: RestrictedQualifier.nationality("BE"))]
        var fixedTotal = cells
        fixedTotal[0].publication = .primarySuppressed
        Suppression(minimumCount: 10, zones: .empty).apply(to: &fixedTotal) { !$0.key.metric.isRestricted }
        #expect(fixedTotal.map(\.isPublished) == [false, false])
        cells[0].publication = .published   // even a (wrongly) published fixed total ends the repair
        Suppression(minimumCount: 10, zones: .empty).apply(to: &cells) { !$0.key.metric.isRestricted }
        #expect(cells[0].isPublished && !cells[1].isPublished)
    }

    @Test func randomMixesKeepEveryInvariant() {
        var rng = SplitMix(seed: 7)
        for _ in 0..<200 {
            var cells: [Cell] = []
            var dayTotal = 0
            var daily = [Int: Int]()
            for h in 0..<24 {
                let v = Int(rng.next() % 80)
                guard v > 0 else { continue }
                dayTotal += v
                cells.append(S.hour(.vehicleCount, .camera("A"), h, v))
                var left = v
                for q in [RestrictedQualifier.nationality("BE"), RestrictedQualifier.nationality("NL"), RestrictedQualifier.nationality("FR")] {
                    let x = q == RestrictedQualifier.nationality("FR") ? left : Int(rng.next() % UInt64(left + 1))
                    left -= x
                    if x > 0 { cells.append(S.hour(.nationality, .camera("A"), h, x, q: q)); daily[q, default: 0] += x }
                }
            }
            cells.append(S.daily(.vehicleCount, .camera("A"), dayTotal))
            for (q, x) in daily { cells.append(S.daily(.nationality, .camera("A"), x, q: q)) }
            // The open cells are decided first, as the treatment does.
            var open = cells.filter { !$0.key.metric.isRestricted }
            Suppression(minimumCount: 10, zones: .empty).apply(to: &open)
            var all = open + cells.filter(\.key.metric.isRestricted)
            Suppression(minimumCount: 10, zones: .empty).apply(to: &all) { !$0.key.metric.isRestricted }
            let openAfter = all.filter { !$0.key.metric.isRestricted }.sorted { $0.key < $1.key }
            #expect(openAfter.map(\.publication) == open.sorted { $0.key < $1.key }.map(\.publication), "open cells unchanged")
            S.check(all)
        }
    }

    @Test func qualifiersHaveStableLabelsAndSlugs() {
        #expect(RestrictedQualifier.label(.nationality, RestrictedQualifier.nationality("NL")) == "NL")
        #expect(RestrictedQualifier.label(.nationality, RestrictedQualifier.nationality("unknown")) == "unknown")
        #expect(RestrictedQualifier.slug(.vehicleCategory, RestrictedQualifier.category("N3") * 10 + Int(VehicleClass.heavyTruck.code)) == "n3-heavy_truck")
        #expect(RestrictedQualifier.category("L3e") == RestrictedQualifier.categories.firstIndex(of: "L"))
        #expect(RestrictedQualifier.category(nil) == RestrictedQualifier.categories.firstIndex(of: "unknown"))
        #expect([0, 2, 3, 5, 6, 9, 10, 14, 15, 40].map { RestrictedQualifier.ageBin(firstRegistration: 2026 - $0, now: 2026) }
                == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
        #expect(RestrictedQualifier.slug(.vehicleAge, 4) == "15-plusy")
        #expect(RestrictedQualifier.euroClass(nil, fuel: "electric") == RestrictedQualifier.euroClasses.firstIndex(of: "zero-emission"))
        #expect(RestrictedQualifier.euroClass(nil, fuel: "diesel") == RestrictedQualifier.euroClasses.firstIndex(of: "unknown"))
        #expect(RestrictedQualifier.euroClass(nil, fuel: nil) == RestrictedQualifier.euroClasses.firstIndex(of: "unknown"))
        #expect([1, 2, 4, 5, 7].map(RestrictedQualifier.dayBin) == [0, 1, 1, 2, 2])
        #expect(Metric.restricted.map(\.slug) == ["nationality", "vehicle-category", "vehicle-age", "euro-class",
                                                  "heavy-through-traffic", "recurring-vehicles", "lez-compliance"])
        #expect(Metric.allCases.filter(\.isRestricted) == Metric.restricted)
    }

    @Test func lezRulesAllowByFuelAndClass() {
        #expect(RestrictedMetrics.allowed(fuel: "petrol", euro: "2", rule: .none))       // no rule for the fuel
        #expect(!RestrictedMetrics.allowed(fuel: "lpg", euro: "6", rule: .some(nil)))    // barred
        #expect(RestrictedMetrics.allowed(fuel: "diesel", euro: "6d", rule: "6"))
        #expect(!RestrictedMetrics.allowed(fuel: "diesel", euro: "5", rule: "6"))
        #expect(!RestrictedMetrics.allowed(fuel: "diesel", euro: nil, rule: "4"))         // no class: not proven
        #expect(RestrictedMetrics.allowed(fuel: "electric", euro: nil, rule: "6"))
        #expect(RestrictedMetrics.recurringRefusal(.day) != nil && RestrictedMetrics.recurringRefusal(.week) == nil)
    }
}
