import BackupCore
import BackupStorage
import Foundation
import Testing

private let day: Int64 = 86_400_000_000

private func date(_ micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }

@Suite struct LifecycleRulesTests {
  @Test func rulesAreValidatedAndNamed() throws {
    #expect(throws: LifecycleRuleError.coldAfterNotPositive(.snapshots, days: 0)) {
      try LifecycleRules.validate([LifecycleRule(objectClass: .snapshots, coldAfterDays: 0, deleteAfterDays: 5)])
    }
    #expect(throws: LifecycleRuleError.deleteNotAfterCold(.documentVersions, coldAfterDays: 3, deleteAfterDays: 3)) {
      try LifecycleRules.validate([LifecycleRule(objectClass: .documentVersions, coldAfterDays: 3, deleteAfterDays: 3)])
    }
    #expect(throws: LifecycleRuleError.deleteNotAfterCold(.snapshots, coldAfterDays: 5, deleteAfterDays: 2)) {
      try LifecycleRules.validate([LifecycleRule(objectClass: .snapshots, coldAfterDays: 5, deleteAfterDays: 2)])
    }
    #expect(throws: LifecycleRuleError.duplicateRule(.snapshots)) {
      try LifecycleRules.validate([
        LifecycleRule(objectClass: .snapshots, coldAfterDays: 1, deleteAfterDays: 2),
        LifecycleRule(objectClass: .snapshots, coldAfterDays: 3, deleteAfterDays: 4),
      ])
    }
    let message = "\(LifecycleRuleError.deleteNotAfterCold(.documentVersions, coldAfterDays: 3, deleteAfterDays: 3))"
    #expect(message.contains("'documentVersions'") && message.contains("deleteAfterDays (3)"))
    try LifecycleRules.validate([
      LifecycleRule(objectClass: .snapshots, coldAfterDays: 30, deleteAfterDays: 365),
      LifecycleRule(objectClass: .documentVersions, coldAfterDays: 1, deleteAfterDays: 2),
    ])
  }

  @Test func invalidRulesAreRefusedAndValidOnesListed() async throws {
    let catalog = try BackupCatalog()
    let hot = InMemoryTarget(name: "hot")
    let cold = InMemoryTarget(name: "cold")
    let retirement = ObjectRetirement(targets: [hot, cold], sealer: makeSealer())
    let scratch = FileManager.default.temporaryDirectory
    #expect(throws: LifecycleRuleError.coldAfterNotPositive(.snapshots, days: -1)) {
      try LifecycleRules(
        rules: [LifecycleRule(objectClass: .snapshots, coldAfterDays: -1, deleteAfterDays: 5)], catalog: catalog, hot: hot,
        cold: cold, retirement: retirement, scratchDirectory: scratch)
    }
    let rules = try LifecycleRules(
      rules: [
        LifecycleRule(objectClass: .snapshots, coldAfterDays: 30, deleteAfterDays: 365),
        LifecycleRule(objectClass: .documentVersions, coldAfterDays: 7, deleteAfterDays: 90),
      ], catalog: catalog, hot: hot, cold: cold, retirement: retirement, scratchDirectory: scratch)
    #expect(rules.list == [
      "snapshots: to cold storage after 30 days, deleted after 365 days",
      "documentVersions: to cold storage after 7 days, deleted after 90 days",
    ])
  }

  @Test func snapshotsMoveToColdThenAreDeletedWhileRestoresKeepWorking() async throws {
    try await withTemporaryDirectory { directory in
      let hot = InMemoryTarget(name: "hot")
      let cold = DirectoryTarget(name: "cold", root: directory.appendingPathComponent("cold"))
      var live = try await LiveItemsBackup(directory: directory, target: hot)
      try await live.write(3)
      let older = try await live.snapshot(kind: .manual)
      let middle = try await live.write(4)
      try await live.write(2)
      let newer = try await live.snapshot(kind: .automated)
      let end = try await live.write(3)
      try await live.shipSegments()

      let rules = try LifecycleRules(
        rules: [LifecycleRule(objectClass: .snapshots, coldAfterDays: 2, deleteAfterDays: 5)], catalog: live.catalog,
        hot: hot, cold: cold, retirement: ObjectRetirement(targets: [hot, cold], sealer: live.archive.sealer, gracePeriodMicros: 0),
        scratchDirectory: directory.appendingPathComponent("scratch"))
      let tooEarly = try await rules.apply(now: date(older.takenAtMicros + day))
      #expect(tooEarly.movedSnapshots.isEmpty && tooEarly.deletedSnapshots.isEmpty)

      // N..M days: both snapshots live on the cold target only, checksummed and catalogued there.
      let moved = try await rules.apply(now: date(older.takenAtMicros + 3 * day))
      #expect(Set(moved.movedSnapshots) == [older.id, newer.id])
      #expect(try await live.catalog.snapshot(id: older.id)?.targets == ["cold"])
      #expect(try await live.catalog.snapshot(id: newer.id)?.targets == ["cold"])
      #expect(!hot.keys.contains { $0.contains("/snapshots/") })
      for entry in [older, newer] {
        #expect(try await cold.head(entry.objectKey)?.size == entry.sealedSizeBytes)
        #expect(try await cold.head(BackupLayout.manifestKey(for: entry.objectKey)) != nil)
      }
      let tiered = OfflineRestore(
        archive: BackupArchive(
          target: FallbackReadTarget(hot, cold), sealer: live.archive.sealer, scratchDirectory: directory.appendingPathComponent("scratch")),
        logger: testLogger)
      let restored = try await tiered.restore(
        service: "items", to: .time(micros: middle.micros), from: live.catalog, into: directory.appendingPathComponent("middle.sqlite"))
      #expect(restored.plan.snapshot.id == older.id)
      #expect(restored.restoredSeq == middle.seq)
      #expect(try items(ofFile: restored.file) == middle.items)
      await #expect(throws: OfflineRestoreError.self) {
        try await live.restore.restore(
          service: "items", to: .time(micros: middle.micros), from: live.catalog, into: directory.appendingPathComponent("hot-only.sqlite"))
      }

      // After M days the older snapshot is deleted; the newest of the service is kept.
      let deleted = try await rules.apply(now: date(older.takenAtMicros + 6 * day))
      #expect(deleted.deletedSnapshots == [older.id])
      #expect(deleted.purgedObjects == 1)
      #expect(deleted.notes.contains { $0.contains(newer.id) && $0.contains("newest") })
      #expect(try await live.catalog.snapshot(id: older.id) == nil)
      #expect(try await cold.head(older.objectKey) == nil)
      #expect(try await cold.head(BackupLayout.manifestKey(for: older.objectKey)) == nil)
      #expect(try await cold.head(newer.objectKey) != nil)
      let latest = try await tiered.restore(
        service: "items", to: .latest, from: live.catalog, into: directory.appendingPathComponent("latest.sqlite"))
      #expect(latest.restoredSeq == end.seq)
      #expect(try items(ofFile: latest.file) == end.items)
    }
  }
}
