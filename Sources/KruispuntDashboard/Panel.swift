import KruispuntRDF

/// One chart or table of a dashboard page: the SPARQL-lite query that produces it, how to draw
/// it, and its table columns. Every number shown comes from the query's answer.
public struct Panel: Sendable {
    /// How the browser draws the answer (the table is always there too).
    public enum ChartKind: String, Sendable {
        case bar, line, stacked, doughnut, heatmap, map, flowmap, none
        /// Headline figures: the current period's value against the previous (rows `huidig`, `vorig`).
        case figures
    }

    /// How a table column shows its variable.
    public enum Format: Sendable, Equatable {
        /// A count; `hidden` is the variable counting suppressed cells in it.
        case count(hidden: String?)
        /// A decimal with this many digits.
        case decimal(Int)
        /// A local day (from a date-time) or an hour of the day.
        case day, hour, dateTime
        /// A camera, zone or flow IRI shown by its id, linked to its page when `page` is set.
        case feature(page: Bool)
        case text
    }

    public struct Column: Sendable {
        public let variable: String
        public let header: String
        public let format: Format
    }

    public struct Chart: Sendable {
        public var kind: ChartKind
        /// The variable on the horizontal axis (or the slice label).
        public var x: String = ""
        /// The variables drawn as values, with their legend labels.
        public var y: [(variable: String, label: String)] = []
        /// A variable whose values make one series each (instead of one per `y`).
        public var series: String?
        /// Low and high variables drawn as a band behind the series.
        public var band: (low: String, high: String, label: String)?
        public var xTitle = ""
        public var yTitle = ""
    }

    public let id: String
    public let title: String
    /// What the panel shows, in a sentence or two.
    public let intro: String
    let query: ObservationQuery?
    /// A query given as text (for the ones that are not about observations).
    let text: String?
    public let chart: Chart
    public let columns: [Column]
    /// Links to the event stream or time series the numbers also come from.
    public let links: [(label: String, href: String)]
    /// Whether the page embeds the answer for its script: always for a chart or map; for a
    /// table, only when a map reads it.
    var embedsAnswer: Bool

    private static func drawn(_ kind: ChartKind) -> Bool { ![.none, .heatmap, .figures].contains(kind) }

    init(id: String, title: String, intro: String, query: ObservationQuery, chart: Chart, columns: [Column],
         links: [(label: String, href: String)] = []) {
        self.id = id
        self.title = title
        self.intro = intro
        self.query = query
        self.text = nil
        self.chart = chart
        self.columns = columns
        self.links = links
        self.embedsAnswer = Self.drawn(chart.kind)
    }

    init(id: String, title: String, intro: String, sparql: String, chart: Chart, columns: [Column],
         links: [(label: String, href: String)] = []) {
        self.id = id
        self.title = title
        self.intro = intro
        self.query = nil
        self.text = sparql
        self.chart = chart
        self.columns = columns
        self.links = links
        self.embedsAnswer = Self.drawn(chart.kind)
    }

    /// The SELECT query.
    public var sparql: String { query?.sparql ?? text ?? "" }
    /// The CONSTRUCT of the observations behind the panel (for RDF downloads), when there is one.
    public var construct: String? { query?.construct }
}

/// A panel with the answer of its query.
public struct PanelResult: Sendable {
    public let panel: Panel
    public let variables: [String]
    public let rows: [[Term?]]
    public let truncated: Bool
    /// The query could not be answered (shown in place of the chart, never as zeros).
    public let error: String?

    public init(panel: Panel, variables: [String], rows: [[Term?]], truncated: Bool = false, error: String? = nil) {
        self.panel = panel
        self.variables = variables
        self.rows = rows
        self.truncated = truncated
        self.error = error
    }

    /// The value of a variable in a row.
    public func value(_ row: [Term?], _ variable: String) -> Term? {
        guard let i = variables.firstIndex(of: variable), i < row.count else { return nil }
        return row[i]
    }

    /// A numeric value (nil when unbound or not a number).
    public func number(_ row: [Term?], _ variable: String) -> Double? {
        value(row, variable).flatMap { Double($0.lexical) }
    }
}
