import Testing
@testable import KruispuntRDF

/// The SHACL Core validator on small shapes (its verdicts are compared with pySHACL in tests/e2e).
@Suite struct SHACLTests {
    static let prefixes = """
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix ex: <http://example.org/> .
        """

    static func validator(_ shapes: String) throws -> SHACLValidator {
        try SHACLValidator(shapes: try Raptor.shared.parse(prefixes + shapes, syntax: .turtle, baseIRI: "http://example.org/").map(\.triple))
    }

    static func data(_ turtle: String) throws -> [Triple] {
        try Raptor.shared.parse(prefixes + turtle, syntax: .turtle, baseIRI: "http://example.org/").map(\.triple)
    }

    @Test func countsDatatypesAndIllFormedLiterals() throws {
        let v = try Self.validator("""
            ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
                sh:property [ sh:path ex:n ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:integer ; sh:minInclusive 0 ] .
            """)
        #expect(v.validate(try Self.data("ex:a a ex:Thing ; ex:n 3 .")).conforms)
        let missing = v.validate(try Self.data("ex:a a ex:Thing ."))
        #expect(missing.results.map(\.component) == ["MinCountConstraintComponent"])
        let bad = v.validate(try Self.data(#"ex:a a ex:Thing ; ex:n "x"^^xsd:integer ."#))
        #expect(Set(bad.results.map(\.component)) == ["DatatypeConstraintComponent", "MinInclusiveConstraintComponent"])
        #expect(v.validate(try Self.data("ex:a a ex:Thing ; ex:n -1, 2 .")).results.count == 2)   // maxCount, minInclusive
    }

    @Test func logicalConstraintsAndNestedShapes() throws {
        let v = try Self.validator("""
            ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
                sh:xone ( [ sh:property [ sh:path ex:value ; sh:minCount 1 ] ] [ sh:property [ sh:path ex:hidden ; sh:hasValue true ] ] ) ;
                sh:property [ sh:path ex:when ; sh:node ex:Instant ] .
            ex:Instant sh:property [ sh:path ex:at ; sh:minCount 1 ; sh:pattern "[+-][0-9]{2}:[0-9]{2}$" ] .
            """)
        #expect(v.validate(try Self.data(#"ex:a a ex:Thing ; ex:value 1 ; ex:when [ ex:at "2026-10-25T02:00:00+01:00" ] ."#)).conforms)
        let both = v.validate(try Self.data("ex:a a ex:Thing ; ex:value 1 ; ex:hidden true ."))
        #expect(both.results.map(\.component) == ["XoneConstraintComponent"])
        let zulu = v.validate(try Self.data(#"ex:a a ex:Thing ; ex:hidden true ; ex:when [ ex:at "2026-10-25T01:00:00Z" ] ."#))
        #expect(zulu.results.map(\.component) == ["NodeConstraintComponent"])
        #expect(zulu.results.first?.focusNode == .iri("http://example.org/a"))
    }

    @Test func unsupportedFeaturesAreRefusedNotIgnored() throws {
        #expect(throws: SHACLValidator.ShapeError.self) {
            try Self.validator("ex:S sh:targetClass ex:Thing ; sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ] .")
        }
        #expect(throws: SHACLValidator.ShapeError.self) { try Self.validator("ex:S sh:targetClass ex:Thing ; sh:closed true .") }
    }

    @Test func theReportIsAValidationReportGraph() throws {
        let v = try Self.validator("ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .")
        let triples = v.validate([]).triples()
        #expect(triples.contains { $0.predicate == .iri(SHACLValidator.ns + "conforms") && $0.object == .boolean(false) })
        #expect(triples.contains { $0.predicate == .iri(SHACLValidator.ns + "focusNode") && $0.object == .iri("http://example.org/a") })
    }
}
