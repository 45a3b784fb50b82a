import Foundation
import GRDB

/// Rolls a copy of a service database (a snapshot file) forward with change-journal records,
/// without the service: each record is redone on the table it names, whose one-column primary
/// key is read from the file's own schema, and is appended to the copy's journal, so the
/// result continues the same history a live restore would.
///
/// Records are applied in batches, one transaction each; every batch must continue the
/// file's journal exactly (next sequence, commit times never going backwards). The file is a
/// copy being built, so commits are not synced to disk one by one: `close()` syncs it once.
public final class JournalReplay: Sendable {
  /// The journal head of the file: its newest record, or `(0, nil)` for an empty journal.
  public struct Head: Sendable, Equatable {
    public var sequence: Int64
    public var commitTimeMicros: Int64?

    public init(sequence: Int64, commitTimeMicros: Int64?) {
      self.sequence = sequence
      self.commitTimeMicros = commitTimeMicros
    }
  }

  public let file: URL
  private let queue: DatabaseQueue

  /// Opens `file`, which must be a SQLite database with a change journal.
  public init(file: URL) throws {
    self.file = file
    var configuration = Configuration()
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = OFF") }
    do {
      queue = try DatabaseQueue(path: file.path, configuration: configuration)
    } catch {
      throw StoreError.invalidSnapshot("\(file.path) is not a SQLite database: \(error)")
    }
    guard try queue.read({ try $0.tableExists("journal") }) else {
      try? queue.close()
      throw StoreError.invalidSnapshot("\(file.path) has no change journal; it is not a service database")
    }
  }

  public func head() async throws -> Head {
    try await queue.read { db in
      let head = try JournalRecord.head(in: db)
      return Head(sequence: head.sequence, commitTimeMicros: head.commitTimeMicros)
    }
  }

  /// Applies `records` in one transaction and returns the new head. Records at or below the
  /// current head are skipped (a segment may start before the snapshot ends); the others
  /// must follow it without a gap.
  @discardableResult
  public func apply(_ records: [JournalRecord]) async throws -> Head {
    try await queue.write { db in
      var head = try JournalRecord.head(in: db)
      var tables: [String: JournaledTable] = [:]
      for record in records where record.sequence > head.sequence {
        guard record.sequence == head.sequence + 1 else {
          throw StoreError.journalGap(JournalError.gap(expected: head.sequence + 1, found: record.sequence))
        }
        guard record.commitTimeMicros >= (head.commitTimeMicros ?? .min) else {
          throw StoreError.invalidSnapshot(
            "change \(record.sequence) commits at \(record.commitTimeMicros) µs, before its predecessor (\(head.commitTimeMicros ?? 0) µs)")
        }
        let table: JournaledTable
        if let known = tables[record.entity] {
          table = known
        } else {
          table = try Self.journaledTable(record.entity, in: db)
          tables[record.entity] = table
        }
        try table.apply(record, in: db)
        try record.insert(into: db)
        head = (record.sequence, record.commitTimeMicros)
      }
      return Head(sequence: head.sequence, commitTimeMicros: head.commitTimeMicros)
    }
  }

  /// The table a record names, with its primary key from the schema. Only ordinary tables
  /// keyed by one column can be journaled; the journal itself and internal tables cannot.
  private static func journaledTable(_ name: String, in db: Database) throws -> JournaledTable {
    let lowered = name.lowercased()
    guard lowered != "journal", !lowered.hasPrefix("sqlite_"), !lowered.hasPrefix("grdb_"), try db.tableExists(name) else {
      throw StoreError.invalidSnapshot(JournalError.unknownEntity(name).description)
    }
    let columns = try db.primaryKey(name).columns
    guard columns.count == 1 else {
      throw StoreError.invalidSnapshot("table \(name) has a primary key of \(columns.count) columns; journaled tables have one")
    }
    return JournaledTable(name: name, primaryKey: columns[0])
  }

  /// Runs `PRAGMA integrity_check`; returns its findings, empty when the file is sound.
  public func integrityProblems() async throws -> [String] {
    let lines = try await queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    return lines == ["ok"] ? [] : lines
  }

  /// Closes the file and syncs it to disk; call before moving or reading it with another
  /// connection.
  public func close() throws {
    try queue.close()
    let handle = try FileHandle(forUpdating: file)
    defer { try? handle.close() }
    try handle.synchronize()
  }
}
