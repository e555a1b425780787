import Foundation
import Hummingbird
import KruispuntANPR
import KruispuntStore
import KruispuntTreatment
import Metrics
import Prometheus
import Synchronization

/// The process's Prometheus metrics (`GET /metrics`): requests and their latency per route
/// (Hummingbird's `MetricsMiddleware` through swift-metrics), ingestion and treatment counters,
/// and gauges read when scraped (watermark lag, store sizes, database pools). Counts only: no
/// label ever holds a camera, a token or a query.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let uploads: Prometheus.Counter
    private let detections: [String: Prometheus.Counter]
    private let treatmentRuns: Prometheus.Counter
    private let treatmentFailures: Prometheus.Counter
    private let treatmentDetections: Prometheus.Counter
    private let treatmentObservations: Prometheus.Counter
    private let treatmentSuppressed: Prometheus.Counter
    private let treatmentDuration: Prometheus.DurationHistogram
    /// Request counters and latency histograms, made on first use per route, method and status.
    private let requestSeries = Mutex<[String: (count: Prometheus.Counter, duration: Prometheus.DurationHistogram)]>([:])

    public init() {
        let registry = self.registry
        func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Prometheus.Counter {
            registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
        }
        uploads = counter("kruispunt_ingest_uploads_total", "Uploads and drop-folder files ingested (replays not counted).")
        detections = Dictionary(uniqueKeysWithValues: ["accepted", "duplicate", "quarantined"].map { outcome in
            (outcome, counter("kruispunt_ingest_lines_total", "Lines ingested, by outcome.", [("outcome", outcome)]))
        })
        treatmentRuns = counter("kruispunt_treatment_runs_total", "Treatment runs that committed.")
        treatmentFailures = counter("kruispunt_treatment_failures_total", "Treatment runs that failed (rolled back).")
        treatmentDetections = counter("kruispunt_treatment_detections_total", "Detections read by the treatment.")
        treatmentObservations = counter("kruispunt_treatment_observations_total", "Observation versions published.")
        treatmentSuppressed = counter("kruispunt_treatment_suppressed_total", "Observation versions published as suppressed or withdrawn.")
        treatmentDuration = registry.makeDurationHistogram(
            descriptor: Self.descriptor("kruispunt_treatment_run_duration_seconds", "Duration of treatment runs."),
            buckets: [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30), .seconds(120)])
    }

    /// A whole metric name with its help text (the unit stays part of the name).
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    private static let bootstrapped = Mutex(false)

    /// Sends swift-metrics (Hummingbird's request metrics) to this registry. swift-metrics has one
    /// factory per process: the first server's registry gets them.
    func bootstrapSystem() {
        guard Self.bootstrapped.withLock({ done in defer { done = true }; return !done }) else { return }
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in (Self.sanitised(name), labels.map { (Self.sanitised($0.0), $0.1) }) }
        MetricsSystem.bootstrap(factory)
    }

    /// A Prometheus metric or label name: `http.route` becomes `http_route`.
    static func sanitised(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { s in
            (s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s))) || s == "_" || s == ":" ? s : "_"
        }))
    }

    /// Counts one answered request of a route pattern (`/streams/{name}`, never a concrete path).
    func request(route: String, method: String, status: Int, duration: Duration) {
        let key = route + " " + method + " " + String(status)
        let series = requestSeries.withLock { series in
            if let known = series[key] { return known }
            let labels = [("route", route), ("method", method), ("status", String(status))]
            let made = (registry.makeCounter(descriptor: Self.descriptor("kruispunt_http_requests_total", "Requests answered."), labels: labels),
                        registry.makeDurationHistogram(
                            descriptor: Self.descriptor("kruispunt_http_request_duration_seconds", "Time until the answer was ready."),
                            labels: labels, buckets: Self.latencyBuckets))
            series[key] = made
            return made
        }
        series.count.increment()
        series.duration.record(duration)
    }

    private static let latencyBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                                     .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]

    /// Counts one ingested upload or file.
    func record(_ summary: IngestSummary) {
        guard summary.replayed != true else { return }
        uploads.increment()
        detections["accepted"]?.increment(by: Int64(summary.accepted))
        detections["duplicate"]?.increment(by: Int64(summary.duplicates))
        detections["quarantined"]?.increment(by: Int64(summary.quarantined))
    }

    /// Counts one treatment run (nil: it failed).
    func record(_ summary: TreatmentSummary?, duration: Duration) {
        guard let summary else { treatmentFailures.increment(); return }
        treatmentRuns.increment()
        treatmentDetections.increment(by: Int64(summary.detections))
        treatmentObservations.increment(by: Int64(summary.observations))
        treatmentSuppressed.increment(by: Int64(summary.suppressed))
        treatmentDuration.record(duration)
    }

    /// The exposition text (format 0.0.4), with the gauges read now. A database that does not
    /// answer within the pool's limits gives `kruispunt_database_up 0`, never an error.
    func exposition(runtime: Runtime) async -> String {
        let registry = self.registry
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
            registry.makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
        }
        let pools = [("read", runtime.pool), ("ingest", runtime.ingestPool)]
        for (name, pool) in pools {
            gauge("kruispunt_db_pool_size", "Connections a pool may open.", [("pool", name)]).set(Double(pool.size))
            gauge("kruispunt_db_pool_callers", "Callers holding or waiting for a connection.", [("pool", name)]).set(Double(pool.callers))
        }
        let now = Date().timeIntervalSince1970
        let open = runtime.status.openIncidents.withLock { $0.count } + (runtime.status.outage.withLock { $0 } == nil ? 0 : 1)
        gauge("kruispunt_incidents_open", "Incidents open now (a database outage counts before it is stored).").set(Double(open))
        gauge("kruispunt_treatment_lease_held", "1 while this process holds the treatment lease (runs the treatment).")
            .set(runtime.lease.isHeld ? 1.0 : 0.0)
        do {
            let row = try await runtime.pool.withConnection { db in try db.query(Self.gaugeQuery)[0] }
            func value(_ i: Int) -> Double? { row[i].flatMap(Double.init) }
            gauge("kruispunt_database_up", "1 when the database answered this scrape.").set(1.0)
            gauge("kruispunt_database_size_bytes", "Size of the database on disk.").set(value(0) ?? 0)
            gauge("kruispunt_store_quads", "Quads in the store (PostgreSQL's estimate).").set(value(1) ?? 0)
            gauge("kruispunt_store_terms", "Terms in the dictionary (PostgreSQL's estimate).").set(value(2) ?? 0)
            if let watermark = value(3) {
                gauge("kruispunt_treatment_watermark_lag_seconds", "Seconds between now and the treatment's watermark.")
                    .set(max(0, now - watermark / 1000))
            }
            if let lastRun = value(4) {
                gauge("kruispunt_treatment_last_run_age_seconds", "Seconds since the treatment last committed a run.")
                    .set(max(0, now - lastRun / 1000))
            }
            gauge("kruispunt_treatment_backlog_detections", "Detections stored and not yet treated.").set(value(5) ?? 0)
        } catch {
            gauge("kruispunt_database_up", "1 when the database answered this scrape.").set(0.0)
        }
        return registry.emitToString()
    }

    /// Sizes and progress in one statement, from the catalogue's estimates (no count over a
    /// table of millions of rows per scrape).
    private static let gaugeQuery = """
        SELECT pg_database_size(current_database()),
               (SELECT greatest(sum(greatest(c.reltuples, 0)), 0) FROM pg_class c
                WHERE c.oid = 'quads'::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'quads'::regclass)),
               (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'terms'::regclass),
               (SELECT max(watermark_ms) FROM treatment_checkpoints WHERE watermark_ms > 0),
               (SELECT max(extract(epoch FROM last_run_at) * 1000) FROM treatment_checkpoints),
               \(Treatment.backlogSQL)
        """
}

/// Counts requests and their latency per route pattern, method and status. The time is taken
/// when the answer is ready: the body is never wrapped, because a wrapped body loses the
/// server's single-write path (Hummingbird's own `MetricsMiddleware` wraps it, at a third of the
/// rate of cached stream pages).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            metrics.request(route: context.endpointPath ?? "(none)", method: request.method.rawValue,
                            status: Int(response.status.code), duration: ContinuousClock.now - started)
            return response
        } catch {
            metrics.request(route: context.endpointPath ?? "(none)", method: request.method.rawValue,
                            status: Int((error as? any HTTPResponseError)?.status.code ?? 500), duration: ContinuousClock.now - started)
            throw error
        }
    }
}
