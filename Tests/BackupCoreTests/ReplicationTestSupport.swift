import BackupCore
import BackupStorage
import Foundation
import GRDB
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Synchronization

/// The replication API of a real `ReplicationService`, called in-process: each call runs the
/// service's handler as the backup service's internal principal (what `IdentityInterceptor`
/// establishes for a signed call) and streams its response to the caller.
struct InProcessReplicationSource: ReplicationSource {
  let service: String
  let replication: ReplicationService
  /// StreamChanges calls made so far, with their `after_seq`.
  let calls = StreamChangesLog()

  static let backupPrincipal = Principal(subject: "backup", role: .service)

  init(service: String, database: ServiceDatabase, scratchDirectory: URL) {
    self.service = service
    replication = ReplicationService(
      serviceName: service, database: database, scratchDirectory: scratchDirectory, logger: testLogger)
  }

  func streamChanges<Result: Sendable>(
    afterSeq: Int64, follow: Bool,
    _ body: @Sendable @escaping (RPCAsyncSequence<Loyalty_Replication_V1_ChangeRecord, any Error>) async throws -> Result
  ) async throws -> Result {
    _ = calls.record(afterSeq)
    let replication = self.replication
    let request = ServerRequest(metadata: [:], message: Loyalty_Replication_V1_StreamChangesRequest.with {
      $0.afterSeq = afterSeq
      $0.follow = follow
    })
    return try await Self.call(Loyalty_Replication_V1_Replication.Method.StreamChanges.descriptor, body) { context in
      try await replication.streamChanges(request: request, context: context)
    }
  }

  func snapshot<Result: Sendable>(
    _ body: @Sendable @escaping (RPCAsyncSequence<Loyalty_Replication_V1_SnapshotChunk, any Error>) async throws -> Result
  ) async throws -> Result {
    let replication = self.replication
    let request = ServerRequest(metadata: [:], message: Loyalty_Replication_V1_SnapshotRequest())
    return try await Self.call(Loyalty_Replication_V1_Replication.Method.Snapshot.descriptor, body) { context in
      try await replication.snapshot(request: request, context: context)
    }
  }

  private static func call<Message: Sendable, Result: Sendable>(
    _ descriptor: MethodDescriptor,
    _ body: @Sendable @escaping (RPCAsyncSequence<Message, any Error>) async throws -> Result,
    handler: @Sendable @escaping (ServerContext) async throws -> StreamingServerResponse<Message>
  ) async throws -> Result {
    try await withServerContextRPCCancellationHandle { handle in
      let context = ServerContext(descriptor: descriptor, remotePeer: "in-process", localPeer: "in-process", cancellation: handle)
      let response = try await Principal.$current.withValue(backupPrincipal) { try await handler(context) }
      let contents = try response.accepted.get()
      let (messages, continuation) = AsyncThrowingStream<Message, any Error>.makeStream()
      return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          do {
            _ = try await Principal.$current.withValue(backupPrincipal) {
              try await contents.producer(RPCWriter(wrapping: StreamWriter(continuation: continuation)))
            }
            continuation.finish()
          } catch {
            continuation.finish(throwing: error)
          }
        }
        defer { group.cancelAll() }
        return try await body(RPCAsyncSequence(wrapping: messages))
      }
    }
  }

  private struct StreamWriter<Element: Sendable>: RPCWriterProtocol {
    let continuation: AsyncThrowingStream<Element, any Error>.Continuation

    func write(_ element: Element) async throws {
      continuation.yield(element)
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
      for element in elements { continuation.yield(element) }
    }
  }
}

/// The `after_seq` of every StreamChanges call a source received.
final class StreamChangesLog: Sendable {
  private let afterSeqs = Mutex<[Int64]>([])
  var afterSeqsRequested: [Int64] { afterSeqs.withLock { $0 } }

  /// Records a call; returns its index.
  func record(_ afterSeq: Int64) -> Int {
    afterSeqs.withLock {
      $0.append(afterSeq)
      return $0.count - 1
    }
  }
}

/// A replication source that plays scripted streams: for each StreamChanges call in turn, some
/// records, then a failure or a stream that stays open; and fixed snapshot chunks.
struct ScriptedSource: ReplicationSource {
  enum Ending: Sendable {
    case fail(RPCError)
    case stayOpen
  }

  struct Stream: Sendable {
    var records: [Loyalty_Replication_V1_ChangeRecord]
    var ending: Ending
  }

  let service: String
  var streams: [Stream] = []
  var snapshotChunks: [Loyalty_Replication_V1_SnapshotChunk] = []
  let calls = StreamChangesLog()

  func streamChanges<Result: Sendable>(
    afterSeq: Int64, follow: Bool,
    _ body: @Sendable @escaping (RPCAsyncSequence<Loyalty_Replication_V1_ChangeRecord, any Error>) async throws -> Result
  ) async throws -> Result {
    let index = calls.record(afterSeq)
    let script = index < streams.count ? streams[index] : Stream(records: [], ending: .stayOpen)
    let (messages, continuation) = AsyncThrowingStream<Loyalty_Replication_V1_ChangeRecord, any Error>.makeStream()
    for record in script.records { continuation.yield(record) }
    if case .fail(let error) = script.ending { continuation.finish(throwing: error) }
    return try await body(RPCAsyncSequence(wrapping: messages))
  }

  func snapshot<Result: Sendable>(
    _ body: @Sendable @escaping (RPCAsyncSequence<Loyalty_Replication_V1_SnapshotChunk, any Error>) async throws -> Result
  ) async throws -> Result {
    let (messages, continuation) = AsyncThrowingStream<Loyalty_Replication_V1_SnapshotChunk, any Error>.makeStream()
    for chunk in snapshotChunks { continuation.yield(chunk) }
    continuation.finish()
    return try await body(RPCAsyncSequence(wrapping: messages))
  }
}

/// A live items database with its replication API, and a backup archive and catalog on a
/// directory target, all under one folder.
struct ShippingFixture {
  let directory: URL
  let database: ServiceDatabase
  let source: InProcessReplicationSource
  let target: DirectoryTarget
  let archive: BackupArchive
  let catalog: BackupCatalog

  init(directory: URL) throws {
    self.directory = directory
    database = try openItemsDatabase(at: directory.appendingPathComponent("live.sqlite"))
    source = InProcessReplicationSource(
      service: "items", database: database, scratchDirectory: directory.appendingPathComponent("replication-scratch"))
    target = DirectoryTarget(name: "local", root: directory.appendingPathComponent("target"))
    archive = BackupArchive(target: target, sealer: makeSealer(chunkSize: 4096), scratchDirectory: directory.appendingPathComponent("scratch"))
    catalog = try BackupCatalog(path: directory.appendingPathComponent("catalog.sqlite"))
  }

  /// Upserts one item per transaction; returns the journal head afterwards.
  @discardableResult
  func write(_ ids: some Sequence<Int>, label: String = "v") async throws -> Int64 {
    for id in ids {
      try await database.write { _, journal in try journal.upsert("items", itemRow("item-\(id)", Item(label: label, count: Int64(id)))) }
    }
    return try await journalHead()
  }

  func journalHead() async throws -> Int64 {
    try await database.read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM journal") ?? 0 }
  }

  func shipper(_ configuration: LogShipper.Configuration = .init(flushInterval: .milliseconds(200))) -> LogShipper {
    LogShipper(source: source, archive: archive, catalog: catalog, configuration: configuration, logger: testLogger)
  }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
/// The default is generous because the whole suite runs in parallel on two cores: a shipper
/// that works gets there in well under a second when the machine is idle, one that hangs
/// never does.
func eventually(within timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
  let deadline = ContinuousClock.now + timeout
  while ContinuousClock.now < deadline {
    if try await condition() { return true }
    try await Task.sleep(for: .milliseconds(20))
  }
  return try await condition()
}

/// Checks that segments cover 1…`head` exactly once, in order.
func coverage(of segments: [SegmentEntry], through head: Int64) -> String? {
  var next: Int64 = 1
  for segment in segments {
    guard segment.firstSeq == next else { return "segment \(segment.range) follows \(next - 1)" }
    next = segment.lastSeq + 1
  }
  return next == head + 1 ? nil : "segments end at \(next - 1), the journal at \(head)"
}
