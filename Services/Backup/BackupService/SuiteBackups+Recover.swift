import BackupCore
import Foundation
import Logging

/// What recovering one service achieved.
public struct ServiceRecoveryResult: Sendable {
  public var service: String
  public var priority: Int
  public var error: String?
  public var restored: RestoredDatabase?
  public var elapsed: Duration
  /// Drill mode: the scratch database that was checked (removed afterwards).
  public var scratchPath: String?
  /// In place: the service answered SERVING after the swap.
  public var healthy: Bool
  public var notes: [String]

  public var ok: Bool { error == nil && (scratchPath != nil || healthy) }
}

public struct SuiteRecoveryReport: Sendable {
  public var services: [ServiceRecoveryResult]
  public var elapsed: Duration
  public var drill: Bool
  public var ok: Bool { services.allSatisfy(\.ok) }
}

extension SuiteBackups {
  /// Disaster recovery: restores `services` (all when empty) from `source` in priority order,
  /// the services of one priority together, each in place and back to SERVING — or, as a
  /// drill, into scratch databases that are checked and removed, leaving the services alone.
  /// A service that fails does not stop the others; the report says what happened to each.
  public func recover(
    services names: [String], source: BackupSourceChoice, target: RecoveryTarget, drill: Bool
  ) async throws -> SuiteRecoveryReport {
    let chosen = try services(named: names)
    let started = ContinuousClock.now
    var results: [ServiceRecoveryResult] = []
    for priority in Set(chosen.map(\.priority)).sorted() {
      let group = chosen.filter { $0.priority == priority }
      let groupResults = await withTaskGroup(of: ServiceRecoveryResult.self) { tasks in
        for service in group {
          tasks.addTask { await self.recoverOne(service, source: source, target: target, drill: drill) }
        }
        var collected: [ServiceRecoveryResult] = []
        for await result in tasks { collected.append(result) }
        return collected.sorted { $0.service < $1.service }
      }
      results += groupResults
    }
    let report = SuiteRecoveryReport(services: results, elapsed: ContinuousClock.now - started, drill: drill)
    logger.notice(
      drill ? "recovery drill finished" : "recovery finished",
      metadata: ["ok": "\(report.ok)", "elapsed": "\(report.elapsed)", "source": "\(source.rawValue)"])
    return report
  }

  private func recoverOne(
    _ service: ProtectedService, source: BackupSourceChoice, target: RecoveryTarget, drill: Bool
  ) async -> ServiceRecoveryResult {
    let started = ContinuousClock.now
    var result = ServiceRecoveryResult(
      service: service.name, priority: service.priority, elapsed: .zero, healthy: false, notes: [])
    do {
      if drill {
        let scratch = config.scratchDirectory.appendingPathComponent("recovery-drill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = scratch.appendingPathComponent("\(service.name).sqlite")
        let outcome = try await restoreToNewDatabase(service: service.name, target: target, destination: file, source: source)
        result.restored = outcome.restored
        result.notes = outcome.notes
        result.scratchPath = file.path
      } else {
        let (outcome, healthy) = try await restoreInPlace(service: service.name, target: target, source: source)
        result.restored = outcome.restored
        result.notes = outcome.notes
        result.healthy = healthy
        if !healthy { result.error = "\(service.name) did not report SERVING within a minute of the restore" }
      }
    } catch {
      result.error = "\(error)"
    }
    result.elapsed = ContinuousClock.now - started
    return result
  }
}
