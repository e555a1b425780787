import KruispuntRDF
import KruispuntStore

/// The daily vehicle count of every camera on the latest local day with data, read from the
/// quad store (latest version of each observation).
public struct DailyCameraCounts: Sendable {
    public struct Row: Sendable, Hashable {
        public let cameraID: String
        public let cameraIRI: String
        /// The camera's name (rdfs:label from the registry), when known.
        public let name: String?
        /// nil when the count is suppressed (below the small-count threshold).
        public let count: Int?
    }

    /// The local day, `YYYY-MM-DD`, or nil when nothing has been published yet.
    public let day: String?
    public let rows: [Row]

    /// The question this table answers, in SPARQL (shown on the page, run by SPARQL-lite later).
    public static let sparql = """
        PREFIX sosa: <http://www.w3.org/ns/sosa/>
        PREFIX cot: <https://w3id.org/cityofthings#>
        PREFIX time: <http://www.w3.org/2006/time#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?camera ?id ?begin ?count WHERE {
          ?obs cot:hasAggregationPeriod cot:Daily ;
               sosa:observedProperty cot:passedByVehiclesCount ;
               sosa:madeBySensor ?camera ;
               sosa:phenomenonTime/time:hasBeginning/time:inXSDDateTimeStamp ?begin .
          ?camera dct:identifier ?id .
          OPTIONAL { ?obs sosa:hasSimpleResult ?count }
          # only the latest version of each observation (dct:isVersionOf, prov:generatedAtTime)
        }
        """

    /// Loads the table.
    public static func load(stream: String, on db: Connection) throws -> DailyCameraCounts {
        let constants: [Term] = [.iri(COT.hasAggregationPeriod), .iri(COT.Daily), .iri(SOSA.madeBySensor),
                                 .iri(DCT.identifier), .iri(SOSA.phenomenonTime), .iri(OWLTime.hasBeginning),
                                 .iri(OWLTime.inXSDDateTimeStamp), .iri(SOSA.hasSimpleResult),
                                 .iri(SOSA.observedProperty), .iri(COT.passedByVehiclesCount)]
        let ids = try QuadStore.lookup(constants + [.iri(RDFS.label)], on: db)
        // Without these terms nothing has been published yet (results and labels may be absent).
        let optional: Set<Term> = [.iri(SOSA.hasSimpleResult), .iri(RDFS.label)]
        guard constants.allSatisfy({ ids[$0] != nil || optional.contains($0) }) else {
            return DailyCameraCounts(day: nil, rows: [])
        }
        func id(_ t: String) -> String { ids[.iri(t)].map(String.init) ?? "0" }
        let rows = try db.query("""
            WITH latest AS (\(StreamMemberIndex.latestMembersSQL)), daily AS (
                SELECT l.member, cam.o AS camera, bl.o AS begin_id
                FROM latest l
                JOIN quads per ON per.g = l.member AND per.s = l.member AND per.p = \(id(COT.hasAggregationPeriod)) AND per.o = \(id(COT.Daily))
                JOIN quads prop ON prop.g = l.member AND prop.s = l.member AND prop.p = \(id(SOSA.observedProperty)) AND prop.o = \(id(COT.passedByVehiclesCount))
                JOIN quads cam ON cam.g = l.member AND cam.s = l.member AND cam.p = \(id(SOSA.madeBySensor))
                JOIN quads pt ON pt.g = l.member AND pt.s = l.member AND pt.p = \(id(SOSA.phenomenonTime))
                JOIN quads hb ON hb.g = l.member AND hb.s = pt.o AND hb.p = \(id(OWLTime.hasBeginning))
                JOIN quads bl ON bl.g = l.member AND bl.s = hb.o AND bl.p = \(id(OWLTime.inXSDDateTimeStamp))
            ), last_day AS (
                SELECT max(t.ts) AS ts FROM daily d JOIN terms t ON t.id = d.begin_id
            )
            SELECT camid.lex, camiri.lex, bt.lex, res.lex,
                   (SELECT min(lt.lex) FROM quads cl JOIN terms lt ON lt.id = cl.o
                    WHERE cl.s = d.camera AND cl.p = \(id(RDFS.label))) AS name
            FROM daily d
            JOIN terms bt ON bt.id = d.begin_id
            JOIN last_day ON bt.ts = last_day.ts
            JOIN terms camiri ON camiri.id = d.camera
            JOIN quads ci ON ci.s = d.camera AND ci.p = \(id(DCT.identifier))
            JOIN terms camid ON camid.id = ci.o
            LEFT JOIN quads r ON r.g = d.member AND r.s = d.member AND r.p = \(id(SOSA.hasSimpleResult))
            LEFT JOIN terms res ON res.id = r.o
            ORDER BY camid.lex
            """, [stream])
        let day = rows.first?[2].map { String($0.prefix(10)) }
        return DailyCameraCounts(day: day, rows: rows.compactMap { row in
            guard let id = row[0], let iri = row[1] else { return nil }
            return Row(cameraID: id, cameraIRI: iri, name: row[4], count: row[3].flatMap(Int.init))
        })
    }
}
