import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KruispuntStore
import KruispuntTreatment
import Logging
import ServiceLifecycle

/// Checks every component every `interval` (`KRUISPUNT_STATUS_INTERVAL`), keeps the result in the
/// runtime's `StatusMonitor`, opens an incident when a component leaves `ok` and resolves it when
/// it returns, and posts each opening and resolution to `KRUISPUNT_INCIDENT_WEBHOOK` if set.
struct StatusService: Service {
    let runtime: Runtime
    let interval: Duration
    private var monitor: StatusMonitor { runtime.status }
    private var logger: Logger { runtime.logger }

    init(runtime: Runtime, interval: Duration) {
        self.runtime = runtime
        self.interval = interval
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await check()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One round of checks.
    func check() async {
        let now = StatusMonitor.nowMillis
        let stamp = StatusMonitor.stamp(now)
        var states: [StatusMonitor.Component] = []
        func add(_ name: String, _ state: StatusMonitor.State, _ detail: String, lastSuccess: String?) {
            let label = StatusMonitor.order.first { $0.name == name }?.label ?? name
            states.append(.init(name: name, label: label, state: state, detail: detail, lastSuccess: lastSuccess, checkedAt: stamp))
        }
        let databaseUp: Bool
        var alerts: [QualityReport.Alert] = []
        do {
            let (version, facts, open, qualityAlerts) = try await runtime.pool.withConnection { db in
                (try Migrations.currentVersion(on: db), try db.query(Self.factsQuery)[0],
                 try Incidents.list(openOnly: true, limit: 100, on: db).map(\.component), try QualityReport.alerts(on: db))
            }
            alerts = qualityAlerts
            monitor.openIncidents.withLock { $0 = Set(open) }
            databaseUp = true
            let latest = Migrations.all.last?.version ?? 0
            add("database", version == latest ? .ok : .degraded,
                version == latest ? "bereikbaar; schema \(version)" : "schema \(version), verwacht \(latest)", lastSuccess: stamp)
            if let outage = monitor.outage.withLock({ o in defer { o = nil }; return o }) {
                await store(outage, resolvedAt: now)
            }
            add("ingestion", .ok, facts[0].map { "laatste levering \($0)" } ?? "nog geen levering", lastSuccess: facts[0])
            let treatment = monitor.run("treatment")
            let lag = facts[2].flatMap(Double.init).map { "achterstand \(Int(max(0, Double(now) / 1000 - $0 / 1000))) s" }
            if let failure = treatment?.failure {
                add("treatment", .degraded, "laatste run mislukt: \(failure.message)", lastSuccess: facts[1])
            } else {
                let holder = facts[5].map { "uitgevoerd door \($0)" } ?? "door geen enkele instantie uitgevoerd"
                add("treatment", .ok, ["watermerk " + (facts[3] ?? "nog niet gezet"), lag, holder].compactMap { $0 }.joined(separator: "; "),
                    lastSuccess: facts[1])
            }
            add("publishing", .ok, facts[4].map { "laatste publicatie \($0)" } ?? "nog niets gepubliceerd", lastSuccess: facts[4])
            add("dashboard", .ok, "pagina's uit de databank", lastSuccess: stamp)
            let retention = monitor.run("retention")
            if let failure = retention?.failure {
                add("retention", .degraded, "laatste run mislukt: \(failure.message)", lastSuccess: retention?.lastSuccessMillis.map(StatusMonitor.stamp))
            } else {
                add("retention", .ok, retention?.lastSuccessMillis == nil ? "nog niet gelopen" : "gelopen",
                    lastSuccess: retention?.lastSuccessMillis.map(StatusMonitor.stamp))
            }
            add("quality", qualityAlerts.isEmpty ? .ok : .degraded,
                qualityAlerts.isEmpty ? "geen regel afgegaan in de laatste gemeten uren"
                    : qualityAlerts.map { "\($0.rule.label.nl): \($0.cameras.count) camera('s)" }.joined(separator: "; "),
                lastSuccess: qualityAlerts.isEmpty ? stamp : monitor.component("quality")?.lastSuccess)
        } catch {
            databaseUp = false
            let detail = Self.reason(error)
            add("database", .down, detail, lastSuccess: monitor.component("database")?.lastSuccess)
            for name in ["ingestion", "treatment", "publishing", "dashboard", "retention", "quality"] {
                add(name, .degraded, "databank onbereikbaar", lastSuccess: monitor.component(name)?.lastSuccess)
            }
            let started = monitor.outage.withLock { o -> Bool in
                guard o == nil else { return false }
                o = StatusMonitor.Outage(sinceMillis: now, detail: detail)
                return true
            }
            if started {
                logger.error("incident: the database is unreachable", metadata: ["component": "database", "reason": "\(detail)"])
                notify("opened", ["component": "database", "title": Self.title("database"), "detail": detail,
                                  "opened_at": StatusMonitor.stamp(now), "id": nil])
            }
        }
        add("disk", diskState.state, diskState.detail, lastSuccess: diskState.state == .ok ? stamp : monitor.component("disk")?.lastSuccess)
        if let replica = runtime.readPool {
            let (state, detail) = await Self.replicaState(replica)
            add("replica", state, detail, lastSuccess: state == .ok ? stamp : monitor.component("replica")?.lastSuccess)
        }
        for component in states { monitor.set(component) }
        guard databaseUp else { return }
        // Incidents follow the states (the database's own outage was stored above).
        let open = monitor.openIncidents.withLock { $0 }
        for component in states where component.name != "quality" && (component.name != "database" || component.state != .down) {
            if component.state != .ok, !open.contains(component.name) {
                await openIncident(component, atMillis: now)
            } else if component.state == .ok, open.contains(component.name) {
                await resolveIncident(component.name, detail: component.detail, atMillis: now)
            }
        }
        // One incident per data-quality rule firing in the latest measured hours, with its cameras.
        for alert in alerts where !open.contains(Self.qualityPrefix + alert.rule.rawValue) {
            let detail = Self.qualityDetail(alert.rule, cameras: alert.cameras)
            await openIncident(.init(name: Self.qualityPrefix + alert.rule.rawValue, label: alert.rule.label.nl, state: .degraded,
                                     detail: detail, lastSuccess: nil, checkedAt: stamp),
                               affected: alert.cameras.joined(separator: ","), atMillis: now)
        }
        for name in open where name.hasPrefix(Self.qualityPrefix) && !alerts.contains(where: { Self.qualityPrefix + $0.rule.rawValue == name }) {
            await resolveIncident(name, detail: "regel niet meer afgegaan", atMillis: now)
        }
    }

    /// Data-quality incidents are named `quality:` and the rule.
    static let qualityPrefix = "quality:"

    /// A data-quality incident's detail: the rule and the cameras it fires for.
    static func qualityDetail(_ rule: QualityRule, cameras: [String]) -> String {
        rule.label.nl + " bij camera " + cameras.joined(separator: ", ")
    }

    private func openIncident(_ component: StatusMonitor.Component, affected: String = "", atMillis: Int64) async {
        do {
            let (incident, new) = try await runtime.pool.withConnection { db in
                try Incidents.open(component: component.name, title: Self.title(component.name), detail: component.detail,
                                   affected: affected, atMillis: atMillis, on: db)
            }
            monitor.openIncidents.withLock { _ = $0.insert(component.name) }
            if new {
                logger.error("incident opened", metadata: ["incident": "\(incident.id)", "component": "\(component.name)", "reason": "\(component.detail)"])
                notify("opened", incident)
            }
        } catch {
            logger.error("could not open an incident", metadata: ["component": "\(component.name)", "error": "\(error)"])
        }
    }

    private func resolveIncident(_ name: String, detail: String, atMillis: Int64) async {
        do {
            let resolved = try await runtime.pool.withConnection { db in
                try Incidents.resolve(component: name, detail: detail, atMillis: atMillis, on: db)
            }
            monitor.openIncidents.withLock { _ = $0.remove(name) }
            if let resolved {
                logger.notice("incident resolved", metadata: ["incident": "\(resolved.id)", "component": "\(name)"])
                notify("resolved", resolved)
            }
        } catch {
            logger.error("could not resolve an incident", metadata: ["component": "\(name)", "error": "\(error)"])
        }
    }

    /// A database outage, stored once the database is back: opened when it began, resolved now.
    private func store(_ outage: StatusMonitor.Outage, resolvedAt: Int64) async {
        do {
            // Two transactions: an incident opened but not resolved is resolved by the next round.
            let incident = try await runtime.pool.withConnection { db -> Incidents.Incident? in
                try Incidents.open(component: "database", title: Self.title("database"), detail: outage.detail,
                                   atMillis: outage.sinceMillis, on: db)
                return try Incidents.resolve(component: "database", detail: "bereikbaar", atMillis: resolvedAt, on: db)
            }
            logger.notice("incident resolved: the database answers again",
                          metadata: ["incident": "\(incident?.id ?? 0)", "seconds": "\(Double(resolvedAt - outage.sinceMillis) / 1000)"])
            if let incident { notify("resolved", incident) }
        } catch {
            // Try again at the next round.
            monitor.outage.withLock { if $0 == nil { $0 = outage } }
            logger.error("could not store the database outage", metadata: ["error": "\(error)"])
        }
    }

    /// Free space where the data folder lives: degraded under `KRUISPUNT_DISK_MIN_FREE_PERCENT`.
    private var diskState: (state: StatusMonitor.State, detail: String) {
        var info = statvfs()
        guard statvfs(runtime.configuration.dataDirectory.path, &info) == 0, info.f_blocks > 0 else {
            return (.degraded, "schijfruimte onbekend")
        }
        let free = Double(info.f_bavail) * Double(info.f_frsize), total = Double(info.f_blocks) * Double(info.f_frsize)
        let percent = free / total * 100
        let detail = String(format: "%.1f GB vrij van %.1f GB (%.1f %%)", free / 1e9, total / 1e9, percent)
        return (percent < runtime.configuration.diskMinFreePercent ? .degraded : .ok, detail)
    }

    /// Replica lag beyond which the read replica is degraded.
    static let replicaMaxLagSeconds = 60.0

    /// The read replica's state: its replay lag (0 when it has replayed all it received), or why
    /// reads go to the primary instead.
    static func replicaState(_ replica: ConnectionPool) async -> (StatusMonitor.State, String) {
        do {
            let row = try await replica.withConnection { db in
                try db.query("""
                    SELECT pg_is_in_recovery(),
                           CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                                ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END
                    """)[0]
            }
            guard row[0] == "t" else { return (.ok, "geen standby (meer): lezen op een primaire server") }
            let lag = row[1].flatMap(Double.init) ?? 0
            let text = String(format: "achterstand %.1f s", lag)
            return lag > replicaMaxLagSeconds ? (.degraded, text + " (meer dan \(Int(replicaMaxLagSeconds)) s)") : (.ok, text)
        } catch {
            return (.degraded, "onbereikbaar, lezen gaat naar de primaire databank: " + reason(error))
        }
    }

    /// Titles of incidents, in Dutch.
    static func title(_ component: String) -> String {
        switch component {
        case "database": "De databank is onbereikbaar"
        case "replica": "De leesreplica is onbereikbaar of loopt achter"
        case "treatment": "De verwerking faalt"
        case "disk": "Weinig vrije schijfruimte"
        case "retention": "De bewaartermijnen worden niet toegepast"
        case let c where c.hasPrefix(qualityPrefix):
            "Datakwaliteit: " + (QualityRule(rawValue: String(c.dropFirst(qualityPrefix.count)))?.label.nl ?? c)
        default: "Storing: \(component)"
        }
    }

    /// A short reason for an error (libpq's first line).
    static func reason(_ error: any Error) -> String {
        String(String(describing: error).split(separator: "\n").first ?? "onbekende fout").prefix(300).description
    }

    /// Posts `{"event": …, "incident": …}` to the webhook, if one is set; failures are logged.
    private func notify(_ event: String, _ incident: Incidents.Incident) {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        guard let data = try? encoder.encode(incident), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        notify(event, object)
    }

    private func notify(_ event: String, _ incident: [String: Any?]) {
        guard let url = runtime.configuration.incidentWebhook else { return }
        let payload: [String: Any] = ["event": event, "incident": incident.mapValues { $0 ?? NSNull() },
                                      "status": runtime.configuration.baseURL.map { $0 + "/status" } ?? "/status"]
        guard let body = try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]) else { return }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        let logger = self.logger
        Task.detached {
            do {
                let (_, response) = try await URLSession.shared.data(for: request)
                if let status = (response as? HTTPURLResponse)?.statusCode, !(200..<300).contains(status) {
                    logger.warning("the incident webhook answered \(status)")
                }
            } catch {
                logger.warning("the incident webhook failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The facts the checks read: last delivery, last treatment run, watermark, last publication,
    /// the treatment lease's holder.
    private static let factsQuery = """
        SELECT (SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM ingest_batches ORDER BY id DESC LIMIT 1),
               (SELECT to_char(max(last_run_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM treatment_checkpoints),
               (SELECT max(watermark_ms) FROM treatment_checkpoints WHERE watermark_ms > 0),
               (SELECT to_char(to_timestamp(max(watermark_ms) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                FROM treatment_checkpoints WHERE watermark_ms > 0),
               (SELECT to_char(generated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM stream_members ORDER BY seq DESC LIMIT 1),
               (\(TreatmentLease.holderQuery))
        """
}
