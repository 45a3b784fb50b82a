import Foundation
import GRDB
import Logging
import Testing
@testable import LoyaltyRuntime

@Suite struct ServiceDatabaseTests {
  @Test func everyWriteIsJournaledInItsTransaction() async throws {
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("db.sqlite"))
      try await putItem(database, "a", label: "first")
      try await putItem(database, "a", label: "second")
      try await database.write { _, journal in try journal.delete("items", key: "a") }
      let records = try await database.journal(after: 0)
      #expect(records.map(\.sequence) == [1, 2, 3])
      #expect(records.map(\.operation) == [.upsert, .upsert, .delete])
      #expect(records.map(\.key) == ["a", "a", "a"])
      #expect(zip(records, records.dropFirst()).allSatisfy { $0.commitTimeMicros <= $1.commitTimeMicros })
      #expect(try await items(database).isEmpty)
    }
  }

  @Test func aFailedTransactionLeavesNeitherDataNorJournal() async throws {
    struct Abort: Error {}
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("db.sqlite"))
      await #expect(throws: Abort.self) {
        try await database.write { _, journal in
          try journal.upsert("items", ["id": "x".databaseValue, "label": "lost".databaseValue, "count": 1.databaseValue])
          throw Abort()
        }
      }
      #expect(try await database.journal(after: 0).isEmpty)
      #expect(try await items(database).isEmpty)
    }
  }

  @Test func replayingTheJournalReproducesTheData() async throws {
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("db.sqlite"))
      for index in 0..<20 { try await putItem(database, "item-\(index % 7)", label: "v\(index)", count: Int64(index)) }
      try await database.write { _, journal in try journal.delete("items", key: "item-3") }

      let empty = try openItemsDatabase(at: directory.appendingPathComponent("empty.sqlite"))
      let snapshot = try await empty.snapshot(into: directory.appendingPathComponent("empty-copy.sqlite"))
      let replica = try openItemsDatabase(at: directory.appendingPathComponent("replica.sqlite"))
      let outcome = try await replica.restore(from: snapshot.url, changes: try await database.journal(after: 0), upToMicros: nil)
      #expect(outcome.restoredSequence == 21)
      #expect(try await items(replica) == items(database))
    }
  }

  @Test func snapshotsAreConsistentAndDescribeThemselves() async throws {
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("db.sqlite"))
      for index in 0..<5 { try await putItem(database, "k\(index)", label: "v") }
      let snapshot = try await database.snapshot(into: directory.appendingPathComponent("snap.sqlite"))
      #expect(snapshot.lastSequence == 5)
      #expect(snapshot.schemaVersion == 2)
      #expect(snapshot.sizeBytes > 0)
      try await putItem(database, "late", label: "after the snapshot")
      let copy = try DatabaseQueue(path: snapshot.url.path)
      #expect(try await copy.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM items") } == 5)
    }
  }

  @Test func restoreStopsAtTheTargetTime() async throws {
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("db.sqlite"))
      let base = try await database.snapshot(into: directory.appendingPathComponent("base.sqlite"))
      try await putItem(database, "early", label: "kept")
      try await Task.sleep(for: .milliseconds(5))
      let target = Int64(Date().timeIntervalSince1970 * 1_000_000)
      try await Task.sleep(for: .milliseconds(5))
      try await putItem(database, "late", label: "dropped")
      let outcome = try await database.restore(from: base.url, changes: try await database.journal(after: 0), upToMicros: target)
      #expect(outcome.restoredSequence == 1)
      #expect(try await items(database) == ["early": "kept"])
      // The journal continues from the restored point.
      try await putItem(database, "next", label: "after restore")
      #expect(try await database.journal(after: 1).map(\.sequence) == [2])
    }
  }

  @Test func aGapInTheChangesIsRefusedAndNothingIsSwapped() async throws {
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("db.sqlite"))
      let base = try await database.snapshot(into: directory.appendingPathComponent("base.sqlite"))
      for index in 0..<3 { try await putItem(database, "k\(index)", label: "v") }
      var changes = try await database.journal(after: 0)
      changes.remove(at: 1)
      await #expect(throws: StoreError.self) {
        try await database.restore(from: base.url, changes: changes, upToMicros: nil)
      }
      #expect(try await items(database).count == 3)
    }
  }

  @Test func aCorruptSnapshotIsRefused() async throws {
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("db.sqlite"))
      try await putItem(database, "k", label: "v")
      let junk = directory.appendingPathComponent("junk.sqlite")
      try Data(repeating: 0x41, count: 8192).write(to: junk)
      await #expect(throws: StoreError.self) {
        try await database.restore(from: junk, changes: [], upToMicros: nil)
      }
      #expect(try await items(database) == ["k": "v"])
    }
  }

  @Test func aDatabaseFromANewerVersionIsRefused() async throws {
    try await withTemporaryDirectory { directory in
      let path = directory.appendingPathComponent("db.sqlite")
      let newer = try ServiceDatabase(
        path: path, migrations: itemMigrations + [.init("items-v2") { _ in }], tables: [itemsTable],
        durability: .normal, logger: .init(label: "test"))
      await newer.close()
      #expect {
        try openItemsDatabase(at: path)
      } throws: { error in
        guard case StoreError.newerSchema(_, let unknown) = error else { return false }
        return unknown == ["items-v2"]
      }
    }
  }

  @Test func followersWakeOnCommitAndOnRestore() async throws {
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("db.sqlite"))
      let base = try await database.snapshot(into: directory.appendingPathComponent("base.sqlite"))
      let epoch = database.notifier.epoch
      async let advanced = database.notifier.wait(after: 0, epoch: epoch)
      try await Task.sleep(for: .milliseconds(20))
      try await putItem(database, "k", label: "v")
      #expect(await advanced == .advanced(1))

      async let restored = database.notifier.wait(after: 1, epoch: epoch)
      try await Task.sleep(for: .milliseconds(20))
      _ = try await database.restore(from: base.url, changes: [], upToMicros: nil)
      #expect(await restored == .restored)
    }
  }

  @Test func callsDuringCloseAreUnavailable() async throws {
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("db.sqlite"))
      await database.close()
      await #expect {
        try await putItem(database, "k", label: "v")
      } throws: { error in
        if case StoreError.unavailable = error { return true }
        return false
      }
    }
  }

  /// Restore requests carry rows as JSON; none of their content may reach SQL as code, and
  /// values must have their column's type.
  @Test(arguments: [
    #"{"id": "k", "label": "v", "count": 1, "x\") VALUES (1); DROP TABLE items; --": 1}"#,
    #"{"id": "k", "label": "v", "count": "not a number"}"#,
    #"{"id": "k", "label": {"base64": "AAEC"}, "count": 1}"#,
  ])
  func hostileRestoredRowsAreRefused(value: String) async throws {
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("db.sqlite"))
      let base = try await database.snapshot(into: directory.appendingPathComponent("base.sqlite"))
      try await putItem(database, "kept", label: "v")
      let record = JournalRecord(
        sequence: 1, commitTimeMicros: Int64(Date().timeIntervalSince1970 * 1_000_000), entity: "items", key: "k",
        operation: .upsert, value: Data(value.utf8))
      await #expect {
        try await database.restore(from: base.url, changes: [record], upToMicros: nil)
      } throws: { error in
        if case StoreError.invalidSnapshot = error { return true }
        return false
      }
      #expect(try await items(database) == ["kept": "v"])
    }
  }

  @Test func changesFromTheFutureAreRefused() async throws {
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("db.sqlite"))
      let base = try await database.snapshot(into: directory.appendingPathComponent("base.sqlite"))
      let record = JournalRecord(
        sequence: 1, commitTimeMicros: .max, entity: "items", key: "k", operation: .upsert,
        value: Data(#"{"id": "k", "label": "v", "count": 1}"#.utf8))
      await #expect(throws: StoreError.self) {
        try await database.restore(from: base.url, changes: [record], upToMicros: nil)
      }
    }
  }
}
