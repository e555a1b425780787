import KruispuntRDF
import Testing

@Suite struct GeoJSONOutlineTests {
    @Test func polygonsAndMultiPolygonsBecomeWKT() throws {
        #expect(try GeoJSONOutline.wkt(json: #"{"type":"Polygon","coordinates":[[[4.47,51.02],[4.49,51.02],[4.49,51.03],[4.47,51.02]]]}"#)
                == "POLYGON((4.47 51.02, 4.49 51.02, 4.49 51.03, 4.47 51.02))")
        let multi = #"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],[[0.2,0.2],[0.4,0.2],[0.4,0.4],[0.2,0.2]]],[[[5,50],[6,50],[6,51],[5,50]]]]}"#
        #expect(try GeoJSONOutline.wkt(json: multi)
                == "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0), (0.2 0.2, 0.4 0.2, 0.4 0.4, 0.2 0.2)), ((5 50, 6 50, 6 51, 5 50)))")
    }

    @Test(arguments: [
        (#"{"type":"Point","coordinates":[4.4,51.0]}"#, "Polygon or MultiPolygon"),
        (#"{"type":"Polygon","coordinates":[[[4.47,51.02],[4.49,51.02],[4.47,51.02]]]}"#, "four positions"),
        (#"{"type":"Polygon","coordinates":[[[4.47,51.02],[4.49,51.02],[4.49,51.03],[4.48,51.02]]]}"#, "end where it starts"),
        (#"{"type":"Polygon","coordinates":[[[51.02,184.7],[51.02,4.49],[51.03,4.49],[51.02,184.7]]]}"#, "WGS84"),
        (#"{"type":"Polygon","coordinates":[[["4.47","51.02"],[4.49,51.02],[4.49,51.03],["4.47","51.02"]]]}"#, "WGS84"),
        (#"{"coordinates":[]}"#, "\"type\""),
        ("not json", "not JSON"),
    ])
    func refusesWhatIsNoOutline(_ json: String, _ reason: String) {
        #expect {
            try GeoJSONOutline.wkt(json: json)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
