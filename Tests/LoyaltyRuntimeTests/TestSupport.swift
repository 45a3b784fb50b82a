import Foundation
import GRDB
import Logging
@testable import LoyaltyRuntime

/// A fresh folder under the system temp directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async rethrows -> T {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("loyalty-tests-\(UUID().uuidString)")
  try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: url) }
  return try await body(url)
}

let itemsTable = JournaledTable(name: "items", primaryKey: "id")

let itemMigrations: [ServiceDatabase.Migration] = [
  .init("items-v1") { db in
    try db.execute(sql: "CREATE TABLE items (id TEXT PRIMARY KEY NOT NULL, label TEXT NOT NULL, count INTEGER NOT NULL)")
  }
]

func openItemsDatabase(at url: URL) throws -> ServiceDatabase {
  try ServiceDatabase(
    path: url, migrations: itemMigrations, tables: [itemsTable], durability: .normal,
    logger: Logger(label: "test"))
}

func putItem(_ database: ServiceDatabase, _ id: String, label: String, count: Int64 = 1) async throws {
  try await database.write { _, journal in
    try journal.upsert("items", ["id": id.databaseValue, "label": label.databaseValue, "count": count.databaseValue])
  }
}

func items(_ database: ServiceDatabase) async throws -> [String: String] {
  try await database.read { db in
    Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, label FROM items").map { ($0["id"] as String, $0["label"] as String) })
  }
}

let testSecret = Array("0123456789abcdef0123456789abcdef-test".utf8)
