import BackupCore
import Foundation
import Logging
import ServiceLifecycle

/// The recurring work of backup-service, each job in its own loop until shutdown:
///
/// - log shipping of every service (continuous);
/// - automated snapshots every `snapshotInterval` per service, the first as soon as a
///   service has none (point-in-time restore needs a base); failed ones are retried after
///   30 seconds;
/// - copies to the DR target every `copyInterval`;
/// - retention sweeps and lifecycle rules every `sweepInterval`;
/// - restore drills of every service every `drillInterval` (when set);
/// - the metrics the alert rules watch, every second.
struct BackupSchedule: Sendable {
  let backups: SuiteBackups
  let logger: Logger
  static let retryDelay: Duration = .seconds(30)
  /// Until a service has its first snapshot nothing of it can be restored: retry sooner.
  static let firstSnapshotRetryDelay: Duration = .seconds(3)

  func run() async {
    await withDiscardingTaskGroup { group in
      for service in backups.services {
        group.addTask { await backups.supervisors[service.name]!.run() }
        group.addTask { await snapshots(of: service) }
      }
      if backups.dr != nil {
        group.addTask { await every(backups.config.copyInterval, "copy to the DR target") { _ = try await backups.copyToDR() } }
      }
      group.addTask {
        await every(backups.config.sweepInterval, "retention and lifecycle") {
          let reports = try await backups.sweepRetention()
          for report in reports where !report.deletedSnapshots.isEmpty || !report.deletedSegments.isEmpty {
            logger.notice(
              "retention sweep",
              metadata: [
                "service": "\(report.service)", "snapshots": "\(report.deletedSnapshots.count)",
                "segments": "\(report.deletedSegments.count)", "bytes": "\(report.deletedBytes)",
              ])
          }
          if let rules = backups.lifecycleRules {
            let report = try await rules.apply(now: Date())
            if !report.movedSnapshots.isEmpty || !report.deletedSnapshots.isEmpty {
              logger.notice(
                "lifecycle rules applied",
                metadata: ["moved": "\(report.movedSnapshots.count)", "deleted": "\(report.deletedSnapshots.count)"])
            }
          }
        }
      }
      if let interval = backups.config.drillInterval {
        group.addTask {
          await every(interval, "restore drills", startImmediately: false) {
            for service in backups.services {
              let result = try await backups.runDrill(service: service.name, target: .latest, source: .primary)
              logger.log(
                level: result.outcome == .successful ? .info : .error, "scheduled restore drill",
                metadata: ["service": "\(service.name)", "outcome": "\(result.outcome.rawValue)", "reason": "\(result.reason ?? "")"])
            }
          }
        }
      }
      group.addTask { await every(.seconds(1), "metrics") { await backups.publishMetrics() } }
    }
  }

  /// Takes an automated snapshot whenever the newest one is `snapshotInterval` old.
  private func snapshots(of service: ProtectedService) async {
    let interval = backups.config.snapshotInterval
    while !Task.isCancelled, !Task.isShuttingDownGracefully {
      var wait = Self.retryDelay
      do {
        let all = try await backups.catalog.snapshots(service: service.name)
        if all.isEmpty { wait = Self.firstSnapshotRetryDelay }
        let newestAutomated = all.filter { $0.kind == .automated }.map(\.takenAtMicros).max()
        let ageMicros = newestAutomated.map { SuiteBackups.nowMicros - $0 }
        let intervalMicros = interval.components.seconds * 1_000_000
        if all.isEmpty || ageMicros == nil || ageMicros! >= intervalMicros {
          _ = try await backups.takeSnapshot(of: service, kind: .automated)
          wait = interval
        } else {
          wait = .microseconds(intervalMicros - ageMicros!)
        }
      } catch {
        logger.warning(
          "automated snapshot failed; retrying",
          metadata: ["service": "\(service.name)", "error": "\(error)"])
      }
      let delay = wait
      try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
    }
  }

  private func every(
    _ interval: Duration, _ job: String, startImmediately: Bool = true, _ body: @Sendable () async throws -> Void
  ) async {
    var first = startImmediately
    while !Task.isCancelled, !Task.isShuttingDownGracefully {
      if !first {
        do {
          try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        } catch {
          return
        }
      }
      first = false
      do {
        try await body()
      } catch {
        logger.warning("\(job) failed", metadata: ["error": "\(error)"])
      }
    }
  }
}
