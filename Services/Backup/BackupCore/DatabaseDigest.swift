import Crypto
import Foundation
import GRDB
import GRDBSQLite
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
    // Straight from SQLite's column buffers: no String or Data per value.
    let statement = try db.makeStatement(sql: "SELECT \(selected) FROM \(table.quotedDatabaseIdentifier) ORDER BY \(order)")
    let raw = statement.sqliteStatement
    let columnCount = sqlite3_column_count(raw)
    while true {
      let code = sqlite3_step(raw)
      if code == SQLITE_DONE { break }
      guard code == SQLITE_ROW else {
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
      }
      for index in 0..<columnCount {
        switch sqlite3_column_type(raw, index) {
        case SQLITE_NULL:
          hasher.null()
        case SQLITE_INTEGER:
          hasher.tagged(integer: sqlite3_column_int64(raw, index))
        case SQLITE_FLOAT:
          hasher.tagged(real: sqlite3_column_double(raw, index))
        case SQLITE_TEXT:
          let bytes = UnsafeRawBufferPointer(start: sqlite3_column_text(raw, index), count: Int(sqlite3_column_bytes(raw, index)))
          hasher.tagged(text: bytes)
        default:
          let bytes = UnsafeRawBufferPointer(start: sqlite3_column_blob(raw, index), count: Int(sqlite3_column_bytes(raw, index)))
          hasher.tagged(blob: bytes)
        }
      }
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

  mutating func null() {
    buffer.append(0)
    flushIfFull()
  }

  mutating func tagged(integer value: Int64) {
    buffer.append(1)
    integer(value)
    flushIfFull()
  }

  mutating func tagged(real value: Double) {
    buffer.append(2)
    // -0.0 and 0.0 are equal in SQL.
    withUnsafeBytes(of: (value == 0 ? 0 : value).bitPattern.bigEndian) { buffer.append(contentsOf: $0) }
    flushIfFull()
  }

  /// UTF-8 text as SQLite stores it.
  mutating func tagged(text bytes: UnsafeRawBufferPointer) {
    buffer.append(3)
    lengthPrefixed(bytes)
  }

  mutating func tagged(blob bytes: UnsafeRawBufferPointer) {
    buffer.append(4)
    lengthPrefixed(bytes)
  }

  private mutating func lengthPrefixed(_ bytes: UnsafeRawBufferPointer) {
    length(bytes.count)
    if bytes.count >= Self.flushSize {
      sha.update(data: buffer)
      buffer.removeAll(keepingCapacity: true)
      sha.update(bufferPointer: bytes)
    } else {
      buffer.append(contentsOf: bytes)
      flushIfFull()
    }
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
