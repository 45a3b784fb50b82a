import BackupCore
import Foundation
import GRDB
import Testing

@Suite struct DatabaseDigestTests {
  private static let schema = """
    CREATE TABLE items (id TEXT PRIMARY KEY NOT NULL, label TEXT, count INTEGER, weight REAL, data BLOB);
    CREATE TABLE pairs (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;
    CREATE TABLE notes (text TEXT);
    CREATE TABLE log (seq INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT);
    """

  private struct Fixture {
    var items: [(String, String?, Int64?, Double?, Data?)] = [
      ("a", "alpha", 1, 1.5, Data([0, 1, 2])),
      ("b", nil, -7, nil, nil),
      ("c", "gamma", 3, 0.25, Data()),
    ]
    var pairs = [("x", "y"), ("x", "a"), ("m", "n")]
    var notes = ["one", "two", "two"]
    var log = ["first", "second"]
  }

  private func makeDatabase(_ fixture: Fixture, reversed: Bool, at url: URL) throws {
    let queue = try DatabaseQueue(path: url.path)
    defer { try? queue.close() }
    try queue.write { db in
      try db.execute(sql: Self.schema)
      let items = reversed ? fixture.items.reversed() : fixture.items
      for (id, label, count, weight, data) in items {
        try db.execute(
          sql: "INSERT INTO items (id, label, count, weight, data) VALUES (?, ?, ?, ?, ?)",
          arguments: [id, label, count, weight, data])
      }
      for (a, b) in reversed ? fixture.pairs.reversed() : fixture.pairs {
        try db.execute(sql: "INSERT INTO pairs VALUES (?, ?)", arguments: [a, b])
      }
      for text in reversed ? fixture.notes.reversed() : fixture.notes {
        try db.execute(sql: "INSERT INTO notes VALUES (?)", arguments: [text])
      }
      for (index, text) in fixture.log.enumerated() {
        try db.execute(sql: "INSERT INTO log (seq, text) VALUES (?, ?)", arguments: [index + 1, text])
      }
    }
    // GRDB's bookkeeping is not content.
    var migrator = DatabaseMigrator()
    migrator.registerMigration(reversed ? "reversed" : "straight") { _ in }
    try migrator.migrate(queue)
  }

  @Test func theDigestIsLogicalAndStable() async throws {
    try await withTemporaryDirectory { directory in
      let first = directory.appendingPathComponent("first.sqlite")
      let second = directory.appendingPathComponent("second.sqlite")
      try makeDatabase(Fixture(), reversed: false, at: first)
      try makeDatabase(Fixture(), reversed: true, at: second)
      let digest = try await DatabaseDigest.compute(file: first)
      #expect(digest.tables.map(\.name) == ["items", "log", "notes", "pairs"])
      #expect(digest.rowCounts == ["items": 3, "log": 2, "notes": 3, "pairs": 3])
      #expect(try await DatabaseDigest.compute(file: first) == digest)
      // Same content inserted in another order, with other internal tables.
      #expect(try await DatabaseDigest.compute(file: second) == digest)
      #expect(digest.differences(from: digest).isEmpty)
      #expect(digest.sha256.count == 64)
    }
  }

  @Test(arguments: [
    "UPDATE items SET label = 'alphA' WHERE id = 'a'",
    "UPDATE items SET data = CAST(data AS TEXT) WHERE id = 'a'",
    "UPDATE items SET data = x'000103' WHERE id = 'a'",
    "UPDATE items SET weight = 1.5000001 WHERE id = 'a'",
    "UPDATE items SET label = '' WHERE id = 'b'",
    "UPDATE notes SET text = 'three' WHERE rowid = (SELECT max(rowid) FROM notes)",
    "UPDATE pairs SET b = 'z' WHERE a = 'm'",
    "UPDATE log SET text = 'First' WHERE seq = 1",
  ])
  func oneChangedValueChangesTheDigest(change: String) async throws {
    try await withTemporaryDirectory { directory in
      let url = directory.appendingPathComponent("db.sqlite")
      try makeDatabase(Fixture(), reversed: false, at: url)
      let before = try await DatabaseDigest.compute(file: url)
      let queue = try DatabaseQueue(path: url.path)
      try await queue.write { try $0.execute(sql: change) }
      try queue.close()
      let after = try await DatabaseDigest.compute(file: url)
      #expect(after.sha256 != before.sha256)
      #expect(after.rowCounts == before.rowCounts)
      let differences = after.differences(from: before)
      #expect(differences.count == 1)
      #expect(differences.first?.contains("different content") == true)
    }
  }

  @Test func differencesNameTablesAndCounts() async throws {
    try await withTemporaryDirectory { directory in
      let url = directory.appendingPathComponent("db.sqlite")
      try makeDatabase(Fixture(), reversed: false, at: url)
      let before = try await DatabaseDigest.compute(file: url)
      let queue = try DatabaseQueue(path: url.path)
      try await queue.write { db in
        try db.execute(sql: "DELETE FROM notes WHERE text = 'one'")
        try db.execute(sql: "CREATE TABLE extra (id INTEGER PRIMARY KEY)")
        try db.execute(sql: "DROP TABLE log")
      }
      try queue.close()
      let after = try await DatabaseDigest.compute(file: url)
      #expect(after.differences(from: before) == [
        "table extra is unexpected (0 rows)",
        "table log is missing (expected 2 rows)",
        "table notes has 2 rows, expected 3",
      ])
    }
  }
}
