import BackupStorage
import Foundation
import Logging
import LoyaltyRuntime

/// Builds a restored database file from backups alone, without any running service: the
/// snapshot is fetched and verified, the journal records of the plan's segments committed at
/// or before the target are replayed onto it, then `PRAGMA integrity_check` runs and the
/// logical digest is computed. Restore drills, "restore to a new database" and verification
/// are built on it.
public struct OfflineRestore: Sendable {
  private static let segmentsInFlight = 8
  private static let recordsPerTransaction = 10_000

  public let archive: BackupArchive
  private let logger: Logger

  public init(archive: BackupArchive, logger: Logger) {
    self.archive = archive
    self.logger = logger
  }

  /// Plans and restores `service` as of `target` into the new file `destination`. When a
  /// snapshot object is missing or fails verification, the restore is planned again without
  /// it, falling back to an older snapshot, and the result's notes say so.
  ///
  /// - Parameter computingDigest: whether to compute the result's logical digest (drills
  ///   compare it); the integrity check runs either way.
  public func restore(
    service: String, to target: RecoveryTarget, from catalog: BackupCatalog, into destination: URL,
    computingDigest: Bool = true
  ) async throws -> RestoredDatabase {
    var excluded: Set<String> = []
    var notes: [String] = []
    while true {
      let plan: RecoveryPlan
      do {
        plan = try await catalog.plan(service: service, target: target, excludingSnapshots: excluded)
      } catch let error as RecoveryError where !notes.isEmpty {
        throw OfflineRestoreError.noUsableRecoveryPoint(reasons: notes + ["\(error)"])
      }
      do {
        var restored = try await restore(plan, into: destination, computingDigest: computingDigest)
        restored.notes = notes + restored.notes
        return restored
      } catch OfflineRestoreError.snapshotUnusable(let id, let reason) {
        logger.warning(
          "snapshot unusable; planning without it",
          metadata: ["service": "\(service)", "snapshot": "\(id)", "error": "\(reason)"])
        excluded.insert(id)
        notes.append("snapshot \(id) cannot be used: \(reason)")
      }
    }
  }

  /// Restores as `plan` says into the new file `destination`, which must not exist. Nothing
  /// is left at `destination` when the restore fails.
  ///
  /// - Throws: `OfflineRestoreError.snapshotUnusable` when the snapshot object is missing,
  ///   corrupt or does not match its entry; `BackupIntegrityError` for a corrupt segment;
  ///   `OfflineRestoreError.integrityCheckFailed` when the result fails SQLite's check.
  public func restore(_ plan: RecoveryPlan, into destination: URL, computingDigest: Bool = true) async throws -> RestoredDatabase {
    let started = ContinuousClock.now
    let fileManager = FileManager.default
    guard !fileManager.fileExists(atPath: destination.path) else {
      throw OfflineRestoreError.destinationExists(destination.path)
    }
    try fileManager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
    let working = destination.deletingLastPathComponent()
      .appendingPathComponent(".\(destination.lastPathComponent).partial-\(UUID().uuidString)")
    defer {
      for suffix in ["", "-journal", "-wal", "-shm"] { try? fileManager.removeItem(atPath: working.path + suffix) }
    }

    let replay = try await openSnapshot(plan.snapshot, at: working)
    var head: JournalReplay.Head
    var applied = 0
    do {
      head = try await replay.head()
      guard head.sequence == plan.snapshot.lastSeq else {
        throw OfflineRestoreError.snapshotUnusable(
          id: plan.snapshot.id,
          reason: "its journal ends at sequence \(head.sequence), the catalog says \(plan.snapshot.lastSeq)")
      }
      // Segments are fetched ahead while earlier ones are replayed; records are applied in
      // large batches, one transaction each.
      var batch: [JournalRecord] = []
      let archive = self.archive
      try await forEachPrefetched(
        plan.segments, width: Self.segmentsInFlight,
        fetch: { entry in await .capturing { try await archive.fetchSegment(entry) } },
        consume: { _, fetched in
          let records = try fetched.get().journalRecords()
          var passedTarget = false
          for record in records where record.sequence > (batch.last?.sequence ?? head.sequence) {
            if record.commitTimeMicros > plan.targetMicros {
              passedTarget = true
              break
            }
            batch.append(record)
          }
          if batch.count >= Self.recordsPerTransaction || passedTarget {
            head = try await replay.apply(batch)
            applied += batch.count
            batch.removeAll(keepingCapacity: true)
          }
          return !passedTarget
        })
      if !batch.isEmpty {
        head = try await replay.apply(batch)
        applied += batch.count
      }
      let problems = try await replay.integrityProblems()
      guard problems.isEmpty else {
        throw OfflineRestoreError.integrityCheckFailed(problems: Array(problems.prefix(5)))
      }
      try replay.close()
    } catch {
      try? replay.close()
      throw error
    }

    // The snapshot's bytes were already checked against the catalog's SHA-256; the digest is
    // for comparisons of content.
    let digest = computingDigest ? try await DatabaseDigest.compute(file: working) : nil
    if applied == 0, let digest {
      // Nothing replayed: the result must be the snapshot exactly as the catalog describes it.
      let differences = digest.differences(from: plan.snapshot.content)
      guard differences.isEmpty, digest.sha256 == plan.snapshot.content.sha256 else {
        throw OfflineRestoreError.snapshotUnusable(
          id: plan.snapshot.id,
          reason: "its content differs from the catalog: \(differences.isEmpty ? "digest differs" : differences.joined(separator: "; "))")
      }
    }
    try fileManager.moveItem(at: working, to: destination)
    let elapsed = ContinuousClock.now - started
    logger.info(
      "restored database",
      metadata: [
        "service": "\(plan.service)", "snapshot": "\(plan.snapshot.id)", "seq": "\(head.sequence)",
        "applied": "\(applied)", "path": "\(destination.path)",
      ])
    return RestoredDatabase(
      file: destination, service: plan.service, plan: plan, restoredSeq: head.sequence,
      lastCommitTimeMicros: head.commitTimeMicros, appliedChanges: applied, digest: digest, elapsed: elapsed,
      notes: plan.notes)
  }

  /// Fetches and opens the snapshot for replay; any failure makes the snapshot unusable.
  private func openSnapshot(_ snapshot: SnapshotEntry, at working: URL) async throws -> JournalReplay {
    do {
      try await archive.fetchSnapshot(snapshot, to: working)
      return try JournalReplay(file: working)
    } catch let error as BackupIntegrityError {
      throw OfflineRestoreError.snapshotUnusable(id: snapshot.id, reason: error.description)
    } catch let error as BackupKeyError {
      throw OfflineRestoreError.snapshotUnusable(id: snapshot.id, reason: error.description)
    } catch StorageError.notFound(let target, let key) {
      throw OfflineRestoreError.snapshotUnusable(id: snapshot.id, reason: "\(target) has no object \(key)")
    } catch let error as StoreError {
      throw OfflineRestoreError.snapshotUnusable(id: snapshot.id, reason: error.description)
    }
  }
}

/// A database file rebuilt from backups.
public struct RestoredDatabase: Sendable {
  public var file: URL
  public var service: String
  public var plan: RecoveryPlan
  /// The journal sequence the restored database ends at.
  public var restoredSeq: Int64
  /// The commit time of that record; nil for an empty journal.
  public var lastCommitTimeMicros: Int64?
  public var appliedChanges: Int
  /// Nil when the restore was asked not to compute it.
  public var digest: DatabaseDigest?
  /// How long the restore took (the recovery time of a drill).
  public var elapsed: Duration
  /// What the restore did differently from the obvious plan, for operators.
  public var notes: [String]
}

public enum OfflineRestoreError: Error, CustomStringConvertible {
  case destinationExists(String)
  /// The snapshot object is missing, corrupt, sealed with another key, or not what its
  /// catalog entry says.
  case snapshotUnusable(id: String, reason: String)
  /// `PRAGMA integrity_check` found problems in the restored database (its first findings).
  case integrityCheckFailed(problems: [String])
  /// Every snapshot that could reach the target was unusable; the reasons, newest first.
  case noUsableRecoveryPoint(reasons: [String])

  public var description: String {
    switch self {
    case .destinationExists(let path):
      "\(path) already exists; restores write a new database file"
    case .snapshotUnusable(let id, let reason):
      "snapshot \(id) cannot be used: \(reason)"
    case .integrityCheckFailed(let problems):
      "the restored database fails SQLite's integrity check: \(problems.joined(separator: "; "))"
    case .noUsableRecoveryPoint(let reasons):
      "no usable recovery point: \(reasons.joined(separator: "; "))"
    }
  }
}
