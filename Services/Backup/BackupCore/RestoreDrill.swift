import Foundation
import GRDB
import Logging
import LoyaltyRuntime

/// Proves that a recovery point restores: restores it into a scratch folder with
/// `OfflineRestore`, checks the result, and records a `DrillResult` in the `DrillLog`. The
/// scratch folder is always removed.
///
/// What a drill checks:
/// - the restore succeeds from the archive (falling back past an unusable snapshot as a real
///   restore would; the notes say so) and `PRAGMA integrity_check` passes on the result;
/// - it is exact: it ends at the plan's snapshot or later, its last change committed at or
///   before the target, and the next stored change (if the plan's segments hold one) after it;
/// - its content: when it ends exactly at a catalogued snapshot (the one restored from, or a
///   later one at the same sequence), its row counts and logical digest equal that snapshot's
///   recorded ones. Otherwise no digest of that state was ever recorded, so the result is
///   compared with an independent second restore of the same point — from an older snapshot
///   when one is usable (a different snapshot and more journal), else by replaying the same
///   plan again — which must reach the same sequence with equal row counts and digest.
public struct RestoreDrill: Sendable {
  public let archive: BackupArchive
  public let catalog: BackupCatalog
  public let log: DrillLog
  /// Drills restore into a fresh folder below this one.
  public let scratchDirectory: URL
  private let logger: Logger

  public init(archive: BackupArchive, catalog: BackupCatalog, log: DrillLog, scratchDirectory: URL, logger: Logger) {
    self.archive = archive
    self.catalog = catalog
    self.log = log
    self.scratchDirectory = scratchDirectory
    self.logger = logger
  }

  /// Drills `service` at `target`, records the result and returns it. Failures of the backup
  /// (corruption, a gap, a mismatch) are a FAILED result with the reason, not an error; only
  /// failing to record the result throws.
  public func run(service: String, target: RecoveryTarget = .latest) async throws -> DrillResult {
    let id = UUID().uuidString.lowercased()
    let startedAt = Self.nowMicros()
    let targetMicros: Int64
    let isLatest: Bool
    switch target {
    case .latest:
      targetMicros = startedAt
      isLatest = true
    case .time(let micros):
      targetMicros = micros
      isLatest = false
    }
    var result = DrillResult(
      id: id, service: service, targetMicros: targetMicros, targetIsLatest: isLatest, outcome: .failed, reason: nil,
      rtoSeconds: nil, rpoSeconds: nil, restoredSeq: nil, snapshotID: nil, notes: [], startedAtMicros: startedAt,
      finishedAtMicros: startedAt)

    let folder = scratchDirectory.appendingPathComponent("drill-\(id)")
    do {
      defer { try? FileManager.default.removeItem(at: folder) }
      try await check(service: service, target: target, targetMicros: targetMicros, in: folder, into: &result)
      result.outcome = .successful
    } catch {
      result.outcome = .failed
      result.reason = "\(error)"
    }
    result.finishedAtMicros = Self.nowMicros()
    try await log.record(result)
    logger.log(
      level: result.outcome == .successful ? .info : .error, "restore drill finished",
      metadata: [
        "service": "\(service)", "drill": "\(id)", "outcome": "\(result.outcome.rawValue)",
        "reason": "\(result.reason ?? "")", "rto_seconds": "\(result.rtoSeconds.map { "\($0)" } ?? "")",
      ])
    return result
  }

  private func check(
    service: String, target: RecoveryTarget, targetMicros: Int64, in folder: URL, into result: inout DrillResult
  ) async throws {
    let restore = OfflineRestore(archive: archive, logger: logger)
    let started = ContinuousClock.now
    let restored = try await restore.restore(
      service: service, to: target, from: catalog, into: folder.appendingPathComponent("restored.sqlite"))
    result.rtoSeconds = (ContinuousClock.now - started).inSeconds
    result.restoredSeq = restored.restoredSeq
    result.snapshotID = restored.plan.snapshot.id
    result.notes = restored.notes
    if let committed = restored.lastCommitTimeMicros {
      result.rpoSeconds = Double(max(0, targetMicros - committed)) / 1_000_000
    }

    let problems = try await Self.integrityProblems(of: restored.file)
    guard problems.isEmpty else { throw RestoreDrillError.integrityCheckFailed(problems: problems) }
    try await checkExactness(of: restored)
    try await checkContent(of: restored, target: target, in: folder, notes: &result.notes)
  }

  /// The restored database ends at the last change committed at or before the plan's target.
  private func checkExactness(of restored: RestoredDatabase) async throws {
    let plan = restored.plan
    guard restored.restoredSeq >= plan.snapshot.lastSeq else {
      throw RestoreDrillError.inexact(
        "the restore ends at sequence \(restored.restoredSeq), before its snapshot's \(plan.snapshot.lastSeq)")
    }
    if let committed = restored.lastCommitTimeMicros, committed > plan.targetMicros {
      throw RestoreDrillError.inexact(
        "the last restored change (sequence \(restored.restoredSeq)) committed at \(committed) µs, after the target \(plan.targetMicros) µs")
    }
    let next = restored.restoredSeq + 1
    guard let segment = plan.segments.first(where: { $0.firstSeq <= next && next <= $0.lastSeq }) else { return }
    let records = try await archive.fetchSegment(segment).journalRecords()
    if let record = records.first(where: { $0.sequence == next }), record.commitTimeMicros <= plan.targetMicros {
      throw RestoreDrillError.inexact(
        "the restore stops at sequence \(restored.restoredSeq), but sequence \(next) committed at \(record.commitTimeMicros) µs, not after the target \(plan.targetMicros) µs")
    }
  }

  private func checkContent(
    of restored: RestoredDatabase, target: RecoveryTarget, in folder: URL, notes: inout [String]
  ) async throws {
    let snapshots = try await catalog.snapshots(service: restored.service)
    if let recorded = snapshots.last(where: { $0.lastSeq == restored.restoredSeq && $0.content == restored.digest })
      ?? snapshots.last(where: { $0.lastSeq == restored.restoredSeq })
    {
      try Self.compare(restored.digest, with: recorded.content, what: "snapshot \(recorded.id)'s recorded digest")
      notes.append("content equals snapshot \(recorded.id)'s recorded row counts and digest")
      return
    }
    // A second restore along another path where possible: an older snapshot and more journal.
    var excluded: Set<String> = [restored.plan.snapshot.id]
    excluded.formUnion(snapshots.filter { $0.lastSeq >= restored.plan.snapshot.lastSeq }.map(\.id))
    let alternative = try? await catalog.plan(service: restored.service, target: target, excludingSnapshots: excluded)
    let plan = alternative ?? restored.plan
    let second = try await OfflineRestore(archive: archive, logger: logger)
      .restore(plan, into: folder.appendingPathComponent("second.sqlite"))
    let how = alternative == nil
      ? "a second replay of the same plan"
      : "an independent restore from the older snapshot \(plan.snapshot.id)"
    guard second.restoredSeq == restored.restoredSeq else {
      throw RestoreDrillError.contentMismatch(
        "\(how) reaches sequence \(second.restoredSeq), the restore \(restored.restoredSeq)")
    }
    try Self.compare(restored.digest, with: second.digest, what: how)
    notes.append("content equals \(how)")
  }

  private static func compare(_ digest: DatabaseDigest?, with expected: DatabaseDigest?, what: String) throws {
    guard let digest, let expected else {
      throw RestoreDrillError.contentMismatch("no logical digest to compare with \(what)")
    }
    let differences = digest.differences(from: expected)
    guard differences.isEmpty, digest.sha256 == expected.sha256 else {
      throw RestoreDrillError.contentMismatch(
        "the restored content differs from \(what): \(differences.isEmpty ? "the logical digest differs" : differences.joined(separator: "; "))")
    }
  }

  private static func integrityProblems(of file: URL) async throws -> [String] {
    var configuration = Configuration()
    configuration.readonly = true
    let queue = try DatabaseQueue(path: file.path, configuration: configuration)
    defer { try? queue.close() }
    let lines = try await queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    return lines == ["ok"] ? [] : Array(lines.prefix(5))
  }

  private static func nowMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }
}

/// Why a drill's restored database is not accepted.
public enum RestoreDrillError: Error, Equatable, CustomStringConvertible {
  /// `PRAGMA integrity_check` on the restored file found problems (its first findings).
  case integrityCheckFailed(problems: [String])
  /// The restore did not end at the last change committed at or before the target.
  case inexact(String)
  /// Row counts or the logical digest differ from what they were compared with.
  case contentMismatch(String)

  public var description: String {
    switch self {
    case .integrityCheckFailed(let problems):
      "the restored database fails SQLite's integrity check: \(problems.joined(separator: "; "))"
    case .inexact(let detail): "the restore is not exact: \(detail)"
    case .contentMismatch(let detail): detail
    }
  }
}
