import BackupCore
import BackupStorage
import Foundation
import LoyaltyRuntime
import Testing

/// Writes `batches` of items to the fixture's live database, taking a snapshot through the
/// Snapshot RPC after each batch except the last, and ships the whole journal in small
/// segments. Returns the journal head, every change shipped.
@discardableResult
func recordBackupHistory(_ fixture: ShippingFixture, batches: [ClosedRange<Int>]) async throws -> Int64 {
  let taker = SnapshotTaker(archive: fixture.archive, catalog: fixture.catalog, logger: testLogger)
  var head: Int64 = 0
  for (index, batch) in batches.enumerated() {
    head = try await fixture.write(batch)
    if index < batches.count - 1 { _ = try await taker.take(from: fixture.source, kind: .automated) }
  }
  try await shipBackupHistory(fixture, through: head)
  return head
}

/// Runs a log shipper (segments of at most 4 records) until `head` is stored.
func shipBackupHistory(_ fixture: ShippingFixture, through head: Int64) async throws {
  let shipper = fixture.shipper(.init(flushInterval: .milliseconds(50), maxSegmentRecords: 4))
  let running = Task { try await shipper.run() }
  let shipped = try await eventually { try await fixture.catalog.lastShippedSeq(service: "items") == head }
  running.cancel()
  try await running.value
  try #require(shipped, "the shipper did not store sequence \(head) in time")
}

/// Flips one byte in the middle of an object stored on a directory target.
func flipByteOfStoredObject(_ key: String, on target: DirectoryTarget) throws {
  let file = target.root.appendingPathComponent(key)
  var data = try Data(contentsOf: file)
  data[data.startIndex + data.count / 2] ^= 0xff
  try data.write(to: file)
}

func nowMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }
