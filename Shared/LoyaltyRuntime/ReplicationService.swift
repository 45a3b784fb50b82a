import Crypto
import Foundation
import GRPCCore
import LoyaltyAPI
import Logging
import SwiftProtobuf

/// `loyalty.replication.v1.Replication` for any service whose state is a `ServiceDatabase`:
/// consistent snapshots, the change journal with live follow, and atomic restore.
public struct ReplicationService: Loyalty_Replication_V1_Replication.ServiceProtocol {
  public static let chunkBytes = 256 * 1024
  /// Journal records one Restore may roll forward; they are held in memory until applied.
  public static let maximumRestoreChanges = 1_000_000
  private static let journalBatch = 500

  private let serviceName: String
  private let database: ServiceDatabase
  private let scratchDirectory: URL
  private let logger: Logger

  public init(serviceName: String, database: ServiceDatabase, scratchDirectory: URL, logger: Logger) {
    self.serviceName = serviceName
    self.database = database
    self.scratchDirectory = scratchDirectory
    self.logger = logger
    // Snapshot and restore files left by a process that died mid-transfer are never reused.
    try? FileManager.default.removeItem(at: scratchDirectory)
  }

  private func scratchFile(_ prefix: String) throws -> URL {
    try FileManager.default.createDirectory(at: scratchDirectory, withIntermediateDirectories: true)
    return scratchDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString).sqlite")
  }

  public func snapshot(
    request: ServerRequest<Loyalty_Replication_V1_SnapshotRequest>,
    context: ServerContext
  ) async throws -> StreamingServerResponse<Loyalty_Replication_V1_SnapshotChunk> {
    try Authorization.requireInternal(for: "Snapshot")
    let file = try scratchFile("snapshot")
    // Stamped before the copy: a copy with an empty journal is then known to be the state at
    // this time, never later than a change committed while the copy was being made.
    let takenAt = Date()
    let snapshot: ServiceDatabase.SnapshotFile
    do {
      snapshot = try await database.snapshot(into: file)
    } catch {
      try? FileManager.default.removeItem(at: file)
      throw RPCError(storageError: error)
    }
    let serviceName = self.serviceName
    return StreamingServerResponse { writer in
      defer { try? FileManager.default.removeItem(at: file) }
      try await writer.write(.with {
        $0.header = .with { header in
          header.service = serviceName
          header.schemaVersion = Int32(snapshot.schemaVersion)
          header.lastSeq = snapshot.lastSequence
          if let micros = snapshot.lastCommitTimeMicros { header.lastCommitTime = .init(micros: micros) }
          header.sizeBytes = snapshot.sizeBytes
          header.takenAt = .init(date: takenAt)
        }
      })
      let handle = try FileHandle(forReadingFrom: file)
      defer { try? handle.close() }
      var hasher = SHA256()
      while let chunk = try handle.read(upToCount: Self.chunkBytes), !chunk.isEmpty {
        hasher.update(data: chunk)
        try await writer.write(.with { $0.data = chunk })
      }
      let digest = hasher.finalize().hexString
      try await writer.write(.with { $0.trailer = .with { $0.sha256 = digest } })
      return [:]
    }
  }

  public func streamChanges(
    request: ServerRequest<Loyalty_Replication_V1_StreamChangesRequest>,
    context: ServerContext
  ) async throws -> StreamingServerResponse<Loyalty_Replication_V1_ChangeRecord> {
    try Authorization.requireInternal(for: "StreamChanges")
    let start = request.message.afterSeq
    guard start >= 0 else {
      throw RPCError(code: .invalidArgument, message: "after_seq: must not be negative")
    }
    let follow = request.message.follow
    let database = self.database
    let epoch = database.notifier.epoch
    let head = database.notifier.latest
    guard start <= head else {
      throw RPCError(code: .outOfRange, message: "after_seq: \(start) is beyond the journal head \(head)")
    }
    return StreamingServerResponse { writer in
      try await untilRPCCancelled { try await Self.stream(database: database, epoch: epoch, after: start, follow: follow, to: writer) }
    }
  }

  private static func stream(
    database: ServiceDatabase, epoch: Int, after start: Int64, follow: Bool,
    to writer: RPCWriter<Loyalty_Replication_V1_ChangeRecord>
  ) async throws -> Metadata {
      var cursor = start
      while true {
        let records: [JournalRecord]
        do {
          records = try await database.journal(after: cursor, limit: Self.journalBatch)
        } catch {
          throw RPCError(storageError: error)
        }
        // A restore between two reads would mix two histories; the epoch changes before the
        // restored file serves any read, so checking after the read is enough.
        guard database.notifier.epoch == epoch else {
          throw RPCError(code: .aborted, message: "the database was restored; subscribe again from the restored sequence")
        }
        for record in records {
          try await writer.write(Loyalty_Replication_V1_ChangeRecord(record))
          cursor = record.sequence
        }
        if records.count == Self.journalBatch { continue }
        guard follow else { return [:] }
        switch await database.notifier.wait(after: cursor, epoch: epoch) {
        case .advanced:
          continue
        case .restored:
          throw RPCError(code: .aborted, message: "the database was restored; subscribe again from the restored sequence")
        case .closed:
          throw RPCError(code: .unavailable, message: "the service is shutting down")
        }
      }
  }

  public func restore(
    request: StreamingServerRequest<Loyalty_Replication_V1_RestoreRequest>,
    context: ServerContext
  ) async throws -> ServerResponse<Loyalty_Replication_V1_RestoreResponse> {
    try Authorization.requireInternal(for: "Restore")
    let file = try scratchFile("restore")
    defer { try? FileManager.default.removeItem(at: file) }

    var header: Loyalty_Replication_V1_RestoreHeader?
    var changes: [JournalRecord] = []
    var hasher = SHA256()
    _ = FileManager.default.createFile(atPath: file.path, contents: nil)
    let handle = try FileHandle(forWritingTo: file)
    do {
      for try await message in request.messages {
        switch message.part {
        case .header(let received):
          guard header == nil else {
            throw RPCError(code: .invalidArgument, message: "header: sent more than once")
          }
          header = received
        case .snapshotData(let data):
          guard header != nil else {
            throw RPCError(code: .invalidArgument, message: "header: must be the first message")
          }
          guard changes.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "snapshot_data: must come before any change")
          }
          hasher.update(data: data)
          try handle.write(contentsOf: data)
        case .change(let change):
          guard header != nil else {
            throw RPCError(code: .invalidArgument, message: "header: must be the first message")
          }
          guard changes.count < Self.maximumRestoreChanges else {
            throw RPCError(
              code: .resourceExhausted,
              message: "change: at most \(Self.maximumRestoreChanges) changes per restore; restore a newer snapshot")
          }
          changes.append(try JournalRecord(change))
        case nil:
          throw RPCError(code: .invalidArgument, message: "part: every message must set one part")
        }
      }
      try handle.close()
    } catch {
      try? handle.close()
      throw error
    }
    guard let header else {
      throw RPCError(code: .invalidArgument, message: "header: missing")
    }
    let digest = hasher.finalize().hexString
    guard digest == header.snapshotSha256.lowercased() else {
      throw RPCError(
        code: .dataLoss,
        message: "snapshot_sha256: the received snapshot hashes to \(digest), not \(header.snapshotSha256)")
    }
    let target = header.hasTargetTime ? header.targetTime.micros : nil
    logger.notice(
      "restoring database",
      metadata: ["changes": "\(changes.count)", "target_time": "\(header.hasTargetTime ? "\(header.targetTime.date)" : "latest")"])
    do {
      let outcome = try await database.restore(from: file, changes: changes, upToMicros: target)
      logger.notice("restore complete", metadata: ["seq": "\(outcome.restoredSequence)", "applied": "\(outcome.appliedChanges)"])
      return ServerResponse(message: .with {
        $0.restoredSeq = outcome.restoredSequence
        $0.appliedChanges = Int64(outcome.appliedChanges)
        if let micros = outcome.lastCommitTimeMicros { $0.lastCommitTime = .init(micros: micros) }
      })
    } catch {
      throw RPCError(storageError: error)
    }
  }
}

extension Loyalty_Replication_V1_ChangeRecord {
  public init(_ record: JournalRecord) {
    self.init()
    seq = record.sequence
    commitTime = .init(micros: record.commitTimeMicros)
    entity = record.entity
    key = record.key
    operation = record.operation == .upsert ? .upsert : .delete
    value = record.value
  }
}

extension JournalRecord {
  public init(_ change: Loyalty_Replication_V1_ChangeRecord) throws(RPCError) {
    let operation: Operation
    switch change.operation {
    case .upsert: operation = .upsert
    case .delete: operation = .delete
    default:
      throw RPCError(code: .invalidArgument, message: "change.operation: must be UPSERT or DELETE (seq \(change.seq))")
    }
    guard change.seq > 0 else {
      throw RPCError(code: .invalidArgument, message: "change.seq: must be positive")
    }
    self.init(
      sequence: change.seq, commitTimeMicros: change.commitTime.micros, entity: change.entity,
      key: change.key, operation: operation, value: change.value)
  }
}

extension Google_Protobuf_Timestamp {
  public init(micros: Int64) {
    self.init(seconds: micros / 1_000_000, nanos: Int32(micros % 1_000_000) * 1000)
  }

  /// Microseconds since 1970, saturating instead of trapping on absurd client-sent values.
  public var micros: Int64 {
    let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
    if overflow { return seconds < 0 ? .min : .max }
    let (total, overflowAgain) = scaled.addingReportingOverflow(Int64(nanos / 1000))
    return overflowAgain ? (scaled < 0 ? .min : .max) : total
  }
}

extension Sequence where Element == UInt8 {
  public var hexString: String {
    map { String(format: "%02x", $0) }.joined()
  }
}
