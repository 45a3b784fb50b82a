import BackupCore
import BackupStorage
import Foundation
import LoyaltyRuntime
import Testing

@Suite struct ReplicaCopierTests {
  private func copier(_ fixture: ShippingFixture, to dr: DirectoryTarget) -> ReplicaCopier {
    ReplicaCopier(
      from: fixture.target, to: dr, catalog: fixture.catalog, sealer: fixture.archive.sealer,
      scratchDirectory: fixture.directory.appendingPathComponent("copy-scratch"), logger: testLogger)
  }

  private func catalogued(_ catalog: BackupCatalog) async throws -> (snapshots: [SnapshotEntry], segments: [SegmentEntry]) {
    (try await catalog.snapshots(service: "items"), try await catalog.segments(service: "items"))
  }

  @Test func copiesEveryObjectWithItsManifestOnceAndResumes() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      try await recordBackupHistory(fixture, batches: [1...6, 7...15, 16...30])
      let dr = DirectoryTarget(name: "dr", root: directory.appendingPathComponent("dr"))
      let copier = copier(fixture, to: dr)
      let (snapshots, segments) = try await catalogued(fixture.catalog)
      let dataKeys = snapshots.map(\.objectKey) + segments.map(\.objectKey)
      #expect(snapshots.count == 2 && segments.count >= 8)

      let first = try await copier.copy()
      #expect(first.problems.isEmpty)
      #expect(Set(first.copied) == Set(dataKeys) && first.copied.count == dataKeys.count)
      let primaryObjects = try await fixture.target.list(prefix: BackupLayout.rootPrefix).map(\.key)
      #expect(try await dr.list(prefix: BackupLayout.rootPrefix).map(\.key) == primaryObjects)
      for key in dataKeys {
        #expect(try await dr.get(key) == (try await fixture.target.get(key)))
      }
      let (afterSnapshots, afterSegments) = try await catalogued(fixture.catalog)
      #expect(afterSnapshots.allSatisfy { $0.targets == ["dr", "local"] })
      #expect(afterSegments.allSatisfy { $0.targets == ["dr", "local"] })

      // A second run copies nothing.
      let second = try await copier.copy()
      #expect(second.copied.isEmpty && second.adopted.isEmpty && second.problems.isEmpty)
      #expect(second.alreadyCopied == dataKeys.count)

      // A run interrupted after uploading but before recording: the objects are verified
      // and adopted, not uploaded again.
      let unrecorded = [snapshots[0].objectKey, segments[3].objectKey]
      for key in unrecorded { try await fixture.catalog.removeCopy(objectKey: key, target: "dr") }
      try await dr.delete(BackupLayout.manifestKey(for: segments[3].objectKey))
      let third = try await copier.copy()
      #expect(third.copied.isEmpty && third.problems.isEmpty)
      #expect(third.adopted == unrecorded)
      #expect(try await dr.head(BackupLayout.manifestKey(for: segments[3].objectKey)) != nil)
      #expect(try await fixture.catalog.segment(objectKey: segments[3].objectKey)?.targets == ["dr", "local"])
      await fixture.database.close()
    }
  }

  @Test func aCorruptPrimaryObjectIsReportedAndNotCopied() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      try await recordBackupHistory(fixture, batches: [1...5, 6...20])
      let segments = try await fixture.catalog.segments(service: "items")
      let corrupt = segments[2].objectKey
      try flipByteOfStoredObject(corrupt, on: fixture.target)
      let dr = DirectoryTarget(name: "dr", root: directory.appendingPathComponent("dr"))

      let report = try await copier(fixture, to: dr).copy()
      #expect(report.problems.count == 1)
      #expect(report.problems.first?.contains("local:\(corrupt) is corrupt") == true)
      #expect(!report.copied.contains(corrupt) && report.copied.count == segments.count)  // the snapshot and the others
      #expect(try await dr.head(corrupt) == nil)
      #expect(try await dr.head(BackupLayout.manifestKey(for: corrupt)) == nil)
      #expect(try await fixture.catalog.segment(objectKey: corrupt)?.targets == ["local"])
      // Still reported, never copied, on the next run.
      let again = try await copier(fixture, to: dr).copy()
      #expect(again.copied.isEmpty && again.problems.count == 1)
      await fixture.database.close()
    }
  }

  @Test func copyLagIsTheAgeOfTheNewestReplicatedChange() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      let dr = DirectoryTarget(name: "dr", root: directory.appendingPathComponent("dr"))
      let copier = copier(fixture, to: dr)
      let copiedHead = try await recordBackupHistory(fixture, batches: [1...4, 5...12])

      // Nothing on the DR target yet: everything since the oldest change is at risk.
      let oldest = try #require(try await fixture.catalog.segments(service: "items").first)
      var now = nowMicros()
      let empty = try await copier.lag(service: "items", nowMicros: now)
      #expect(empty.replicatedSeq == nil && empty.newestSeq == copiedHead)
      #expect(empty.seconds == Double(now - oldest.firstCommitTimeMicros) / 1_000_000)

      _ = try await copier.copy()
      #expect(try await copier.lag(service: "items", nowMicros: nowMicros()) == .init(
        service: "items", newestSeq: copiedHead, replicatedSeq: copiedHead, seconds: 0))

      // New changes shipped to the primary only.
      try await Task.sleep(for: .milliseconds(20))
      let head = try await fixture.write(13...20)
      try await shipBackupHistory(fixture, through: head)
      let newestCopied = try #require(try await fixture.catalog.segments(service: "items").last { $0.lastSeq == copiedHead })
      now = nowMicros()
      let behind = try await copier.lag(service: "items", nowMicros: now)
      #expect(behind.newestSeq == head && behind.replicatedSeq == copiedHead && !behind.isCaughtUp)
      #expect(behind.seconds == Double(now - newestCopied.lastCommitTimeMicros) / 1_000_000)
      #expect(behind.seconds > 0.02)

      _ = try await copier.copy()
      #expect(try await copier.lag(service: "items", nowMicros: nowMicros()).isCaughtUp)
      await fixture.database.close()
    }
  }

  @Test func theDRTargetAloneRestoresTheLiveContentAfterThePrimaryIsGone() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      let head = try await recordBackupHistory(fixture, batches: [1...8, 9...20, 21...33])
      let dr = DirectoryTarget(name: "dr", root: directory.appendingPathComponent("dr"))
      #expect(try await copier(fixture, to: dr).copy().problems.isEmpty)
      let live = try await fixture.database.read { try DatabaseDigest.compute(in: $0) }

      try FileManager.default.removeItem(at: fixture.target.root)
      #expect(try await fixture.target.list(prefix: BackupLayout.rootPrefix).isEmpty)
      let rebuilt = try BackupCatalog()
      let report = try await rebuilt.rebuild(from: dr, sealer: fixture.archive.sealer)
      #expect(report.problems.isEmpty && report.snapshotsAdded == 2)
      #expect(report.segmentsAdded == (try await fixture.catalog.segments(service: "items").count))

      let drArchive = BackupArchive(
        target: dr, sealer: fixture.archive.sealer, scratchDirectory: directory.appendingPathComponent("dr-scratch"))
      let restored = try await OfflineRestore(archive: drArchive, logger: testLogger).restore(
        service: "items", to: .latest, from: rebuilt, into: directory.appendingPathComponent("from-dr.sqlite"))
      #expect(restored.restoredSeq == head)
      #expect(restored.notes.isEmpty)
      #expect(restored.digest == live)
      await fixture.database.close()
    }
  }
}
