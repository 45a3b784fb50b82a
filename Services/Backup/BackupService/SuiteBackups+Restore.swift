import BackupCore
import BackupStorage
import Foundation
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// Which target restores, drills and verification read.
public enum BackupSourceChoice: String, Sendable {
  case primary
  /// The DR target alone, as if the primary target and the local catalog were gone.
  case dr
}

/// A catalog and the archive its objects are read from.
struct RecoveryOrigin: Sendable {
  var catalog: BackupCatalog
  var archive: BackupArchive
  var description: String
  var notes: [String]
}

/// What a restore did.
public struct RestoreOutcome: Sendable {
  public var restored: RestoredDatabase
  /// New-database restores: the file written. In place: nil.
  public var databasePath: URL?
  public var elapsed: Duration
  public var notes: [String]
  public var inPlace: Bool
}

extension SuiteBackups {
  func recoverySource(_ choice: BackupSourceChoice) async throws -> RecoveryOrigin {
    switch choice {
    case .primary:
      return RecoveryOrigin(catalog: catalog, archive: readArchive, description: config.primary.description, notes: [])
    case .dr:
      guard let dr, let spec = config.dr else { throw BackupServiceError.noDRTarget }
      let rebuilt = try BackupCatalog()
      let report = try await rebuilt.rebuild(from: dr, sealer: sealer)
      let notes = report.problems.map { "DR target: \($0)" }
      logger.notice(
        "catalog rebuilt from the DR target",
        metadata: ["snapshots": "\(report.snapshotsAdded)", "segments": "\(report.segmentsAdded)", "problems": "\(report.problems.count)"])
      return RecoveryOrigin(
        catalog: rebuilt, archive: BackupArchive(target: dr, sealer: sealer, scratchDirectory: config.scratchDirectory),
        description: spec.description, notes: notes)
    }
  }

  /// Restores `service` as of `target` into a new database file, leaving the service alone.
  public func restoreToNewDatabase(
    service: String, target: RecoveryTarget, destination: URL?, source: BackupSourceChoice
  ) async throws -> RestoreOutcome {
    _ = try self.service(named: service)
    let started = ContinuousClock.now
    let file = destination ?? defaultRestoreFile(service: service)
    guard !FileManager.default.fileExists(atPath: file.path) else { throw BackupServiceError.destinationExists(file.path) }
    try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    let origin = try await recoverySource(source)
    let restored = try await OfflineRestore(archive: origin.archive, logger: logger)
      .restore(service: service, to: target, from: origin.catalog, into: file, computingDigest: false)
    logger.notice(
      "restored to a new database",
      metadata: ["service": "\(service)", "path": "\(file.path)", "seq": "\(restored.restoredSeq)", "target": "\(target)"])
    return RestoreOutcome(
      restored: restored, databasePath: file, elapsed: ContinuousClock.now - started, notes: origin.notes + restored.notes,
      inPlace: false)
  }

  private func defaultRestoreFile(service: String) -> URL {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
    return config.restoresDirectory.appendingPathComponent(
      "\(service)-\(formatter.string(from: Date()))-\(UUID().uuidString.prefix(8).lowercased()).sqlite")
  }

  /// Restores the running `service` as of `target`: the database is rebuilt and checked
  /// here first, then streamed to the service's Restore RPC, which swaps it in atomically.
  /// Log shipping of the service pauses meanwhile. When the restored point is older than
  /// the newest stored change, the later history is abandoned: the catalog's snapshots and
  /// segments after the restored sequence are retired (a segment spanning it is cut there),
  /// so that the service's new changes continue the backups without mixing two histories.
  public func restoreInPlace(
    service name: String, target: RecoveryTarget, source: BackupSourceChoice, healthTimeout: Duration = .seconds(60)
  ) async throws -> (outcome: RestoreOutcome, healthy: Bool) {
    let service = try self.service(named: name)
    let started = ContinuousClock.now
    let origin = try await recoverySource(source)
    let scratch = config.scratchDirectory.appendingPathComponent("in-place-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let file = scratch.appendingPathComponent("\(name).sqlite")
    let restored = try await OfflineRestore(archive: origin.archive, logger: logger)
      .restore(service: name, to: target, from: origin.catalog, into: file, computingDigest: false)
    var notes = origin.notes + restored.notes

    notes += try await supervisors[name]!.whilePaused {
      let response = try await Self.send(file, to: service)
      guard response.restoredSeq == restored.restoredSeq else {
        throw BackupServiceError.restoreMismatch(
          service: name, expected: restored.restoredSeq, reported: response.restoredSeq)
      }
      return try await abandonHistory(of: name, after: restored.restoredSeq)
    }
    let healthy = await service.waitUntilServing(timeout: healthTimeout)
    logger.notice(
      "restored in place",
      metadata: [
        "service": "\(name)", "seq": "\(restored.restoredSeq)", "target": "\(target)", "healthy": "\(healthy)",
        "elapsed": "\(ContinuousClock.now - started)",
      ])
    return (
      RestoreOutcome(restored: restored, databasePath: nil, elapsed: ContinuousClock.now - started, notes: notes, inPlace: true),
      healthy
    )
  }

  /// Streams a restored database file to the service's Restore RPC.
  private static func send(_ file: URL, to service: ProtectedService) async throws -> Loyalty_Replication_V1_RestoreResponse {
    let digest = try await FileSHA256.computed(for: file)
    return try await service.replication.restore(
      requestProducer: { writer in
        try await writer.write(.with { $0.header = .with { $0.snapshotSha256 = digest } })
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: ReplicationService.chunkBytes), !chunk.isEmpty {
          try await writer.write(.with { $0.snapshotData = chunk })
        }
      })
  }

  /// Retires what the catalog holds of `service` after sequence `seq`; returns notes saying so.
  func abandonHistory(of service: String, after seq: Int64) async throws -> [String] {
    let snapshots = try await catalog.snapshots(service: service).filter { $0.lastSeq > seq }
    let segments = try await catalog.segments(service: service).filter { $0.lastSeq > seq }
    guard !snapshots.isEmpty || !segments.isEmpty else { return [] }
    var retired: [ObjectRetirement.Entry] = snapshots.map { .snapshot($0) }
    var notes: [String] = []
    for segment in segments {
      if segment.firstSeq <= seq {
        let stored = try await readArchive.fetchSegment(segment)
        let kept = try JournalSegment(service: service, records: stored.records.filter { $0.seq <= seq })
        try await catalog.add(try await archive.storeSegment(kept))
        notes.append("segment \(segment.range) was cut at sequence \(seq)")
      }
      retired.append(.segment(segment))
    }
    _ = try await retirement.retire(retired, from: catalog, nowMicros: Self.nowMicros)
    let newest = max(snapshots.map(\.lastSeq).max() ?? seq, segments.map(\.lastSeq).max() ?? seq)
    notes.append(
      "the history after sequence \(seq) (up to \(newest)) was replaced: \(snapshots.count) snapshot(s) and \(segments.count) segment(s) of it were retired from the catalog"
    )
    logger.warning(
      "abandoned the history after the restored point", metadata: ["service": "\(service)", "seq": "\(seq)", "newest": "\(newest)"])
    return notes
  }
}
