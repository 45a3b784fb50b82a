import BackupCore
import BackupStorage
import Foundation
import GRDB
import LoyaltyAPI
import LoyaltyRuntime
import Testing

@Suite struct BackupCatalogTests {
  private func snapshot(_ id: String, service: String = "profile", lastSeq: Int64, commit: Int64?, target: String = "primary")
    -> SnapshotEntry
  {
    SnapshotEntry(
      id: id, service: service, kind: .automated, takenAtMicros: (commit ?? 0) + 5, lastSeq: lastSeq,
      lastCommitTimeMicros: commit, schemaVersion: 2, sizeBytes: 4096, sealedSizeBytes: 4200,
      sealedSHA256: String(repeating: "a", count: 64), objectKey: BackupLayout.snapshotKey(service: service, id: id),
      content: DatabaseDigest(
        tables: [.init(name: "items", rowCount: 3, sha256: String(repeating: "b", count: 64))],
        sha256: String(repeating: "c", count: 64)),
      targets: [target])
  }

  private func segment(_ first: Int64, _ last: Int64, service: String = "profile", target: String = "primary") -> SegmentEntry {
    SegmentEntry(
      service: service, firstSeq: first, lastSeq: last, firstCommitTimeMicros: first * 10, lastCommitTimeMicros: last * 10,
      recordCount: last - first + 1, sealedSizeBytes: 300, sealedSHA256: String(repeating: "d", count: 64),
      objectKey: BackupLayout.segmentKey(service: service, firstSeq: first, lastSeq: last), targets: [target])
  }

  @Test func entriesAreStoredListedAndPersist() async throws {
    try await withTemporaryDirectory { directory in
      let path = directory.appendingPathComponent("catalog/catalog.sqlite")
      let catalog = try BackupCatalog(path: path)
      let older = snapshot("s1", lastSeq: 10, commit: 100)
      let newer = snapshot("s2", lastSeq: 20, commit: nil)
      try await catalog.add(newer)
      try await catalog.add(older)
      try await catalog.add(snapshot("g1", service: "graph", lastSeq: 1, commit: 1))
      for (first, last) in [(21, 30), (11, 20), (31, 31)] {
        try await catalog.add(segment(Int64(first), Int64(last)))
      }
      #expect(try await catalog.snapshots(service: "profile") == [older, newer])
      #expect(try await catalog.segments(service: "profile").map(\.range) == [
        SequenceRange(first: 11, last: 20), SequenceRange(first: 21, last: 30), SequenceRange(first: 31, last: 31),
      ])
      #expect(try await catalog.services() == ["graph", "profile"])
      #expect(try await catalog.lastShippedSeq(service: "profile") == 31)
      #expect(try await catalog.lastShippedSeq(service: "graph") == nil)

      let reopened = try BackupCatalog(path: path)
      #expect(try await reopened.snapshot(id: "s1") == older)
      #expect(try await reopened.segments(service: "profile").first == segment(11, 20))
    }
  }

  @Test func copiesAccumulateAndConflictsAreRefused() async throws {
    let catalog = try BackupCatalog()
    try await catalog.add(snapshot("s1", lastSeq: 10, commit: 100))
    try await catalog.add(snapshot("s1", lastSeq: 10, commit: 100, target: "dr"))
    #expect(try await catalog.snapshot(id: "s1")?.targets == ["dr", "primary"])
    try await catalog.add(segment(1, 5))
    try await catalog.addCopy(objectKey: segment(1, 5).objectKey, target: "cold")
    #expect(try await catalog.segments(service: "profile").first?.targets == ["cold", "primary"])
    try await catalog.removeCopy(objectKey: segment(1, 5).objectKey, target: "primary")
    #expect(try await catalog.segments(service: "profile").first?.targets == ["cold"])

    var different = snapshot("s1", lastSeq: 10, commit: 100)
    different.sealedSHA256 = String(repeating: "e", count: 64)
    await #expect(throws: CatalogError.self) { try await catalog.add(different) }
    var otherRange = segment(1, 5)
    otherRange.lastSeq = 6
    otherRange.recordCount = 6
    await #expect(throws: CatalogError.self) { try await catalog.add(otherRange) }
    var badCount = segment(7, 9)
    badCount.recordCount = 2
    await #expect(throws: CatalogError.self) { try await catalog.add(badCount) }
    await #expect(throws: CatalogError.unknownObject("nope")) { try await catalog.addCopy(objectKey: "nope", target: "dr") }

    try await catalog.removeSnapshot(id: "s1")
    try await catalog.removeSegment(objectKey: segment(1, 5).objectKey)
    #expect(try await catalog.snapshots(service: "profile").isEmpty)
    #expect(try await catalog.segments(service: "profile").isEmpty)
  }

  @Test func aCatalogWrittenByANewerVersionIsRefused() async throws {
    try await withTemporaryDirectory { directory in
      let path = directory.appendingPathComponent("catalog.sqlite")
      _ = try BackupCatalog(path: path)
      let queue = try DatabaseQueue(path: path.path)
      try await queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('catalog-v99')") }
      try queue.close()
      #expect(throws: CatalogError.newerSchema(path: path.path, unknownMigrations: ["catalog-v99"])) {
        try BackupCatalog(path: path)
      }
    }
  }

  @Test func theCatalogIsRebuiltFromATargetAlone() async throws {
    try await withTemporaryDirectory { directory in
      let target = InMemoryTarget(name: "dr")
      let sealer = makeSealer()
      let archive = BackupArchive(target: target, sealer: sealer, scratchDirectory: directory.appendingPathComponent("scratch"))
      let database = try openItemsDatabase(at: directory.appendingPathComponent("items.sqlite"))
      for index in 0..<5 {
        try await database.write { _, journal in try journal.upsert("items", itemRow("i\(index)", Item(label: "v", count: 1))) }
      }
      let file = try await database.snapshot(into: directory.appendingPathComponent("snap.sqlite"))
      let stored = try await archive.storeSnapshot(
        file: file.url, service: "items", kind: .manual, takenAtMicros: 1_700_000_000_000_000)
      #expect(stored.lastSeq == 5 && stored.schemaVersion == 2 && stored.content.rowCounts["items"] == 5)
      #expect(stored.objectKey.hasPrefix("services/items/snapshots/20231114T221320.000000Z-"))
      let records = try await database.journal(after: 0).map { JournalSegment.Record($0) }
      let first = try await archive.storeSegment(try JournalSegment(service: "items", records: Array(records[0..<3])))
      let second = try await archive.storeSegment(try JournalSegment(service: "items", records: Array(records[3...])))
      await database.close()

      let rebuilt = try BackupCatalog()
      let report = try await rebuilt.rebuild(from: target, sealer: sealer)
      #expect(report == {
        var expected = CatalogRebuildReport(target: "dr")
        expected.snapshotsAdded = 1
        expected.segmentsAdded = 2
        return expected
      }())
      #expect(try await rebuilt.snapshots(service: "items") == [stored])
      #expect(try await rebuilt.segments(service: "items") == [first, second])
      #expect(stored.targets == ["dr"])

      // Rebuilding from another copy records the copy.
      let copy = InMemoryTarget(name: "cold")
      for (key, data) in target.allObjects { copy.replace(key, with: data) }
      let again = try await rebuilt.rebuild(from: copy, sealer: sealer)
      #expect(again.copiesRecorded == 3 && again.snapshotsAdded == 0 && again.problems.isEmpty)
      #expect(try await rebuilt.snapshots(service: "items").first?.targets == ["cold", "dr"])

      // Damage is reported per object; the rest is still recovered.
      target.flipByte(of: BackupLayout.manifestKey(for: first.objectKey))
      try await target.delete(second.objectKey)
      let damaged = try BackupCatalog()
      let partial = try await damaged.rebuild(from: target, sealer: sealer)
      #expect(partial.snapshotsAdded == 1 && partial.segmentsAdded == 0)
      #expect(partial.problems.count == 2)
      #expect(partial.problems.contains { $0.contains(first.objectKey) && $0.contains("authentication") })
      #expect(partial.problems.contains { $0.contains(second.objectKey) && $0.contains("missing") })

      // Another key cannot read the manifests, and says which key they need.
      let wrongKey = try await BackupCatalog().rebuild(from: copy, sealer: makeSealer())
      #expect(wrongKey.problems.count == 3)
      #expect(wrongKey.problems.allSatisfy { $0.contains(sealer.key.id) })
    }
  }

  @Test func storingASegmentAgainAdoptsTheStoredObject() async throws {
    try await withTemporaryDirectory { directory in
      let target = InMemoryTarget(name: "primary")
      let archive = BackupArchive(target: target, sealer: makeSealer(), scratchDirectory: directory)
      let records = (1...4).map { changeRecord(seq: Int64($0), micros: 1_000 + Int64($0), key: "k\($0)") }
      let segment = try JournalSegment(service: "items", records: records)
      let first = try await archive.storeSegment(segment)
      // As after a crash between the data upload and the manifest.
      try await target.delete(BackupLayout.manifestKey(for: first.objectKey))
      let again = try await archive.storeSegment(segment)
      #expect(again == first)
      #expect(target.keys == [first.objectKey, BackupLayout.manifestKey(for: first.objectKey)])

      var altered = records
      altered[2].key = "other"
      await #expect(throws: BackupArchiveError.self) {
        try await archive.storeSegment(try JournalSegment(service: "items", records: altered))
      }
      await #expect(throws: BackupArchiveError.invalidService("../x")) {
        try await archive.storeSegment(try JournalSegment(service: "../x", records: records))
      }
    }
  }
}
