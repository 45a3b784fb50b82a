import Crypto
import Foundation
import GRDB
import LoyaltyRuntime

/// The logical content of a SQLite database: row counts per table and a SHA-256 over the
/// data, independent of page layout, free space and insertion history, so a restored copy
/// can be compared with the catalog's record of the original.
///
/// Tables are taken in name order, rows in primary-key order (all columns for tables without
/// an explicit key), and each value is encoded with its storage class. SQLite's and GRDB's
/// internal tables, virtual tables and their shadow tables are left out: they are bookkeeping
/// or derived indexes, not content.
public struct DatabaseDigest: Sendable, Hashable, Codable {
  public struct Table: Sendable, Hashable, Codable {
    public var name: String
    public var rowCount: Int64
    /// SHA-256 (lowercase hex) of the table's column names and rows.
    public var sha256: String

    public init(name: String, rowCount: Int64, sha256: String) {
      self.name = name
      self.rowCount = rowCount
      self.sha256 = sha256
    }
  }

  /// In name order.
  public var tables: [Table]
  /// SHA-256 (lowercase hex) over every table's name, row count and digest.
  public var sha256: String

  public init(tables: [Table], sha256: String) {
    self.tables = tables
    self.sha256 = sha256
  }

  public var rowCounts: [String: Int64] {
    Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0.rowCount) })
  }

  /// Reads the database file at `file` (read-only) and digests it.
  public static func compute(file: URL) async throws -> DatabaseDigest {
    var configuration = Configuration()
    configuration.readonly = true
    let queue = try DatabaseQueue(path: file.path, configuration: configuration)
    defer { try? queue.close() }
    return try await queue.read { db in try compute(in: db) }
  }

  public static func compute(in db: Database) throws -> DatabaseDigest {
    var tables: [Table] = []
    for name in try contentTables(in: db) {
      tables.append(try digest(table: name, in: db))
    }
    var overall = CanonicalHasher()
    for table in tables {
      overall.string(table.name)
      overall.integer(table.rowCount)
      overall.string(table.sha256)
    }
    return DatabaseDigest(tables: tables, sha256: overall.finalize())
  }

  /// What differs from `expected`, one line per table; empty when the content is the same.
  public func differences(from expected: DatabaseDigest) -> [String] {
    var lines: [String] = []
    let mine = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
    let theirs = Dictionary(uniqueKeysWithValues: expected.tables.map { ($0.name, $0) })
    for name in Set(mine.keys).union(theirs.keys).sorted() {
      switch (mine[name], theirs[name]) {
      case (nil, let expected?):
        lines.append("table \(name) is missing (expected \(expected.rowCount) rows)")
      case (let actual?, nil):
        lines.append("table \(name) is unexpected (\(actual.rowCount) rows)")
      case (let actual?, let expected?) where actual.rowCount != expected.rowCount:
        lines.append("table \(name) has \(actual.rowCount) rows, expected \(expected.rowCount)")
      case (let actual?, let expected?) where actual.sha256 != expected.sha256:
        lines.append("table \(name) has the expected \(actual.rowCount) rows but different content")
      default:
        break
      }
    }
    return lines
  }

  /// Ordinary tables of the main schema, in byte order of their names.
  static func contentTables(in db: Database) throws -> [String] {
    let names: [String]
    if let listed = try? Row.fetchAll(db, sql: "PRAGMA main.table_list") {
      names = listed.filter { ($0["type"] as String?) == "table" }.map { $0["name"] as String }
    } else {
      // SQLite before 3.37 has no table_list; shadow tables cannot be told apart there.
      names = try String.fetchAll(db, sql: "SELECT name FROM main.sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")
    }
    return names
      .filter { name in
        let lowered = name.lowercased()
        return !lowered.hasPrefix("sqlite_") && !lowered.hasPrefix("grdb_")
      }
      .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  private static func digest(table: String, in db: Database) throws -> Table {
    let columns = try db.columns(in: table).map(\.name)
    let primaryKey = try db.primaryKey(table)
    // A hidden rowid is storage, not content: order such tables by every column instead.
    let ordering = primaryKey.isRowID && primaryKey.rowIDColumn == nil ? columns : primaryKey.columns
    let selected = columns.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
    let order = ordering.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
    var hasher = CanonicalHasher()
    hasher.string(table)
    hasher.integer(Int64(columns.count))
    for column in columns { hasher.string(column) }
    var rowCount: Int64 = 0
    let rows = try Row.fetchCursor(db, sql: "SELECT \(selected) FROM \(table.quotedDatabaseIdentifier) ORDER BY \(order)")
    while let row = try rows.next() {
      for value in row.databaseValues { hasher.value(value) }
      rowCount += 1
    }
    return Table(name: table, rowCount: rowCount, sha256: hasher.finalize())
  }
}

/// SHA-256 over length-prefixed, type-tagged values, buffered so that hashing many small
/// values stays fast.
private struct CanonicalHasher {
  private var sha = SHA256()
  private var buffer: [UInt8] = []

  init() { buffer.reserveCapacity(Self.flushSize + 1024) }

  private static let flushSize = 64 * 1024

  mutating func string(_ text: String) {
    length(text.utf8.count)
    buffer.append(contentsOf: text.utf8)
    flushIfFull()
  }

  mutating func integer(_ value: Int64) {
    withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
  }

  private mutating func length(_ count: Int) { integer(Int64(count)) }

  mutating func value(_ value: DatabaseValue) {
    switch value.storage {
    case .null:
      buffer.append(0)
    case .int64(let integer):
      buffer.append(1)
      self.integer(integer)
    case .double(let real):
      buffer.append(2)
      // -0.0 and 0.0 are equal in SQL.
      withUnsafeBytes(of: (real == 0 ? 0 : real).bitPattern.bigEndian) { buffer.append(contentsOf: $0) }
    case .string(let text):
      buffer.append(3)
      string(text)
    case .blob(let data):
      buffer.append(4)
      length(data.count)
      buffer.append(contentsOf: data)
    }
    flushIfFull()
  }

  private mutating func flushIfFull() {
    if buffer.count >= Self.flushSize {
      sha.update(data: buffer)
      buffer.removeAll(keepingCapacity: true)
    }
  }

  mutating func finalize() -> String {
    sha.update(data: buffer)
    buffer.removeAll()
    return sha.finalize().hexString
  }
}
