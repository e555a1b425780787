import Foundation
import Testing
@testable import KruispuntANPR

/// The registry extract's fields are normalised (Euro class, Dutch fuels, categories, countries,
/// registration as a year) and a bad or repeated line refuses the whole file, every line named.
@Suite struct VehicleRegistryTests {
    let header = "plate_hash,euro_class,first_registration,fuel,category,country\n"

    @Test func fieldsAreNormalised() throws {
        let records = try VehicleRegistry.records(csv: header + """
            a1,Euro 6d,2021-03-15,Elektrisch,m1,bel
            b2,,2019,elektrisch,N1,NL
            c3,5,2011-07,benzine,l3e,F
            """, currentYear: 2026)
        #expect(records == [
            .init(plateHash: "a1", euroClass: "6d", firstRegistrationYear: 2021, fuel: "electric", category: "M1", country: "BE"),
            .init(plateHash: "b2", euroClass: nil, firstRegistrationYear: 2019, fuel: "electric", category: "N1", country: "NL"),
            .init(plateHash: "c3", euroClass: "5", firstRegistrationYear: 2011, fuel: "petrol", category: "L3e", country: "FR"),
        ])
    }

    @Test func badLinesRefuseTheFileNamingEachOne() {
        let text = header + "a1,6,2019,diesel,M1,BE\na1,6,2019,diesel,M1,BE\nb2,7,2019,diesel,M1,BE\nc3,6,2030,diesel,M1,BE\nd 4,6,2019,diesel,M1,BE\n"
        #expect {
            try VehicleRegistry.records(csv: text, currentYear: 2026)
        } throws: { error in
            let message = "\(error)"
            return ["line 4: euro_class", "line 5: first_registration", "line 6: plate_hash"].allSatisfy(message.contains)
        }
        #expect {
            try VehicleRegistry.records(csv: header + "a1,6,2019,diesel,M1,BE\na1,5,2012,petrol,M1,BE\n", currentYear: 2026)
        } throws: { "\($0)".contains("line 3: the same plate_hash as line 2") }
        #expect(throws: (any Error).self) { try VehicleRegistry.records(csv: "plate,euro\nx,1\n", currentYear: 2026) }
    }

    @Test func theGeneratorsExtractParsesAndCoversMostVehicles() throws {
        let network = SyntheticNetwork(cameras: 4, vehicles: 400, days: 1, startDay: "2026-10-24", seed: 3)
        let records = try VehicleRegistry.records(csv: network.registryExtractCSV(), currentYear: 2026)
        #expect(records.count > 340 && records.count < 400)
        #expect(network.registryExtractCSV() == network.registryExtractCSV())
        #expect(Set(records.map(\.category)).isSubset(of: ["M1", "N1", "N2", "N3", "L3e", "M3"]))
        #expect(records.allSatisfy { ($0.fuel == "electric") == ($0.euroClass == nil) })
    }
}
