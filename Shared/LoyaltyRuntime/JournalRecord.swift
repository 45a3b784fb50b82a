import Foundation
import GRDB

/// One logical redo record of the change journal: written in the same transaction as the
/// change it describes, so replaying records in sequence order reproduces the data.
public struct JournalRecord: Sendable, Equatable {
  public enum Operation: String, Sendable {
    case upsert
    case delete
  }

  public var sequence: Int64
  /// Microseconds since 1970; never decreases along the journal.
  public var commitTimeMicros: Int64
  /// The journaled table the row lives in.
  public var entity: String
  /// The row's primary key.
  public var key: String
  public var operation: Operation
  /// The full new row as a JSON object of column values (empty for deletes).
  public var value: Data

  public init(sequence: Int64, commitTimeMicros: Int64, entity: String, key: String, operation: Operation, value: Data) {
    self.sequence = sequence
    self.commitTimeMicros = commitTimeMicros
    self.entity = entity
    self.key = key
    self.operation = operation
    self.value = value
  }

  public var commitTime: Date {
    Date(timeIntervalSince1970: Double(commitTimeMicros) / 1_000_000)
  }

  static let createTableSQL = """
    CREATE TABLE journal (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      committed_at INTEGER NOT NULL,
      entity TEXT NOT NULL,
      key TEXT NOT NULL,
      op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
      value BLOB NOT NULL
    );
    CREATE INDEX journal_committed_at ON journal(committed_at);
    """

  init(row: Row) throws {
    guard let operation = Operation(rawValue: row["op"]) else {
      throw JournalError.corrupt("unknown operation '\(String(describing: row["op"] as String?))' at seq \(row["seq"] as Int64)")
    }
    self.init(
      sequence: row["seq"], commitTimeMicros: row["committed_at"], entity: row["entity"],
      key: row["key"], operation: operation, value: row["value"])
  }

  func insert(into db: Database) throws {
    try db.execute(
      sql: "INSERT INTO journal (seq, committed_at, entity, key, op, value) VALUES (?, ?, ?, ?, ?, ?)",
      arguments: [sequence, commitTimeMicros, entity, key, operation.rawValue, value])
  }

  /// Records after `sequence`, oldest first.
  static func fetch(after sequence: Int64, limit: Int, from db: Database) throws -> [JournalRecord] {
    try Row.fetchAll(
      db, sql: "SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [sequence, limit]
    ).map(JournalRecord.init(row:))
  }

  /// The newest record's sequence and commit time, or (0, nil) for an empty journal.
  static func head(in db: Database) throws -> (sequence: Int64, commitTimeMicros: Int64?) {
    guard let row = try Row.fetchOne(db, sql: "SELECT seq, committed_at FROM journal ORDER BY seq DESC LIMIT 1") else {
      return (0, nil)
    }
    return (row["seq"], row["committed_at"])
  }
}

public enum JournalError: Error, CustomStringConvertible {
  case corrupt(String)
  case unknownEntity(String)
  case gap(expected: Int64, found: Int64)
  case invalidValue(String)

  public var description: String {
    switch self {
    case .corrupt(let detail): "the change journal is corrupt: \(detail)"
    case .unknownEntity(let entity): "change for unknown entity '\(entity)'"
    case .gap(let expected, let found): "journal gap: expected sequence \(expected), found \(found)"
    case .invalidValue(let detail): "invalid journal value: \(detail)"
    }
  }
}
