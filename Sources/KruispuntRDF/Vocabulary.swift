/// IRIs of the vocabularies Kruispunt reads and writes.
public enum RDF {
    public static let ns = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    public static let type = ns + "type"
    public static let langString = ns + "langString"
}
public enum XSD {
    public static let ns = "http://www.w3.org/2001/XMLSchema#"
    public static let string = ns + "string"
    public static let integer = ns + "integer"
    public static let decimal = ns + "decimal"
    public static let double = ns + "double"
    public static let boolean = ns + "boolean"
    public static let dateTime = ns + "dateTime"
    public static let dateTimeStamp = ns + "dateTimeStamp"
    public static let date = ns + "date"
    public static let duration = ns + "duration"
    public static let nonNegativeInteger = ns + "nonNegativeInteger"
}
public enum SOSA {
    public static let ns = "http://www.w3.org/ns/sosa/"
    public static let Observation = ns + "Observation"
    public static let Sensor = ns + "Sensor"
    public static let observedProperty = ns + "observedProperty"
    public static let hasFeatureOfInterest = ns + "hasFeatureOfInterest"
    public static let madeBySensor = ns + "madeBySensor"
    public static let phenomenonTime = ns + "phenomenonTime"
    public static let resultTime = ns + "resultTime"
    public static let hasSimpleResult = ns + "hasSimpleResult"
}
/// City of Things (https://w3id.org/cityofthings#).
public enum COT {
    public static let ns = "https://w3id.org/cityofthings#"
    public static let passedByVehiclesCount = ns + "passedByVehiclesCount"
    public static let hasAggregationPeriod = ns + "hasAggregationPeriod"
    public static let usingFunction = ns + "usingFunction"
    public static let Hourly = ns + "Hourly"
    public static let Daily = ns + "Daily"
    public static let Count = ns + "Count"
    public static let Average = ns + "Average"
    public static let Minimum = ns + "Minimum"
    public static let Maximum = ns + "Maximum"
    public static let StdDev = ns + "StdDev"
    public static let passedByUniqueVehiclesCount = ns + "passedByUniqueVehiclesCount"
    public static let passedByVehiclesInFlowCount = ns + "passedByVehiclesInFlowCount"
    public static let passedByVehiclesPerMinuteInFlowCount = ns + "passedByVehiclesPerMinuteInFlowCount"
    public static let passedByTransitVehiclesCount = ns + "passedByTransitVehiclesCount"
}
/// Kruispunt's own terms (https://w3id.org/kruispunt#), defined in Ontology/kruispunt.ttl.
public enum KP {
    public static let ns = "https://w3id.org/kruispunt#"
    public static let suppressed = ns + "suppressed"
    public static let minimumCount = ns + "minimumCount"
    public static let TreatmentRun = ns + "TreatmentRun"
    public static let Zone = ns + "Zone"
    public static let Flow = ns + "Flow"
    public static let origin = ns + "origin"
    public static let destination = ns + "destination"
    public static let entryCamera = ns + "entryCamera"
    public static let exitCamera = ns + "exitCamera"
    public static let insideCamera = ns + "insideCamera"
    public static let travelTime = ns + "travelTime"
    public static let enteringVehiclesCount = ns + "enteringVehiclesCount"
    public static let dwellTime = ns + "dwellTime"
    public static let vehicleSpeed = ns + "vehicleSpeed"
    public static let vehicleTypeCount = ns + "vehicleTypeCount"
    public static let typicalHourlyCount = ns + "typicalHourlyCount"
    public static let nationalityCount = ns + "nationalityCount"
    public static let vehicleCategoryCount = ns + "vehicleCategoryCount"
    public static let vehicleAgeCount = ns + "vehicleAgeCount"
    public static let euroClassCount = ns + "euroClassCount"
    public static let heavyTransitVehiclesCount = ns + "heavyTransitVehiclesCount"
    public static let recurringVehiclesCount = ns + "recurringVehiclesCount"
    public static let lezComplianceShare = ns + "lezComplianceShare"
    public static let nationality = ns + "nationality"
    public static let vehicleCategory = ns + "vehicleCategory"
    public static let ageBin = ns + "vehicleAgeBin"
    public static let euroClass = ns + "euroClass"
    public static let daysSeen = ns + "daysSeen"
    public static let Weekly = ns + "Weekly"
    public static let Percentile85 = ns + "Percentile85"
    public static let Median = ns + "Median"
    public static let vehicleType = ns + "vehicleType"
    public static let travelTimeMinutes = ns + "travelTimeMinutes"
    public static let durationBin = ns + "durationBin"
    public static let weekday = ns + "weekday"
    public static let hourOfDay = ns + "hourOfDay"
    public static let softwareVersion = ns + "softwareVersion"
    public static let maxTravelTime = ns + "maxTravelTime"
    public static let transitLimit = ns + "transitLimit"
    public static let allowedLateness = ns + "allowedLateness"
    public static let keyRotation = ns + "keyRotation"
    public static let CameraHourQuality = ns + "CameraHourQuality"
    public static let QualityRule = ns + "QualityRule"
    public static let firedRule = ns + "firedRule"
    public static let qualityStatus = ns + "qualityStatus"
}

/// W3C Data Quality Vocabulary.
public enum DQV {
    public static let ns = "http://www.w3.org/ns/dqv#"
    public static let QualityMeasurement = ns + "QualityMeasurement"
    public static let Metric = ns + "Metric"
    public static let hasQualityMeasurement = ns + "hasQualityMeasurement"
    public static let isMeasurementOf = ns + "isMeasurementOf"
    public static let computedOn = ns + "computedOn"
    public static let value = ns + "value"
}
public enum OWLTime {
    public static let ns = "http://www.w3.org/2006/time#"
    public static let Interval = ns + "Interval"
    public static let Instant = ns + "Instant"
    public static let hasBeginning = ns + "hasBeginning"
    public static let hasEnd = ns + "hasEnd"
    public static let inXSDDateTimeStamp = ns + "inXSDDateTimeStamp"
}
public enum GeoSPARQL {
    public static let ns = "http://www.opengis.net/ont/geosparql#"
    public static let wktLiteral = ns + "wktLiteral"
    public static let hasGeometry = ns + "hasGeometry"
    public static let asWKT = ns + "asWKT"
    public static let Geometry = ns + "Geometry"
}
public enum DCT {
    public static let ns = "http://purl.org/dc/terms/"
    public static let identifier = ns + "identifier"
    public static let title = ns + "title"
    public static let description = ns + "description"
    public static let isVersionOf = ns + "isVersionOf"
    public static let isReplacedBy = ns + "isReplacedBy"
    public static let license = ns + "license"
    public static let modified = ns + "modified"
    public static let isPartOf = ns + "isPartOf"
    public static let publisher = ns + "publisher"
    public static let accessRights = ns + "accessRights"
    public static let spatial = ns + "spatial"
    public static let temporal = ns + "temporal"
    public static let accrualPeriodicity = ns + "accrualPeriodicity"
    public static let conformsTo = ns + "conformsTo"
    public static let issued = ns + "issued"
    public static let language = ns + "language"
    public static let format = ns + "format"
    public static let Location = ns + "Location"
    public static let PeriodOfTime = ns + "PeriodOfTime"
    public static let LicenseDocument = ns + "LicenseDocument"
}
public enum PROV {
    public static let ns = "http://www.w3.org/ns/prov#"
    public static let generatedAtTime = ns + "generatedAtTime"
    public static let wasGeneratedBy = ns + "wasGeneratedBy"
}
public enum RDFS {
    public static let ns = "http://www.w3.org/2000/01/rdf-schema#"
    public static let label = ns + "label"
    public static let seeAlso = ns + "seeAlso"
    public static let Resource = ns + "Resource"
}
public enum LDES {
    public static let ns = "https://w3id.org/ldes#"
    public static let EventStream = ns + "EventStream"
    public static let timestampPath = ns + "timestampPath"
    public static let versionOfPath = ns + "versionOfPath"
    public static let immutable = ns + "immutable"
    public static let retentionPolicy = ns + "retentionPolicy"
    public static let DurationAgoPolicy = ns + "DurationAgoPolicy"
    public static let LatestVersionSubset = ns + "LatestVersionSubset"
    public static let amount = ns + "amount"
}
public enum TREE {
    public static let ns = "https://w3id.org/tree#"
    public static let Node = ns + "Node"
    public static let view = ns + "view"
    public static let member = ns + "member"
    public static let shape = ns + "shape"
    public static let relation = ns + "relation"
    public static let node = ns + "node"
    public static let path = ns + "path"
    public static let value = ns + "value"
    public static let GreaterThanOrEqualToRelation = ns + "GreaterThanOrEqualToRelation"
    public static let LessThanRelation = ns + "LessThanRelation"
    public static let Relation = ns + "Relation"
    public static let remainingItems = ns + "remainingItems"
    public static let viewDescription = ns + "viewDescription"
    public static let ViewDescription = ns + "ViewDescription"
}

/// Hydra Core (Triple Pattern Fragments controls).
public enum Hydra {
    public static let ns = "http://www.w3.org/ns/hydra/core#"
    public static let Collection = ns + "Collection"
    public static let PartialCollectionView = ns + "PartialCollectionView"
    public static let IriTemplate = ns + "IriTemplate"
    public static let ExplicitRepresentation = ns + "ExplicitRepresentation"
    public static let search = ns + "search"
    public static let template = ns + "template"
    public static let variableRepresentation = ns + "variableRepresentation"
    public static let mapping = ns + "mapping"
    public static let variable = ns + "variable"
    public static let property = ns + "property"
    public static let totalItems = ns + "totalItems"
    public static let itemsPerPage = ns + "itemsPerPage"
    public static let view = ns + "view"
    public static let first = ns + "first"
    public static let next = ns + "next"
    public static let previous = ns + "previous"
    public static let member = ns + "member"
    public static let required = ns + "required"
}
/// VoID (dataset descriptions).
public enum VOID {
    public static let ns = "http://rdfs.org/ns/void#"
    public static let Dataset = ns + "Dataset"
    public static let subset = ns + "subset"
    public static let triples = ns + "triples"
    public static let uriSpace = ns + "uriSpace"
    public static let vocabulary = ns + "vocabulary"
    public static let dataDump = ns + "dataDump"
    public static let rootResource = ns + "rootResource"
    public static let exampleResource = ns + "exampleResource"
    public static let feature = ns + "feature"
}
/// DCAT 3, with the Flemish metadata-dcat properties DCAT-AP Vlaanderen asks for.
public enum DCAT {
    public static let ns = "http://www.w3.org/ns/dcat#"
    public static let Catalog = ns + "Catalog"
    public static let Dataset = ns + "Dataset"
    public static let Distribution = ns + "Distribution"
    public static let DataService = ns + "DataService"
    public static let dataset = ns + "dataset"
    public static let service = ns + "service"
    public static let distribution = ns + "distribution"
    public static let contactPoint = ns + "contactPoint"
    public static let theme = ns + "theme"
    public static let themeTaxonomy = ns + "themeTaxonomy"
    public static let keyword = ns + "keyword"
    public static let accessURL = ns + "accessURL"
    public static let downloadURL = ns + "downloadURL"
    public static let mediaType = ns + "mediaType"
    public static let compressFormat = ns + "compressFormat"
    public static let endpointURL = ns + "endpointURL"
    public static let endpointDescription = ns + "endpointDescription"
    public static let servesDataset = ns + "servesDataset"
    public static let accessService = ns + "accessService"
    public static let startDate = ns + "startDate"
    public static let endDate = ns + "endDate"
    public static let bbox = ns + "bbox"
    public static let centroid = ns + "centroid"
    /// DCAT-AP Vlaanderen 3 (`https`) and 2 (`http`) metadata-dcat namespaces.
    public static let vl3 = "https://data.vlaanderen.be/ns/metadata-dcat#"
    public static let vl2 = "http://data.vlaanderen.be/ns/metadata-dcat#"
}
public enum VCARD {
    public static let ns = "http://www.w3.org/2006/vcard/ns#"
    public static let Kind = ns + "Kind"
    public static let Organization = ns + "Organization"
    public static let fn = ns + "fn"
    public static let hasEmail = ns + "hasEmail"
}
/// SPARQL 1.1 Service Description.
public enum SD {
    public static let ns = "http://www.w3.org/ns/sparql-service-description#"
    public static let graph = ns + "graph"
}
public enum FOAF {
    public static let ns = "http://xmlns.com/foaf/0.1/"
    public static let primaryTopic = ns + "primaryTopic"
    public static let homepage = ns + "homepage"
}

/// The prefixes Kruispunt writes in Turtle and JSON-LD, in a stable order.
public let standardPrefixes: [(prefix: String, namespace: String)] = [
    ("rdf", RDF.ns), ("rdfs", RDFS.ns), ("xsd", XSD.ns), ("sosa", SOSA.ns), ("cot", COT.ns), ("kp", KP.ns),
    ("time", OWLTime.ns), ("geo", GeoSPARQL.ns), ("dct", DCT.ns), ("prov", PROV.ns),
    ("ldes", LDES.ns), ("tree", TREE.ns), ("sh", "http://www.w3.org/ns/shacl#"), ("hydra", Hydra.ns),
    ("void", VOID.ns), ("sd", SD.ns), ("foaf", FOAF.ns), ("dcat", DCAT.ns), ("vcard", VCARD.ns),
    ("skos", "http://www.w3.org/2004/02/skos/core#"), ("dcatap", "http://data.europa.eu/r5r/"), ("mdcat", DCAT.vl3),
    ("dqv", DQV.ns),
]
