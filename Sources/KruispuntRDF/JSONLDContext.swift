/// The JSON-LD 1.1 context Kruispunt publishes at `/context.jsonld`: the prefixes it writes and a
/// short term for every property and class of its own shapes (observations, cameras, zones,
/// flows, treatment runs, event streams). The writer compacts with it and the reader expands
/// with it, so both always agree with the published document.
public enum JSONLDContext {
    /// How a term's string values are read.
    public enum Coercion: Sendable, Equatable {
        /// Plain JSON values (strings are xsd:string, numbers and booleans native).
        case none
        /// Strings are IRIs (or compact IRIs, or `_:` blank nodes).
        case id
        /// Strings are literals of this datatype.
        case datatype(String)
    }

    /// One term definition.
    public struct Definition: Sendable {
        public let term: String
        public let iri: String
        public let coercion: Coercion
    }

    /// The path the context is served at, under the base URL.
    public static let path = "/context.jsonld"

    /// Terms, in the order they are written. Class terms have no coercion.
    public static let definitions: [Definition] = {
        func t(_ term: String, _ iri: String, _ coercion: Coercion = .none) -> Definition {
            Definition(term: term, iri: iri, coercion: coercion)
        }
        return [
            // Classes
            t("Observation", SOSA.Observation), t("Sensor", SOSA.Sensor), t("Interval", OWLTime.Interval),
            t("Instant", OWLTime.Instant), t("Geometry", GeoSPARQL.Geometry), t("Zone", KP.Zone), t("Flow", KP.Flow),
            t("TreatmentRun", KP.TreatmentRun), t("EventStream", LDES.EventStream), t("Node", TREE.Node),
            // Observations
            t("observedProperty", SOSA.observedProperty, .id), t("hasFeatureOfInterest", SOSA.hasFeatureOfInterest, .id),
            t("madeBySensor", SOSA.madeBySensor, .id), t("phenomenonTime", SOSA.phenomenonTime, .id),
            t("resultTime", SOSA.resultTime, .datatype(XSD.dateTimeStamp)), t("hasSimpleResult", SOSA.hasSimpleResult),
            t("hasAggregationPeriod", COT.hasAggregationPeriod, .id), t("usingFunction", COT.usingFunction, .id),
            t("hasBeginning", OWLTime.hasBeginning, .id), t("hasEnd", OWLTime.hasEnd, .id),
            t("inXSDDateTimeStamp", OWLTime.inXSDDateTimeStamp, .datatype(XSD.dateTimeStamp)),
            t("isVersionOf", DCT.isVersionOf, .id), t("generatedAtTime", PROV.generatedAtTime, .datatype(XSD.dateTime)),
            t("wasGeneratedBy", PROV.wasGeneratedBy, .id), t("suppressed", KP.suppressed),
            t("vehicleType", KP.vehicleType), t("travelTimeMinutes", KP.travelTimeMinutes, .datatype(XSD.nonNegativeInteger)),
            t("durationBin", KP.durationBin, .datatype(XSD.duration)), t("weekday", KP.weekday), t("hourOfDay", KP.hourOfDay),
            // Cameras, zones, flows
            t("identifier", DCT.identifier), t("label", RDFS.label), t("title", DCT.title), t("description", DCT.description),
            t("hasGeometry", GeoSPARQL.hasGeometry, .id), t("asWKT", GeoSPARQL.asWKT, .datatype(GeoSPARQL.wktLiteral)),
            t("entryCamera", KP.entryCamera, .id), t("exitCamera", KP.exitCamera, .id), t("insideCamera", KP.insideCamera, .id),
            t("origin", KP.origin, .id), t("destination", KP.destination, .id),
            // Treatment runs
            t("softwareVersion", KP.softwareVersion), t("minimumCount", KP.minimumCount),
            t("maxTravelTime", KP.maxTravelTime, .datatype(XSD.duration)), t("transitLimit", KP.transitLimit, .datatype(XSD.duration)),
            t("allowedLateness", KP.allowedLateness, .datatype(XSD.duration)), t("keyRotation", KP.keyRotation),
            // Event streams
            t("view", TREE.view, .id), t("member", TREE.member, .id), t("shape", TREE.shape, .id),
            t("relation", TREE.relation, .id), t("node", TREE.node, .id), t("path", TREE.path, .id), t("value", TREE.value),
            t("remainingItems", TREE.remainingItems), t("timestampPath", LDES.timestampPath, .id),
            t("versionOfPath", LDES.versionOfPath, .id), t("modified", DCT.modified, .datatype(XSD.dateTime)),
            t("immutable", LDES.immutable), t("viewDescription", TREE.viewDescription, .id),
            t("retentionPolicy", LDES.retentionPolicy, .id), t("amount", LDES.amount),
            t("isPartOf", DCT.isPartOf, .id), t("seeAlso", RDFS.seeAlso, .id),
        ]
    }()

    /// Term definitions by IRI (the first one when several share an IRI).
    public static let byIRI: [String: Definition] = {
        var out: [String: Definition] = [:]
        for d in definitions where out[d.iri] == nil { out[d.iri] = d }
        return out
    }()

    /// The context object's body (without the surrounding `{"@context": ...}`), as JSON text.
    public static func object(prefixes: [(prefix: String, namespace: String)] = standardPrefixes,
                              indent: String = "  ") -> String {
        var out = "{\n" + indent + "  \"@version\": 1.1"
        for p in prefixes {
            out += ",\n" + indent + "  " + JSONText.quoted(p.prefix) + ": " + JSONText.quoted(p.namespace)
        }
        for d in definitions {
            out += ",\n" + indent + "  " + JSONText.quoted(d.term) + ": "
            switch d.coercion {
            case .none: out += JSONText.quoted(d.iri)
            case .id: out += "{\"@id\": " + JSONText.quoted(d.iri) + ", \"@type\": \"@id\"}"
            case .datatype(let dt): out += "{\"@id\": " + JSONText.quoted(d.iri) + ", \"@type\": " + JSONText.quoted(dt) + "}"
            }
        }
        return out + "\n" + indent + "}"
    }

    /// The document served at `/context.jsonld`.
    public static var document: String { "{\n  \"@context\": " + object(indent: "  ") + "\n}\n" }
}

/// JSON string literals (the JSON-LD writer, the context, JSON summaries of commands).
public enum JSONText {
    /// A JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out = ""
        append(s, to: &out)
        return out
    }

    public static func append(_ s: String, to out: inout String) {
        out += "\""
        // Most strings need no escape: append them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { out += s; out += "\""; return }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
