import BackupCore
import Foundation
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// The RPC handlers of `loyalty.backup.v1.BackupService`: only admins and internal
/// principals may call them; each checks its request, then runs the operation on
/// `SuiteBackups` and maps failures to gRPC codes.
public struct BackupAPIService: Loyalty_Backup_V1_BackupService.SimpleServiceProtocol {
  private let backups: SuiteBackups
  private let logger: Logger

  public init(backups: SuiteBackups, logger: Logger) {
    self.backups = backups
    self.logger = logger
  }

  private func run<Result: Sendable>(_ action: String, _ body: () async throws -> Result) async throws -> Result {
    try Authorization.requireInternal(for: action)
    do {
      return try await body()
    } catch let error as BackupRequestError {
      throw RPCError(code: .invalidArgument, message: error.description)
    } catch {
      throw RPCError(backupFailure: error)
    }
  }

  private func serviceNames(_ name: String) -> [String] { name.isEmpty ? [] : [name] }

  public func getStatus(request: Loyalty_Backup_V1_GetStatusRequest, context: ServerContext) async throws -> Loyalty_Backup_V1_BackupStatus {
    try await run("GetStatus") {
      let now = SuiteBackups.nowMicros
      let statuses = try await backups.status()
      let config = backups.config
      return .with {
        $0.services = statuses.map { .init($0, nowMicros: now) }
        $0.primaryTarget = config.primary.description
        $0.drTarget = config.dr?.description ?? ""
        $0.coldTarget = config.cold?.description ?? ""
        $0.retentionDays = Int32(config.retention.windowDays)
        $0.snapshotIntervalSeconds = config.snapshotInterval.components.seconds
        $0.drillIntervalSeconds = config.drillInterval?.components.seconds ?? 0
      }
    }
  }

  public func takeSnapshot(
    request: Loyalty_Backup_V1_TakeSnapshotRequest, context: ServerContext
  ) async throws -> Loyalty_Backup_V1_TakeSnapshotResponse {
    try await run("TakeSnapshot") {
      let kind: SnapshotKind
      switch request.kind {
      case .unspecified, .manual: kind = .manual
      case .automated: kind = .automated
      case .UNRECOGNIZED(let value): throw BackupRequestError(field: "kind", reason: "unknown value \(value)")
      }
      var taken: [SnapshotEntry] = []
      for service in try backups.services(named: serviceNames(request.service)) {
        taken.append(try await backups.takeSnapshot(of: service, kind: kind))
      }
      logger.withCurrentRequest.notice("snapshots taken", metadata: ["snapshots": "\(taken.map(\.id))", "kind": "\(kind.rawValue)"])
      return .with { $0.snapshots = taken.map { .init($0) } }
    }
  }

  public func listRecoveryPoints(
    request: Loyalty_Backup_V1_ListRecoveryPointsRequest, context: ServerContext
  ) async throws -> Loyalty_Backup_V1_ListRecoveryPointsResponse {
    try await run("ListRecoveryPoints") {
      var services: [Loyalty_Backup_V1_ServiceRecoveryPoints] = []
      for service in try backups.services(named: serviceNames(request.service)) {
        let snapshots = try await backups.catalog.snapshots(service: service.name)
        let segments = try await backups.catalog.segments(service: service.name)
        let window = try await backups.catalog.window(service: service.name)
        services.append(.with {
          $0.service = service.name
          if let window {
            $0.windowEarliest = .init(micros: window.earliestMicros)
            $0.windowLatest = .init(micros: window.latestMicros)
          }
          $0.snapshots = snapshots.sorted { ($0.takenAtMicros, $0.id) > ($1.takenAtMicros, $1.id) }.map { .init($0) }
          $0.segmentCount = Int64(segments.count)
          $0.firstSegmentSeq = segments.map(\.firstSeq).min() ?? 0
          $0.lastSegmentSeq = segments.map(\.lastSeq).max() ?? 0
          $0.segmentBytes = segments.reduce(0) { $0 + $1.sealedSizeBytes }
        })
      }
      return .with { $0.services = services }
    }
  }

  public func deleteSnapshot(
    request: Loyalty_Backup_V1_DeleteSnapshotRequest, context: ServerContext
  ) async throws -> Loyalty_Backup_V1_DeleteSnapshotResponse {
    try await run("DeleteSnapshot") {
      guard !request.id.isEmpty else { throw BackupRequestError(field: "id", reason: "required") }
      let deleted = try await backups.deleteSnapshot(id: request.id)
      return .with { $0.deleted = .init(deleted) }
    }
  }

  public func restore(request: Loyalty_Backup_V1_RestoreRequest, context: ServerContext) async throws -> Loyalty_Backup_V1_RestoreResponse {
    try await run("Restore") {
      guard !request.service.isEmpty else { throw BackupRequestError(field: "service", reason: "required") }
      let target = try RecoveryTarget(timestamp: request.hasToTime ? request.toTime : nil, field: "to_time")
      let source = try BackupSourceChoice(request.source)
      let outcome: RestoreOutcome
      switch request.mode {
      case .unspecified, .newDatabase:
        let destination = request.destination.isEmpty ? nil : URL(fileURLWithPath: request.destination)
        if let destination, !destination.path.hasPrefix("/") {
          throw BackupRequestError(field: "destination", reason: "must be an absolute path")
        }
        outcome = try await backups.restoreToNewDatabase(
          service: request.service, target: target, destination: destination, source: source)
      case .inPlace:
        guard request.force else { throw BackupServiceError.forceRequired(service: request.service) }
        guard request.destination.isEmpty else {
          throw BackupRequestError(field: "destination", reason: "only for RESTORE_MODE_NEW_DATABASE")
        }
        let (restored, healthy) = try await backups.restoreInPlace(service: request.service, target: target, source: source)
        guard healthy else {
          throw RPCError(
            code: .unavailable,
            message: "\(request.service) was restored to sequence \(restored.restored.restoredSeq) but has not reported SERVING since")
        }
        outcome = restored
      case .UNRECOGNIZED(let value):
        throw BackupRequestError(field: "mode", reason: "unknown value \(value)")
      }
      logger.withCurrentRequest.notice(
        "restore done",
        metadata: [
          "service": "\(request.service)", "seq": "\(outcome.restored.restoredSeq)", "in_place": "\(outcome.inPlace)",
          "target": "\(target)",
        ])
      return .with {
        $0.service = request.service
        $0.databasePath = outcome.databasePath?.path ?? ""
        $0.restoredSeq = outcome.restored.restoredSeq
        if let micros = outcome.restored.lastCommitTimeMicros { $0.lastCommitTime = .init(micros: micros) }
        $0.appliedChanges = Int64(outcome.restored.appliedChanges)
        $0.snapshotID = outcome.restored.plan.snapshot.id
        $0.targetTime = .init(micros: outcome.restored.plan.targetMicros)
        $0.rtoSeconds = outcome.elapsed.inSeconds
        $0.notes = outcome.notes
        $0.mode = outcome.inPlace ? .inPlace : .newDatabase
      }
    }
  }

  public func runDrill(request: Loyalty_Backup_V1_RunDrillRequest, context: ServerContext) async throws -> Loyalty_Backup_V1_RunDrillResponse {
    try await run("RunDrill") {
      let target = try RecoveryTarget(timestamp: request.hasToTime ? request.toTime : nil, field: "to_time")
      let source = try BackupSourceChoice(request.source)
      var drills: [DrillResult] = []
      for service in try backups.services(named: serviceNames(request.service)) {
        drills.append(try await backups.runDrill(service: service.name, target: target, source: source))
      }
      return .with { $0.drills = drills.map { .init($0) } }
    }
  }

  public func listDrills(request: Loyalty_Backup_V1_ListDrillsRequest, context: ServerContext) async throws -> Loyalty_Backup_V1_ListDrillsResponse {
    try await run("ListDrills") {
      guard request.limit >= 0 else { throw BackupRequestError(field: "limit", reason: "must not be negative") }
      if !request.service.isEmpty { _ = try backups.service(named: request.service) }
      let drills = try await backups.drillLog.list(service: request.service.isEmpty ? nil : request.service)
      return .with { $0.drills = drills.prefix(request.limit == 0 ? 50 : Int(request.limit)).map { .init($0) } }
    }
  }

  public func verify(request: Loyalty_Backup_V1_VerifyRequest, context: ServerContext) async throws -> Loyalty_Backup_V1_VerifyResponse {
    try await run("Verify") {
      let report = try await backups.verify(services: serviceNames(request.service), source: try BackupSourceChoice(request.source))
      return .with {
        $0.ok = report.isSound
        $0.objectsChecked = Int64(report.objectsChecked)
        $0.bytesChecked = report.bytesChecked
        $0.problems = report.problems
        $0.restorable = report.restorable
      }
    }
  }

  public func listLifecycleRules(
    request: Loyalty_Backup_V1_ListLifecycleRulesRequest, context: ServerContext
  ) async throws -> Loyalty_Backup_V1_ListLifecycleRulesResponse {
    try await run("ListLifecycleRules") {
      .with {
        $0.rules = backups.config.lifecycleRules.map { rule in
          .with {
            $0.objectClass = rule.objectClass.rawValue
            $0.coldAfterDays = Int32(rule.coldAfterDays)
            $0.deleteAfterDays = Int32(rule.deleteAfterDays)
          }
        }
        $0.coldTarget = backups.config.cold?.description ?? ""
      }
    }
  }

  public func recover(request: Loyalty_Backup_V1_RecoverRequest, context: ServerContext) async throws -> Loyalty_Backup_V1_RecoverResponse {
    try await run("Recover") {
      let target = try RecoveryTarget(timestamp: request.hasToTime ? request.toTime : nil, field: "to_time")
      let source: BackupSourceChoice = request.source == .primary ? .primary : .dr
      if case .UNRECOGNIZED(let value) = request.source {
        throw BackupRequestError(field: "source", reason: "unknown value \(value)")
      }
      let report = try await backups.recover(services: request.services, source: source, target: target, drill: request.drill)
      return .with {
        $0.drill = report.drill
        $0.ok = report.ok
        $0.totalRtoSeconds = report.elapsed.inSeconds
        $0.services = report.services.map { result in
          .with {
            $0.service = result.service
            $0.priority = Int32(result.priority)
            $0.ok = result.ok
            $0.error = result.error ?? ""
            if let restored = result.restored {
              $0.restoredSeq = restored.restoredSeq
              if let micros = restored.lastCommitTimeMicros { $0.lastCommitTime = .init(micros: micros) }
            }
            $0.rtoSeconds = result.elapsed.inSeconds
            $0.databasePath = result.scratchPath ?? ""
            $0.healthy = result.healthy
            $0.notes = result.notes
          }
        }
      }
    }
  }
}
