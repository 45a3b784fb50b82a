import Foundation
import GRDB

/// A table whose every change goes through the change journal. Rows are written whole, keyed
/// by one text primary-key column, so a journal record alone can redo the change.
public struct JournaledTable: Sendable, Hashable {
  public var name: String
  public var primaryKey: String

  public init(name: String, primaryKey: String) {
    self.name = name
    self.primaryKey = primaryKey
  }

  /// Writes `row` (every column) and returns its journal value.
  func upsert(_ row: [String: DatabaseValue], in db: Database) throws -> Data {
    let columns = row.keys.sorted()
    let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
    let quoted = columns.map { $0.sqlQuotedIdentifier }.joined(separator: ", ")
    try db.execute(
      sql: "INSERT OR REPLACE INTO \(name.sqlQuotedIdentifier) (\(quoted)) VALUES (\(placeholders))",
      arguments: StatementArguments(columns.map { row[$0]! }))
    return try RowCoding.encode(row)
  }

  func delete(key: String, in db: Database) throws {
    try db.execute(
      sql: "DELETE FROM \(name.sqlQuotedIdentifier) WHERE \(primaryKey.sqlQuotedIdentifier) = ?",
      arguments: [key])
  }

  /// Redoes a journal record against this table. Records come from restore requests, so
  /// every column must be one the table has.
  func apply(_ record: JournalRecord, in db: Database) throws {
    switch record.operation {
    case .upsert:
      let row = try RowCoding.decode(record.value)
      let columns = Set(try db.columns(in: name).map(\.name))
      if let unknown = row.keys.first(where: { !columns.contains($0) }) {
        throw JournalError.invalidValue("row of seq \(record.sequence) has no column '\(unknown)' in \(name)")
      }
      guard case .string(let key)? = row[primaryKey]?.storage, key == record.key else {
        throw JournalError.invalidValue("row of seq \(record.sequence) does not carry key '\(record.key)'")
      }
      _ = try upsert(row, in: db)
    case .delete:
      try delete(key: record.key, in: db)
    }
  }
}

/// JSON for a row of column values: text, integers, reals and null as themselves; blobs as
/// `{"base64": "..."}`.
enum RowCoding {
  private enum Column: Codable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    private struct Blob: Codable { var base64: String }

    init(_ value: DatabaseValue) {
      switch value.storage {
      case .null: self = .null
      case .int64(let integer): self = .integer(integer)
      case .double(let real): self = .real(real)
      case .string(let text): self = .text(text)
      case .blob(let data): self = .blob(data)
      }
    }

    var databaseValue: DatabaseValue {
      switch self {
      case .null: .null
      case .integer(let integer): integer.databaseValue
      case .real(let real): real.databaseValue
      case .text(let text): text.databaseValue
      case .blob(let data): data.databaseValue
      }
    }

    init(from decoder: any Decoder) throws {
      let container = try decoder.singleValueContainer()
      if container.decodeNil() {
        self = .null
      } else if let integer = try? container.decode(Int64.self) {
        self = .integer(integer)
      } else if let real = try? container.decode(Double.self) {
        self = .real(real)
      } else if let text = try? container.decode(String.self) {
        self = .text(text)
      } else {
        let blob = try container.decode(Blob.self)
        guard let data = Data(base64Encoded: blob.base64) else {
          throw JournalError.invalidValue("a blob column is not valid base64")
        }
        self = .blob(data)
      }
    }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.singleValueContainer()
      switch self {
      case .null: try container.encodeNil()
      case .integer(let integer): try container.encode(integer)
      case .real(let real): try container.encode(real)
      case .text(let text): try container.encode(text)
      case .blob(let data): try container.encode(Blob(base64: data.base64EncodedString()))
      }
    }
  }

  static func encode(_ row: [String: DatabaseValue]) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(row.mapValues(Column.init))
  }

  static func decode(_ data: Data) throws -> [String: DatabaseValue] {
    do {
      return try JSONDecoder().decode([String: Column].self, from: data).mapValues(\.databaseValue)
    } catch let error as JournalError {
      throw error
    } catch {
      throw JournalError.invalidValue("not a JSON object of column values")
    }
  }
}

extension String {
  /// The name as an SQL identifier, with embedded double quotes doubled.
  var sqlQuotedIdentifier: String {
    "\"" + replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}
