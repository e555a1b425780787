import KruispuntANPR
import Testing

@Suite struct DetectionCSVReaderTests {
    let header = "camera_id,backoffice_id,timestamp,latitude,longitude,plate_hash,nationality,speed_kmh,vehicle_type"

    func read(_ line: String, header: String? = nil) throws -> DetectionCSVReader.LineResult {
        let reader = try DetectionCSVReader(header: header ?? self.header)
        var copy = line
        var pseudonymiser = Pseudonymiser(secret: Array("test secret of 32 bytes or more!!".utf8), rotation: .day)
        return copy.withUTF8 { buf in reader.read(line: buf, number: 7, pseudonymiser: &pseudonymiser) }
    }

    @Test func acceptsACanonicalLine() throws {
        guard case .detection(let d) = try read("31001,BO-1,2026-10-24T05:01:25.610+02:00,51.0279,4.4803,abc123,be,48,Personenwagen") else {
            Issue.record("rejected"); return
        }
        #expect(d.cameraID == "31001")
        #expect(d.epochMillis == 1_792_810_885_610)
        #expect(d.offsetMinutes == 120)
        #expect(d.nationality == "BE")
        #expect(d.vehicleClass == .car)
        #expect(d.speedKmh == 48)
        #expect(d.latitude == 51.0279)
    }

    @Test func semicolonsQuotesAndColumnOrder() throws {
        let h = "plate_hash;camera_id;timestamp;backoffice_id;latitude;longitude;nationality;speed_kmh;vehicle_type"
        guard case .detection(let d) = try read("\"a;b\";\"31002\";2026-10-24T03:01:25Z;\"BO \"\"x\"\"\";51;4;NL;;bus", header: h) else {
            Issue.record("rejected"); return
        }
        #expect(d.cameraID == "31002")
        #expect(d.backofficeID == "BO \"x\"")
        #expect(d.vehicleClass == .bus)
        #expect(d.epochMillis == 1_792_810_885_000)
        #expect(d.speedKmh == nil)
    }

    @Test(arguments: [
        ("31001,BO,2026-13-45T99:00:00Z,51,4,p,BE,50,x", "not an ISO 8601 instant"),
        ("31001,BO,2026-10-24T05:01:25,51,4,p,BE,50,x", "has no offset"),
        ("31001,BO,2026-10-24T05:01:25Z,123.0,4,p,BE,50,x", "latitude"),
        ("31001,BO,2026-10-24T05:01:25Z,51,400,p,BE,50,x", "longitude"),
        (",BO,2026-10-24T05:01:25Z,51,4,p,BE,50,x", "camera_id is empty"),
        ("MEC-01,BO,2026-10-24T05:01:25Z,51,4,p,BE,50,x", "is not 1 to 13 digits"),
        ("12345678901234,BO,2026-10-24T05:01:25Z,51,4,p,BE,50,x", "is not 1 to 13 digits"),
        ("31001,BO,2026-10-24T05:01Z,51,4,p,BE,50,x", "not an ISO 8601 instant"),
        ("31001,BO,2026-10-24T05:01:25Z,51,,p,BE,50,x", "longitude"),
        ("31001,BO,2026-10-24T05:01:25Z,51,4,,BE,50,x", "plate_hash is empty"),
        ("31001,BO,2026-10-24T05:01:25Z,51,4,p,BE,fast,x", "speed_kmh \"fast\" is not a number"),
        ("short,line", "expected 9 fields, found 2"),
        ("31001,\"BO,2026-10-24T05:01:25Z,51,4,p,BE,50,x", "unbalanced quotes"),
    ])
    func rejectsWithAReason(_ line: String, _ reason: String) throws {
        guard case .rejected(let r) = try read(line) else { Issue.record("accepted \(line)"); return }
        #expect(r.lineNumber == 7)
        #expect(r.reason.contains(reason), "\(r.reason)")
    }

    @Test(arguments: [("0", true), ("-3", true), ("251", true), ("250", false), ("0.5", false), ("", false)])
    func implausibleSpeedsAreKeptAsMissing(_ speed: String, _ discarded: Bool) throws {
        guard case .detection(let d) = try read("31001,BO,2026-10-24T05:01:25Z,51,4,p,BE,\(speed),x") else {
            Issue.record("rejected"); return
        }
        #expect(d.speedDiscarded == discarded)
        #expect(d.speedKmh == (discarded || speed.isEmpty ? nil : Double(speed)))
    }

    @Test func coordinatesAreOptional() throws {
        guard case .detection(let d) = try read("31001,BO,2026-10-24T05:01:25Z,,,p,BE,50,x") else {
            Issue.record("rejected"); return
        }
        #expect(d.latitude == nil && d.longitude == nil)
    }

    @Test(arguments: [("Personenwagen", VehicleClass.car), ("PKW", .car), ("lichte vrachtwagen", .lightTruck),
                      ("Bestelwagen", .lightTruck), ("zware_vrachtwagen", .heavyTruck), ("vrachtwagen", .heavyTruck),
                      ("heavy-truck", .heavyTruck), ("autobus", .bus), ("moto", .motorcycle), ("Motorfiets", .motorcycle),
                      ("tractor", .unknown), ("", .unknown)])
    func vehicleTypesAreNormalised(_ raw: String, _ expected: VehicleClass) {
        #expect(VehicleClass(normalising: raw) == expected)
    }

    @Test(arguments: [("BE", "BE"), ("be", "BE"), ("BEL", "BE"), ("B", "BE"), ("F", "FR"), ("D", "DE"), ("NL", "NL"),
                      ("NLD", "NL"), ("GB", "GB"), ("UK", "GB"), ("GBR", "GB"), ("L", "LU"), ("CH", "CH"), ("SLO", "SI"),
                      ("XX", "unknown"), ("", "unknown"), ("ZZZ", "unknown")])
    func nationalitiesAreNormalised(_ raw: String, _ expected: String) {
        #expect(Nationality.normalise(raw) == expected)
    }

    @Test func headerWithoutRequiredColumnsIsAnError() {
        #expect(throws: IngestError.self) { try DetectionCSVReader(header: "camera_id,timestamp") }
    }

    @Test func duplicatesShareAFingerprintOtherDetectionsDoNot() throws {
        guard case .detection(let a) = try read("31001,BO,2026-10-24T05:01:25.610+02:00,51,4,p1,BE,50,x"),
              case .detection(let b) = try read("31001,BO-9,2026-10-24T03:01:25.610Z,51.1,4.1,p1,BE,51,y"),
              case .detection(let c) = try read("31002,BO,2026-10-24T05:01:25.610+02:00,51,4,p1,BE,50,x") else {
            Issue.record("rejected"); return
        }
        #expect(a.fingerprint == b.fingerprint)   // same camera, instant and plate
        #expect(a.fingerprint != c.fingerprint)   // another camera: not linkable through the fingerprint
    }

    @Test func generatorIsDeterministic() throws {
        func generate() throws -> String {
            var out = ""
            try SyntheticNetwork(cameras: 4, vehicles: 30, days: 1, startDay: "2026-10-25", seed: 3).write { out += $0 }
            return out
        }
        let a = try generate(), b = try generate()
        #expect(a == b)
        let reader = try DetectionCSVReader(header: header)
        var pseudonymiser = Pseudonymiser(secret: Array("test secret of 32 bytes or more!!".utf8), rotation: .day)
        var lines = a.split(separator: "\n").dropFirst().map(String.init)
        #expect(lines.count > 30)
        for i in lines.indices {
            let result = lines[i].withUTF8 { reader.read(line: $0, number: i + 2, pseudonymiser: &pseudonymiser) }
            guard case .detection = result else { Issue.record("generated line rejected: \(lines[i])"); return }
        }
    }
}
