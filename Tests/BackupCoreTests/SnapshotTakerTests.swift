import BackupCore
import BackupStorage
import Crypto
import Foundation
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Testing

@Suite struct SnapshotTakerTests {
  @Test func aSnapshotPlusShippedSegmentsRestoresTheLiveDatabase() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      try await fixture.write(1...15)
      let shipper = fixture.shipper()
      let running = Task { try await shipper.run() }
      let writer = Task { try await fixture.write(16...60, label: "during") }
      let taker = SnapshotTaker(archive: fixture.archive, catalog: fixture.catalog, logger: testLogger)
      let snapshot = try await taker.take(from: fixture.source, kind: .manual)
      try await writer.value
      let head = try await fixture.write(1...5, label: "rewritten")
      #expect(try await eventually { try await fixture.catalog.lastShippedSeq(service: "items") == head })
      running.cancel()
      try await running.value

      #expect(snapshot.kind == .manual && snapshot.service == "items" && snapshot.lastSeq >= 15)
      #expect(try await fixture.catalog.snapshots(service: "items") == [snapshot])
      let scratch = try FileManager.default.contentsOfDirectory(atPath: fixture.archive.scratchDirectory.path)
      #expect(scratch.isEmpty)

      let restore = OfflineRestore(archive: fixture.archive, logger: testLogger)
      let restored = try await restore.restore(
        service: "items", to: .latest, from: fixture.catalog, into: directory.appendingPathComponent("restored.sqlite"))
      let live = try await fixture.database.read { try items(in: $0) }
      #expect(restored.restoredSeq == head)
      #expect(try items(ofFile: restored.file) == live)
      #expect(live.count == 60 && live["item-3"]?.label == "rewritten")
      await fixture.database.close()
    }
  }

  @Test func rejectsAStreamWhoseChecksumOrSizeDiffersAndLeavesNothingBehind() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      try await fixture.write(1...3)
      let copy = try await fixture.database.snapshot(into: directory.appendingPathComponent("copy.sqlite"))
      let data = try Data(contentsOf: copy.url)
      let digest = SHA256.hash(data: data).hexString
      func chunks(size: Int64, sha256: String, service: String = "items") -> [Loyalty_Replication_V1_SnapshotChunk] {
        [
          .with { $0.header = .with { $0.service = service; $0.lastSeq = 3; $0.sizeBytes = size } },
          .with { $0.data = data.prefix(1000) },
          .with { $0.data = data.dropFirst(1000) },
          .with { $0.trailer = .with { $0.sha256 = sha256 } },
        ]
      }
      let taker = SnapshotTaker(archive: fixture.archive, catalog: fixture.catalog, logger: testLogger)
      let wrongSum = String(repeating: "0", count: 64)
      await #expect(throws: SnapshotTakerError.checksumMismatch(service: "items", expected: wrongSum, received: digest)) {
        try await taker.take(from: ScriptedSource(service: "items", snapshotChunks: chunks(size: Int64(data.count), sha256: wrongSum)), kind: .automated)
      }
      await #expect(throws: SnapshotTakerError.sizeMismatch(service: "items", expected: 5, received: Int64(data.count))) {
        try await taker.take(from: ScriptedSource(service: "items", snapshotChunks: chunks(size: 5, sha256: digest)), kind: .automated)
      }
      await #expect(throws: SnapshotTakerError.wrongService(expected: "items", received: "other")) {
        try await taker.take(
          from: ScriptedSource(service: "items", snapshotChunks: chunks(size: Int64(data.count), sha256: digest, service: "other")), kind: .automated)
      }
      await #expect(throws: SnapshotTakerError.malformedStream(service: "items", detail: "the stream ended without a trailer after \(data.count) bytes")) {
        try await taker.take(from: ScriptedSource(service: "items", snapshotChunks: Array(chunks(size: Int64(data.count), sha256: digest).dropLast())), kind: .automated)
      }
      #expect(try await fixture.catalog.snapshots(service: "items").isEmpty)
      #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.archive.scratchDirectory.path).isEmpty)
      #expect(try await fixture.target.list(prefix: "").isEmpty)

      // The same stream with the right size and checksum is stored.
      let entry = try await taker.take(
        from: ScriptedSource(service: "items", snapshotChunks: chunks(size: Int64(data.count), sha256: digest)), kind: .automated)
      #expect(entry.kind == .automated && entry.lastSeq == 3 && entry.sizeBytes == Int64(data.count))
      await fixture.database.close()
    }
  }
}
