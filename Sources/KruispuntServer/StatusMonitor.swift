import Foundation
import KruispuntStore
import Synchronization

/// The state of every component of a running server, as `StatusService` last checked it, and
/// what the background services report (treatment and retention runs). An outage of the
/// database itself cannot be written down while it lasts: it is kept here and stored (opened
/// and resolved) once the database answers again.
public final class StatusMonitor: Sendable {
    public enum State: String, Codable, Sendable, Comparable {
        case ok, degraded, down
        public static func < (a: State, b: State) -> Bool { a.rank < b.rank }
        private var rank: Int { self == .ok ? 0 : self == .degraded ? 1 : 2 }
        /// The Dutch word on the status page.
        public var dutch: String { self == .ok ? "in orde" : self == .degraded ? "verstoord" : "onbereikbaar" }
    }

    /// One component as last checked.
    public struct Component: Codable, Sendable, Equatable {
        public var name: String
        /// Its Dutch name.
        public var label: String
        public var state: State
        public var detail: String
        public var lastSuccess: String?
        public var checkedAt: String

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name); try c.encode(label, forKey: .label); try c.encode(state, forKey: .state)
            try c.encode(detail, forKey: .detail); try c.encode(lastSuccess, forKey: .lastSuccess); try c.encode(checkedAt, forKey: .checkedAt)
        }
    }

    /// What a background service last reported: its last success and, if later, its failure.
    struct RunRecord: Sendable {
        var lastSuccessMillis: Int64?
        var failure: (atMillis: Int64, message: String)?
    }

    /// A database outage not yet stored: since when and why.
    struct Outage: Sendable {
        var sinceMillis: Int64
        var detail: String
    }

    private let components = Mutex<[String: Component]>([:])
    private let runs = Mutex<[String: RunRecord]>([:])
    let outage = Mutex<Outage?>(nil)
    /// Components with an open incident in the store.
    let openIncidents = Mutex<Set<String>>([])

    public init() {}

    /// The order and Dutch names of the components.
    static let order: [(name: String, label: String)] = [
        ("database", "Databank"), ("ingestion", "Inname"), ("treatment", "Verwerking"), ("publishing", "Publicatie"),
        ("dashboard", "Dashboard"), ("disk", "Schijfruimte"), ("retention", "Bewaartermijnen"),
        ("quality", "Datakwaliteit"), ("replica", "Leesreplica"),
    ]

    /// The components as last checked, in a fixed order.
    public var snapshot: [Component] {
        let current = components.withLock { $0 }
        return Self.order.compactMap { current[$0.name] }
    }

    /// The worst state of all components (ok before the first check).
    public var overall: State { snapshot.map(\.state).max() ?? .ok }

    func set(_ component: Component) { components.withLock { $0[component.name] = component } }

    func component(_ name: String) -> Component? { components.withLock { $0[name] } }

    /// A background service reports a run (`error` nil: it succeeded).
    func ran(_ name: String, error: String?) {
        let now = Self.nowMillis
        runs.withLock { runs in
            if let error { runs[name, default: RunRecord()].failure = (now, error) }
            else { runs[name, default: RunRecord()].lastSuccessMillis = now; runs[name]?.failure = nil }
        }
    }

    func run(_ name: String) -> RunRecord? { runs.withLock { $0[name] } }

    static var nowMillis: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func stamp(_ ms: Int64) -> String { JSONLogHandler.timestamp(Date(timeIntervalSince1970: Double(ms) / 1000)) }
}
