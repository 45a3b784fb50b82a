import Foundation
import GRDB
import LoyaltyRuntime
import Testing

/// `JournalReplay` (in LoyaltyRuntime) is what offline restores are built on.
@Suite struct JournalReplayTests {
  private func record(_ seq: Int64, _ key: String, micros: Int64 = 1_000, entity: String = "items") -> JournalRecord {
    JournalRecord(
      sequence: seq, commitTimeMicros: micros, entity: entity, key: key, operation: .upsert,
      value: Data(#"{"count":\#(seq),"id":"\#(key)","label":"v\#(seq)"}"#.utf8))
  }

  private func withEmptySnapshot(_ body: (URL) async throws -> Void) async throws {
    try await withTemporaryDirectory { directory in
      let database = try openItemsDatabase(at: directory.appendingPathComponent("live.sqlite"))
      let snapshot = try await database.snapshot(into: directory.appendingPathComponent("copy.sqlite"))
      await database.close()
      try await body(snapshot.url)
    }
  }

  @Test func appliesContinuousRecordsAndSkipsOnesAlreadyPresent() async throws {
    try await withEmptySnapshot { file in
      let replay = try JournalReplay(file: file)
      #expect(try await replay.head() == JournalReplay.Head(sequence: 0, commitTimeMicros: nil))
      try await replay.apply([record(1, "a"), record(2, "b")])
      let head = try await replay.apply([record(2, "b"), record(3, "a", micros: 2_000)])
      #expect(head == JournalReplay.Head(sequence: 3, commitTimeMicros: 2_000))
      #expect(try await replay.integrityProblems().isEmpty)
      try replay.close()
      #expect(try items(ofFile: file) == ["a": Item(label: "v3", count: 3), "b": Item(label: "v2", count: 2)])
    }
  }

  @Test func refusesGapsTimeTravelAndUnknownTables() async throws {
    try await withEmptySnapshot { file in
      let replay = try JournalReplay(file: file)
      try await replay.apply([record(1, "a", micros: 5_000)])
      await #expect {
        try await replay.apply([record(3, "a", micros: 6_000)])
      } throws: { error in
        guard case StoreError.journalGap = error else { return false }
        return true
      }
      await #expect(throws: StoreError.self) { try await replay.apply([record(2, "a", micros: 4_999)]) }
      for entity in ["nowhere", "journal", "grdb_migrations", "sqlite_master"] {
        await #expect(throws: StoreError.self) { try await replay.apply([record(2, "a", micros: 6_000, entity: entity)]) }
      }
      // A failed batch leaves nothing behind.
      await #expect(throws: (any Error).self) {
        try await replay.apply([record(2, "b", micros: 6_000), record(3, "c", micros: 6_000, entity: "nowhere")])
      }
      #expect(try await replay.head().sequence == 1)
      try replay.close()
      #expect(try items(ofFile: file).keys.sorted() == ["a"])
    }
  }

  @Test func refusesFilesThatAreNotServiceDatabases() async throws {
    try await withTemporaryDirectory { directory in
      let junk = directory.appendingPathComponent("junk")
      try Data(repeating: 0x41, count: 4096).write(to: junk)
      #expect(throws: (any Error).self) { try JournalReplay(file: junk) }
      let plain = directory.appendingPathComponent("plain.sqlite")
      let queue = try DatabaseQueue(path: plain.path)
      try await queue.write { try $0.execute(sql: "CREATE TABLE t (id TEXT PRIMARY KEY)") }
      try queue.close()
      #expect(throws: StoreError.self) { try JournalReplay(file: plain) }
    }
  }
}
