import BackupCore
import Foundation
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import Prometheus
import ServiceLifecycle

/// backup-service as one lifecycle `Service`: the shared runtime serving
/// `loyalty.backup.v1.BackupService`, the connections to the services it protects, and the
/// schedule (log shipping, snapshots, DR copies, retention, lifecycle, drills).
public final class BackupServer: Service, Sendable {
  public let application: ServiceApplication
  public let backups: SuiteBackups
  private let logger: Logger

  init(application: ServiceApplication, backups: SuiteBackups, logger: Logger) {
    self.application = application
    self.backups = backups
    self.logger = logger
  }

  public func listeningPorts() async throws -> ServiceApplication.Ports {
    try await application.listeningPorts()
  }

  public func run() async throws {
    defer { for service in backups.services { service.shutDown() } }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for service in backups.services {
        group.addTask { try await service.run() }
      }
      group.addTask { await BackupSchedule(backups: self.backups, logger: self.logger).run() }
      try await application.run()
      // The schedule's loops end on cancellation; log shippers store what they hold first.
      group.cancelAll()
      for service in backups.services { service.shutDown() }
      try await group.waitForAll()
    }
    await backups.shutDownTargets()
  }
}

/// Builds backup-service: its storage targets, catalog and drill log, the clients of the
/// services it protects, the API, and the shared runtime. `main` and the tests call this.
public func makeBackupServer(
  config: BackupConfig,
  logger: Logger,
  metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) async throws -> BackupServer {
  let backups = try SuiteBackups(config: config, metricsFactory: PrometheusMetricsFactory(registry: metricsRegistry), logger: logger)
  if try await backups.catalog.services().isEmpty {
    // A new catalog beside a target that already holds backups (the catalog was lost, or
    // this is a replacement host): rebuild it from the target's manifests.
    let report = try await backups.catalog.rebuild(from: backups.primary, sealer: backups.sealer)
    if report.snapshotsAdded + report.segmentsAdded > 0 || !report.problems.isEmpty {
      logger.notice(
        "catalog rebuilt from the primary target",
        metadata: [
          "snapshots": "\(report.snapshotsAdded)", "segments": "\(report.segmentsAdded)", "problems": "\(report.problems)",
        ])
    }
  }
  logger.notice(
    "backing up",
    metadata: [
      "services": "\(config.protected.map { "\($0.name)@\($0.address)" })", "primary": "\(config.primary)",
      "dr": "\(config.dr?.description ?? "none")", "cold": "\(config.cold?.description ?? "none")",
      "retention_days": "\(config.retention.windowDays)",
    ])
  let application = try ServiceApplication(
    config: config.service,
    services: [BackupAPIService(backups: backups, logger: logger)],
    hostedServiceNames: [Loyalty_Backup_V1_BackupService.descriptor.fullyQualifiedService],
    database: nil,
    metricsRegistry: metricsRegistry,
    logger: logger
  )
  return BackupServer(application: application, backups: backups, logger: logger)
}
