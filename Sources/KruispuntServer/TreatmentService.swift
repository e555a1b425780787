import Foundation
import KruispuntRDF
import KruispuntTreatment
import Logging
import ServiceLifecycle

/// Runs the treatment continuously inside `kruispunt serve`: newly ingested detections are
/// published within `interval`.
struct TreatmentService: Service {
    let runtime: Runtime
    let treatment: VehicleCountTreatment
    let interval: Duration

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                _ = try await runtime.pool.withConnection { db in try treatment.run(on: db) }
            } catch {
                runtime.logger.error("treatment run failed: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
