import Foundation
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import Synchronization

/// Continuous log shipping for one service: follows the service's StreamChanges from the
/// catalog's last stored sequence and stores the records as journal segments, at the latest
/// `flushInterval` after a record arrives and whenever the buffer reaches its record or byte
/// limit. Sequence continuity is verified: duplicates (after a reconnect) are dropped, a hole
/// stops the shipper with `LogShipperError.gap`. Every stream starts one record early and
/// checks that record's commit time against the stored one, so that a service whose database
/// was recreated or replaced (another history under the same sequence numbers) stops the
/// shipper with `LogShipperError.historyMismatch` instead of mixing two histories. A dropped stream or failed upload is retried
/// with bounded exponential backoff; every new stream starts from the catalog, so a restart
/// (of the shipper or the process) leaves neither gap nor duplicate.
///
/// One shipper per service and catalog: two shippers storing the same service's segments
/// would interleave their ranges.
public final class LogShipper: Sendable {
  public struct Configuration: Sendable {
    /// The longest a received record waits before it is stored.
    public var flushInterval: Duration
    /// A segment is stored as soon as it holds this many records…
    public var maxSegmentRecords: Int
    /// …or roughly this many bytes of record content.
    public var maxSegmentBytes: Int
    /// The first wait before reconnecting or retrying an upload, doubled up to `maxBackoff`.
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(
      flushInterval: Duration = .seconds(1), maxSegmentRecords: Int = 10_000, maxSegmentBytes: Int = 8 << 20,
      initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(5)
    ) {
      self.flushInterval = flushInterval
      self.maxSegmentRecords = max(1, maxSegmentRecords)
      self.maxSegmentBytes = max(1, maxSegmentBytes)
      self.initialBackoff = initialBackoff
      self.maxBackoff = max(initialBackoff, maxBackoff)
    }
  }

  public let source: any ReplicationSource
  public let archive: BackupArchive
  public let catalog: BackupCatalog
  public let configuration: Configuration
  private let logger: Logger
  private let state: Mutex<LogShipperStatus>
  private let running = Atomic<Bool>(false)

  public init(
    source: any ReplicationSource, archive: BackupArchive, catalog: BackupCatalog,
    configuration: Configuration = Configuration(), logger: Logger
  ) {
    self.source = source
    self.archive = archive
    self.catalog = catalog
    self.configuration = configuration
    var logger = logger
    logger[metadataKey: "service"] = "\(source.service)"
    self.logger = logger
    state = Mutex(LogShipperStatus(service: source.service))
  }

  public var service: String { source.service }

  /// A consistent copy of the shipper's state.
  public var status: LogShipperStatus { state.withLock { $0 } }

  /// Ships until the task is cancelled, then stores what it holds and returns.
  ///
  /// - Throws: `LogShipperError.gap` or `.invalidRecords` when the journal cannot be shipped
  ///   as received (after storing the records before the problem); the storage error when
  ///   the records held at cancellation cannot be stored; `.alreadyRunning` when called
  ///   while another `run()` of this shipper is active.
  public func run() async throws {
    guard running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
      throw LogShipperError.alreadyRunning(service: service)
    }
    defer {
      update { $0.isStreaming = false }
      running.store(false, ordering: .releasing)
    }
    update { $0.stoppedBecause = nil }
    if let stored = try? await catalog.lastShippedSeq(service: service) {
      update { $0.lastStoredSeq = stored }
    }
    var pending = PendingRecords(lastSeq: 0)
    var backoff = configuration.initialBackoff
    while !Task.isCancelled {
      let receivedBefore = pending.received
      do {
        try await follow(&pending)
      } catch let error as LogShipperError {
        try? await flush(&pending)
        update {
          $0.lastError = error.description
          $0.stoppedBecause = error.description
        }
        logger.error("log shipping stopped", metadata: ["error": "\(error)"])
        throw error
      } catch {
        if Task.isCancelled { break }
        update { $0.lastError = "\(error)" }
        logger.warning("log shipping interrupted; retrying", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
      }
      update { $0.isStreaming = false }
      if pending.received > receivedBefore { backoff = configuration.initialBackoff }
      do {
        try await Task.sleep(for: backoff)
      } catch {
        break
      }
      backoff = min(backoff * 2, configuration.maxBackoff)
    }
    do {
      try await flush(&pending)
    } catch {
      update { $0.lastError = "\(error)" }
      logger.error("could not store the last records before stopping", metadata: ["error": "\(error)", "records": "\(pending.records.count)"])
      throw error
    }
  }

  private enum Event: Sendable {
    case connected
    case record(Loyalty_Replication_V1_ChangeRecord)
    case tick
    case ended
    case failed(any Error)
  }

  /// Records handed from the stream reader to the shipping loop but not yet taken; the reader
  /// waits while there are too many, so a slow target slows the stream instead of filling memory.
  private final class QueueDepth: Sendable {
    let value = Mutex(0)
  }

  /// One stream: stores what an earlier stream left, then follows the journal from the
  /// catalog's last stored sequence until the stream fails, ends or the task is cancelled.
  private func follow(_ pending: inout PendingRecords) async throws {
    try await flush(&pending)
    let lastStored = try await catalog.lastShippedSeq(service: service) ?? 0
    pending.lastSeq = lastStored
    pending.anchor = nil
    if lastStored > 0, let commitTime = try await catalog.commitTimeMicros(service: service, endingSegmentAt: lastStored) {
      pending.anchor = Anchor(seq: lastStored, commitTimeMicros: commitTime)
    }
    let after = pending.anchor.map { $0.seq - 1 } ?? lastStored
    let source = self.source
    let highWater = max(1_000, configuration.maxSegmentRecords * 2)
    let tick = max(configuration.flushInterval / 10, .milliseconds(10))
    let depth = QueueDepth()
    let (events, continuation) = AsyncStream<Event>.makeStream()
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        do {
          try await source.streamChanges(afterSeq: after, follow: true) { records in
            continuation.yield(.connected)
            for try await record in records {
              while depth.value.withLock({ $0 }) >= highWater { try await Task.sleep(for: .milliseconds(5)) }
              depth.value.withLock { $0 += 1 }
              continuation.yield(.record(record))
            }
          }
          continuation.yield(.ended)
        } catch {
          continuation.yield(.failed(error))
        }
        continuation.finish()
      }
      group.addTask {
        while !Task.isCancelled {
          try? await Task.sleep(for: tick)
          continuation.yield(.tick)
        }
      }
      do {
        try await ship(events, depth: depth, tick: tick, into: &pending)
        group.cancelAll()
      } catch {
        group.cancelAll()
        throw error
      }
    }
  }

  private func ship(_ events: AsyncStream<Event>, depth: QueueDepth, tick: Duration, into pending: inout PendingRecords) async throws {
    for await event in events {
      switch event {
      case .connected:
        update {
          $0.isStreaming = true
          $0.lastError = nil
        }
        logger.info("following the change journal", metadata: ["after_seq": "\(pending.lastSeq)"])
      case .record(let record):
        depth.value.withLock { $0 -= 1 }
        if let anchor = pending.anchor {
          if record.seq < anchor.seq { continue }
          pending.anchor = nil
          guard record.seq == anchor.seq, record.commitTime.micros == anchor.commitTimeMicros else {
            throw LogShipperError.historyMismatch(
              service: service, seq: anchor.seq, storedCommitTimeMicros: anchor.commitTimeMicros,
              serviceCommitTimeMicros: record.seq == anchor.seq ? record.commitTime.micros : nil)
          }
          continue
        }
        guard try accept(record, into: &pending) else { continue }
        if pending.records.count >= configuration.maxSegmentRecords || pending.bytes >= configuration.maxSegmentBytes {
          try await flush(&pending)
        }
      case .tick:
        // Flushing one tick early keeps every record's wait within the interval.
        if let first = pending.firstReceivedAt, ContinuousClock.now - first + tick >= configuration.flushInterval {
          try await flush(&pending)
        }
      case .ended:
        try await flush(&pending)
        return
      case .failed(let error):
        throw error
      }
    }
    throw CancellationError()
  }

  /// Adds `record` to the buffer; false for a duplicate of a record already held or stored.
  private func accept(_ record: Loyalty_Replication_V1_ChangeRecord, into pending: inout PendingRecords) throws -> Bool {
    if record.seq <= pending.lastSeq {
      logger.debug("dropped a duplicate record", metadata: ["seq": "\(record.seq)"])
      return false
    }
    guard record.seq == pending.lastSeq + 1 else {
      throw LogShipperError.gap(service: service, expected: pending.lastSeq + 1, found: record.seq)
    }
    pending.append(record)
    update {
      $0.pendingRecords = pending.records.count
      $0.oldestPendingCommitTimeMicros = pending.records.first?.commitTime.micros
    }
    return true
  }

  /// Stores the buffered records as one segment and records it in the catalog. The upload
  /// runs in its own task, so that cancelling the shipper never abandons a half-done one.
  private func flush(_ pending: inout PendingRecords) async throws {
    guard !pending.records.isEmpty else { return }
    let segment: JournalSegment
    do {
      segment = try JournalSegment(service: service, records: pending.records)
    } catch {
      throw LogShipperError.invalidRecords(service: service, detail: error.description)
    }
    let archive = self.archive
    let catalog = self.catalog
    let entry = try await Task {
      let entry = try await archive.storeSegment(segment)
      try await catalog.add(entry)
      return entry
    }.value
    pending.removeAll()
    update {
      $0.lastStoredSeq = entry.lastSeq
      $0.lastStoredCommitTimeMicros = entry.lastCommitTimeMicros
      $0.pendingRecords = 0
      $0.oldestPendingCommitTimeMicros = nil
      $0.lastError = nil
    }
    logger.debug("stored segment", metadata: ["range": "\(entry.range)", "records": "\(entry.recordCount)"])
  }

  private func update(_ body: (inout LogShipperStatus) -> Void) {
    state.withLock { body(&$0) }
  }
}

/// The last stored record, which a new stream must start with.
private struct Anchor {
  var seq: Int64
  var commitTimeMicros: Int64
}

/// Records received and accepted but not yet stored.
private struct PendingRecords {
  /// The highest sequence accepted (stored or buffered); the next record must follow it.
  var lastSeq: Int64
  /// Set until the stream's first record has been checked against the stored history.
  var anchor: Anchor?
  var records: [Loyalty_Replication_V1_ChangeRecord] = []
  var bytes = 0
  var firstReceivedAt: ContinuousClock.Instant?
  /// Records accepted since the shipper started.
  var received = 0

  mutating func append(_ record: Loyalty_Replication_V1_ChangeRecord) {
    if records.isEmpty { firstReceivedAt = .now }
    records.append(record)
    bytes += record.value.count + record.key.utf8.count + record.entity.utf8.count + 24
    lastSeq = record.seq
    received += 1
  }

  mutating func removeAll() {
    records.removeAll(keepingCapacity: true)
    bytes = 0
    firstReceivedAt = nil
  }
}

public enum LogShipperError: Error, Equatable, CustomStringConvertible {
  /// The journal skipped sequences: records `expected`…`found - 1` never arrived.
  case gap(service: String, expected: Int64, found: Int64)
  /// The records cannot form a segment (e.g. a commit time going backwards).
  case invalidRecords(service: String, detail: String)
  case alreadyRunning(service: String)
  /// The service's record at `seq` is not the one stored (nil: it has no record there):
  /// its database now holds another history.
  case historyMismatch(service: String, seq: Int64, storedCommitTimeMicros: Int64, serviceCommitTimeMicros: Int64?)

  public var description: String {
    switch self {
    case .gap(let service, let expected, let found):
      "\(service)'s change journal has a gap: expected sequence \(expected), received \(found); shipping stopped"
    case .invalidRecords(let service, let detail):
      "\(service)'s change records cannot be shipped: \(detail); shipping stopped"
    case .alreadyRunning(let service):
      "the log shipper of \(service) is already running"
    case .historyMismatch(let service, let seq, let stored, let found):
      "\(service)'s journal no longer holds the history that was backed up: sequence \(seq) was committed at "
        + "\(MicrosFormat.iso8601(stored)) in the backups, \(found.map { "at \(MicrosFormat.iso8601($0))" } ?? "and is missing") in the service "
        + "(its database was recreated or replaced); shipping stopped. Restore it in place from the backups, "
        + "or move the old backups aside to start a new history"
    }
  }
}
