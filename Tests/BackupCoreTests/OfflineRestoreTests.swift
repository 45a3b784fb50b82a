import BackupCore
import BackupStorage
import Foundation
import GRDB
import LoyaltyRuntime
import Testing

/// A real service database written by a scripted mix of transactions, with what it held after
/// each one, backed up through an archive into a catalog.
private struct BackedUpService {
  struct State {
    var seq: Int64
    var micros: Int64
    var items: [String: Item]
  }

  static let canary = "CANARY-\(UUID().uuidString)"

  let database: ServiceDatabase
  let archive: BackupArchive
  let catalog: BackupCatalog
  /// The state after every transaction, oldest first; the first is the empty database.
  var states: [State] = []
  var snapshots: [SnapshotEntry] = []
  var segments: [SegmentEntry] = []

  init(directory: URL, target: any StorageTarget, transactions: Int = 60, snapshotsAfter: Set<Int> = [0, 15, 40]) async throws {
    database = try openItemsDatabase(at: directory.appendingPathComponent("live.sqlite"))
    archive = BackupArchive(target: target, sealer: makeSealer(chunkSize: 4096), scratchDirectory: directory.appendingPathComponent("scratch"))
    catalog = try BackupCatalog(path: directory.appendingPathComponent("catalog.sqlite"))
    states = [State(seq: 0, micros: .min, items: [:])]
    var generator = SystemRandomNumberGenerator()
    var nextID = 0
    for transaction in 0...transactions {
      if snapshotsAfter.contains(transaction) {
        let takenAt = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let file = try await database.snapshot(into: directory.appendingPathComponent("snapshot-\(transaction).sqlite"))
        let entry = try await archive.storeSnapshot(file: file.url, service: "items", kind: .automated, takenAtMicros: takenAt)
        try await catalog.add(entry)
        snapshots.append(entry)
      }
      if transaction == transactions { break }
      let existing = Array(states.last!.items.keys)
      var upserts: [(String, Item)] = []
      var deletes: [String] = []
      switch (transaction % 5, existing.isEmpty) {
      case (0, _), (_, true):
        nextID += 1
        upserts.append(("item-\(nextID)", Item(label: transaction == 5 ? Self.canary : "new \(transaction)", count: 1)))
      case (1, _), (2, _):
        upserts.append((existing.randomElement(using: &generator)!, Item(label: "changed \(transaction)", count: Int64(transaction))))
      case (3, _):
        deletes.append(existing.randomElement(using: &generator)!)
      default:
        // Several rows in one transaction share one commit time.
        for _ in 0..<3 {
          nextID += 1
          upserts.append(("item-\(nextID)", Item(label: "batch \(transaction)", count: Int64(nextID))))
        }
        deletes.append(existing.randomElement(using: &generator)!)
      }
      try await database.write { [upserts, deletes] _, journal in
        for (id, item) in upserts { try journal.upsert("items", itemRow(id, item)) }
        for id in deletes { try journal.delete("items", key: id) }
      }
      let records = try await database.journal(after: states.last!.seq, limit: 100)
      let current = try await database.read { try items(in: $0) }
      states.append(State(seq: records.last!.sequence, micros: records.last!.commitTimeMicros, items: current))
      if transaction % 3 == 0 { try await Task.sleep(for: .milliseconds(2)) }
    }

    let records = try await database.journal(after: 0, limit: 100_000).map { JournalSegment.Record($0) }
    var start = 0
    for size in [1, 4, 7, 3, 10].cycled() {
      guard start < records.count else { break }
      let end = min(records.count, start + size)
      let entry = try await archive.storeSegment(try JournalSegment(service: "items", records: Array(records[start..<end])))
      try await catalog.add(entry)
      segments.append(entry)
      start = end
    }
  }

  /// What the database held at `micros`: after the last transaction committed at or before it.
  func state(at micros: Int64) -> State {
    states.last { $0.micros <= micros }!
  }

  var restore: OfflineRestore { OfflineRestore(archive: archive, logger: testLogger) }
}

extension Array {
  fileprivate func cycled() -> some Sequence<Element> {
    sequence(state: 0) { index in
      defer { index = (index + 1) % count }
      return self[index]
    }
  }
}

@Suite struct OfflineRestoreTests {
  @Test func restoresExactlyWhatTheDatabaseHeldAtManyTimes() async throws {
    try await withTemporaryDirectory { directory in
      let target = InMemoryTarget(name: "primary")
      let service = try await BackedUpService(directory: directory, target: target)
      let window = try #require(try await service.catalog.window(service: "items"))
      #expect(window.earliestMicros == service.snapshots[0].takenAtMicros)
      #expect(window.latestMicros == service.states.last!.micros)

      var targets: [Int64] = service.snapshots.map(\.pointMicros)
      for state in service.states.dropFirst() {
        targets += [state.micros, state.micros - 1, state.micros + 1]
      }
      var generator = SystemRandomNumberGenerator()
      targets += (0..<10).map { _ in Int64.random(in: window.earliestMicros...window.latestMicros, using: &generator) }

      for (index, micros) in targets.enumerated() where window.contains(micros) {
        let restored = try await service.restore.restore(
          service: "items", to: .time(micros: micros), from: service.catalog,
          into: directory.appendingPathComponent("restored/\(index).sqlite"))
        let expected = service.state(at: micros)
        let comment = Comment(rawValue: "target \(micros)")
        #expect(restored.restoredSeq == expected.seq, comment)
        #expect(restored.lastCommitTimeMicros == (expected.seq == 0 ? nil : expected.micros), comment)
        #expect(try items(ofFile: restored.file) == expected.items, comment)
        #expect(restored.notes.isEmpty, comment)
        #expect(try await DatabaseDigest.compute(file: restored.file) == restored.digest)
      }

      // Latest: the same content as the live database, journal included.
      let latest = try await service.restore.restore(
        service: "items", to: .latest, from: service.catalog, into: directory.appendingPathComponent("restored/latest.sqlite"))
      let live = try await service.database.read { try DatabaseDigest.compute(in: $0) }
      #expect(latest.digest == live)
      #expect(latest.restoredSeq == service.states.last!.seq)
      #expect(latest.plan.snapshot == service.snapshots.last)

      // A restored file continues the service's history: a service opens it and writes on.
      let reopened = try openItemsDatabase(at: latest.file)
      try await reopened.write { _, journal in try journal.upsert("items", itemRow("after", Item(label: "x", count: 1))) }
      #expect(try await reopened.journal(after: latest.restoredSeq).map(\.sequence) == [latest.restoredSeq + 1])
      await reopened.close()
      await service.database.close()
    }
  }

  @Test func aRestoreAtASnapshotMatchesItsCatalogDigest() async throws {
    try await withTemporaryDirectory { directory in
      let service = try await BackedUpService(directory: directory, target: InMemoryTarget(), transactions: 20, snapshotsAfter: [10])
      let snapshot = service.snapshots[0]
      let plan = try await service.catalog.plan(service: "items", target: .time(micros: snapshot.pointMicros))
      let restored = try await service.restore.restore(plan, into: directory.appendingPathComponent("at-snapshot.sqlite"))
      #expect(restored.restoredSeq >= snapshot.lastSeq)
      if restored.appliedChanges == 0 {
        #expect(restored.digest == snapshot.content)
      }
      await #expect(throws: OfflineRestoreError.self) {
        try await service.restore.restore(plan, into: restored.file)
      }
      await service.database.close()
    }
  }

  @Test func aCorruptSnapshotFallsBackToAnOlderOneAndSaysSo() async throws {
    try await withTemporaryDirectory { directory in
      let target = InMemoryTarget(name: "primary")
      let service = try await BackedUpService(directory: directory, target: target, transactions: 30, snapshotsAfter: [5, 20])
      let newest = service.snapshots[1]
      target.flipByte(of: newest.objectKey)
      let restored = try await service.restore.restore(
        service: "items", to: .latest, from: service.catalog, into: directory.appendingPathComponent("fallback.sqlite"))
      #expect(restored.plan.snapshot == service.snapshots[0])
      #expect(restored.notes.first?.contains(newest.id) == true)
      #expect(restored.notes.first?.contains("corrupt") == true)
      #expect(restored.notes.contains { $0.contains("older snapshot \(service.snapshots[0].id)") })
      #expect(try items(ofFile: restored.file) == service.states.last!.items)

      // With the older one gone too, nothing usable remains, and the reasons are given.
      try await target.delete(service.snapshots[0].objectKey)
      await #expect {
        try await service.restore.restore(
          service: "items", to: .latest, from: service.catalog, into: directory.appendingPathComponent("none.sqlite"))
      } throws: { error in
        guard case OfflineRestoreError.noUsableRecoveryPoint(let reasons) = error else { return false }
        return reasons.count == 3 && reasons[1].contains("has no object")
      }
      #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("none.sqlite").path))
      await service.database.close()
    }
  }

  @Test func aCorruptOrMissingSegmentIsRefused() async throws {
    try await withTemporaryDirectory { directory in
      let target = InMemoryTarget(name: "primary")
      let service = try await BackedUpService(directory: directory, target: target, transactions: 30, snapshotsAfter: [0])
      let middle = service.segments[service.segments.count / 2]
      target.flipByte(of: middle.objectKey)
      await #expect {
        try await service.restore.restore(
          service: "items", to: .latest, from: service.catalog, into: directory.appendingPathComponent("a.sqlite"))
      } throws: { error in
        guard case BackupIntegrityError.checksumMismatch(let object, _, _) = error else { return false }
        return object == "primary:\(middle.objectKey)"
      }
      // Before the damaged segment, restores still work.
      let before = service.state(at: middle.firstCommitTimeMicros - 1)
      let early = try await service.restore.restore(
        service: "items", to: .time(micros: middle.firstCommitTimeMicros - 1), from: service.catalog,
        into: directory.appendingPathComponent("b.sqlite"))
      #expect(try items(ofFile: early.file) == before.items)

      try await service.catalog.removeSegment(objectKey: middle.objectKey)
      await #expect(throws: RecoveryError.gap(after: middle.firstSeq - 1, next: middle.lastSeq + 1)) {
        try await service.restore.restore(
          service: "items", to: .latest, from: service.catalog, into: directory.appendingPathComponent("c.sqlite"))
      }
      #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("c.sqlite").path))
      await service.database.close()
    }
  }

  @Test func noRowContentAppearsInAnyStoredObject() async throws {
    try await withTemporaryDirectory { directory in
      let target = InMemoryTarget()
      let service = try await BackedUpService(directory: directory, target: target, transactions: 12, snapshotsAfter: [10])
      // The canary is in the database, its journal, the snapshot and a segment...
      #expect(service.states.contains { $0.items.values.contains { $0.label == BackedUpService.canary } })
      let objects = target.allObjects
      #expect(objects.count == 2 * (service.snapshots.count + service.segments.count))
      // ...and in none of the stored objects.
      for (key, data) in objects {
        #expect(!data.contains(Data(BackedUpService.canary.utf8)), Comment(rawValue: key))
        #expect(!data.contains(Data("batch".utf8)), Comment(rawValue: key))
      }
      await service.database.close()
    }
  }

  @Test func restoresFromADirectoryTargetAndFromACatalogRebuiltFromIt() async throws {
    try await withTemporaryDirectory { directory in
      let target = DirectoryTarget(name: "dr", root: directory.appendingPathComponent("dr"))
      let service = try await BackedUpService(directory: directory, target: target, transactions: 25, snapshotsAfter: [5, 18])
      let rebuilt = try BackupCatalog()
      let report = try await rebuilt.rebuild(from: target, sealer: service.archive.sealer)
      #expect(report.problems.isEmpty)
      #expect(report.snapshotsAdded == 2 && report.segmentsAdded == service.segments.count)
      let middle = service.states[12]
      let restored = try await service.restore.restore(
        service: "items", to: .time(micros: middle.micros), from: rebuilt, into: directory.appendingPathComponent("dr.sqlite"))
      #expect(try items(ofFile: restored.file) == service.state(at: middle.micros).items)
      #expect(restored.restoredSeq == service.state(at: middle.micros).seq)
      await service.database.close()
    }
  }
}
