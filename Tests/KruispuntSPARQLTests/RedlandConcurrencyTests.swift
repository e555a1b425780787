import Foundation
@testable import KruispuntSPARQL
import KruispuntRDF
import Synchronization
import Testing

/// raptor (data) and rasqal (queries) used at the same moment from two threads read what each
/// was given: the two libraries share code and state below their worlds.
@Suite struct RedlandConcurrencyTests {
    @Test func parsingDataAndQueriesAtOnceKeepsEachTheirOwnTerms() throws {
        let turtle = (0..<200).map { "<http://ex.org/s\($0)> <http://ex.org/p> \"data literal \($0)\" ." }.joined(separator: "\n")
        let query = "PREFIX ex: <http://ex.org/>\nSELECT * WHERE { ?s ex:q \"query literal\" . FILTER (?s != <http://ex.org/other>) BIND (\"bound\" AS ?b) }"
        let wantData = try Raptor.shared.parse(turtle, syntax: .turtle, baseIRI: "http://ex.org/")
        let wantQuery = "\(try SPARQLParser.shared.parse(query).pattern)"
        let mismatches = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 2) { lane in
            for _ in 0..<300 {
                if lane == 0 {
                    let got = try? Raptor.shared.parse(turtle, syntax: .turtle, baseIRI: "http://ex.org/")
                    if got != wantData { mismatches.withLock { $0 += 1 } }
                } else {
                    let got = (try? SPARQLParser.shared.parse(query)).map { "\($0.pattern)" }
                    if got != wantQuery { mismatches.withLock { $0 += 1 } }
                }
            }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }
}
