import BackupCore
import Foundation
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

extension Loyalty_Backup_V1_Snapshot {
  init(_ entry: SnapshotEntry) {
    self.init()
    id = entry.id
    service = entry.service
    kind = entry.kind == .manual ? .manual : .automated
    takenAt = .init(micros: entry.takenAtMicros)
    lastSeq = entry.lastSeq
    if let micros = entry.lastCommitTimeMicros { lastCommitTime = .init(micros: micros) }
    schemaVersion = Int32(entry.schemaVersion)
    sizeBytes = entry.sizeBytes
    sealedSizeBytes = entry.sealedSizeBytes
    sealedSha256 = entry.sealedSHA256
    targets = entry.targets
    rowCounts = entry.content.rowCounts
    digest = entry.content.sha256
  }
}

extension Loyalty_Backup_V1_Drill {
  init(_ result: DrillResult) {
    self.init()
    id = result.id
    service = result.service
    targetTime = .init(micros: result.targetMicros)
    targetIsLatest = result.targetIsLatest
    outcome = result.outcome == .successful ? .successful : .failed
    reason = result.reason ?? ""
    rtoSeconds = result.rtoSeconds ?? 0
    rpoSeconds = result.rpoSeconds ?? 0
    restoredSeq = result.restoredSeq ?? 0
    snapshotID = result.snapshotID ?? ""
    notes = result.notes
    startedAt = .init(micros: result.startedAtMicros)
    finishedAt = .init(micros: result.finishedAtMicros)
  }
}

extension Loyalty_Backup_V1_ServiceBackupStatus {
  init(_ status: SuiteBackups.ServiceStatus, nowMicros: Int64) {
    self.init()
    service = status.service.name
    address = status.service.address.description
    shipping = status.shipping.isStreaming
    lastStoredSeq = status.shipping.lastStoredSeq ?? 0
    if let micros = status.shipping.lastStoredCommitTimeMicros { lastStoredCommitTime = .init(micros: micros) }
    pendingRecords = Int64(status.shipping.pendingRecords)
    lagSeconds = status.shipping.lagSeconds(nowMicros: nowMicros)
    lastError = status.shipping.lastError ?? ""
    stoppedReason = status.shipping.stoppedBecause ?? ""
    if let snapshot = status.lastSnapshot {
      lastSnapshot = .init(snapshot)
      lastSnapshotAgeSeconds = Double(max(0, nowMicros - snapshot.takenAtMicros)) / 1_000_000
    }
    if let window = status.window {
      windowEarliest = .init(micros: window.earliestMicros)
      windowLatest = .init(micros: window.latestMicros)
    }
    if let drill = status.lastDrill { lastDrill = .init(drill) }
    if let drill = status.lastSuccessfulDrill { lastSuccessfulDrillTime = .init(micros: drill.finishedAtMicros) }
    if let lag = status.drLag {
      drLagSeconds = lag.seconds
      drReplicatedSeq = lag.replicatedSeq ?? 0
    }
  }
}

extension BackupSourceChoice {
  init(_ source: Loyalty_Backup_V1_BackupSource) throws(BackupRequestError) {
    switch source {
    case .unspecified, .primary: self = .primary
    case .dr: self = .dr
    case .UNRECOGNIZED(let value): throw BackupRequestError(field: "source", reason: "unknown value \(value)")
    }
  }
}

extension RecoveryTarget {
  /// Unset means the newest stored change.
  init(timestamp: Google_Protobuf_Timestamp?, field: String) throws(BackupRequestError) {
    guard let timestamp else {
      self = .latest
      return
    }
    guard timestamp.seconds > 0, timestamp.seconds < 253_402_300_800, (0..<1_000_000_000).contains(timestamp.nanos) else {
      throw BackupRequestError(field: field, reason: "not a valid time")
    }
    self = .time(micros: timestamp.micros)
  }
}

/// A request field that cannot be used; INVALID_ARGUMENT naming it.
struct BackupRequestError: Error, CustomStringConvertible {
  var field: String
  var reason: String
  var description: String { "\(field): \(reason)" }
}
