import BackupCore
import BackupStorage
import Foundation
import GRDB
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Synchronization

/// A fresh folder under the system temp directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("backup-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: url) }
  return try await body(url)
}

/// A storage target held in memory, with ways to damage what it holds.
final class InMemoryTarget: StorageTarget {
  let name: String
  private let objects = Mutex<[String: Data]>([:])

  init(name: String = "memory") {
    self.name = name
  }

  func put(_ key: String, data: Data, ifAbsent: Bool) async throws(StorageError) {
    try objects.withLock { objects throws(StorageError) in
      if ifAbsent, objects[key] != nil { throw .alreadyExists(target: name, key: key) }
      objects[key] = data
    }
  }

  func putFile(_ key: String, from file: URL, ifAbsent: Bool) async throws(StorageError) {
    let data: Data
    do {
      data = try Data(contentsOf: file)
    } catch {
      throw .localFile(path: file.path, detail: "\(error)")
    }
    try await put(key, data: data, ifAbsent: ifAbsent)
  }

  func get(_ key: String) async throws(StorageError) -> Data {
    guard let data = objects.withLock({ $0[key] }) else { throw .notFound(target: name, key: key) }
    return data
  }

  func getFile(_ key: String, to file: URL) async throws(StorageError) {
    let data = try await get(key)
    do {
      try data.write(to: file)
    } catch {
      throw .localFile(path: file.path, detail: "\(error)")
    }
  }

  func head(_ key: String) async throws(StorageError) -> StoredObject? {
    objects.withLock { $0[key] }.map { StoredObject(key: key, size: Int64($0.count)) }
  }

  func list(prefix: String) async throws(StorageError) -> [StoredObject] {
    objects.withLock { objects in
      objects.filter { $0.key.hasPrefix(prefix) }.map { StoredObject(key: $0.key, size: Int64($0.value.count)) }
    }.sorted { $0.key < $1.key }
  }

  func delete(_ key: String) async throws(StorageError) {
    _ = objects.withLock { $0.removeValue(forKey: key) }
  }

  // MARK: Test helpers

  var keys: [String] { objects.withLock { $0.keys.sorted() } }

  var allObjects: [String: Data] { objects.withLock { $0 } }

  /// Flips the bits of one byte in the middle of an object.
  func flipByte(of key: String) {
    objects.withLock { objects in
      guard var data = objects[key], !data.isEmpty else { return }
      let index = data.startIndex + data.count / 2
      data[index] ^= 0xff
      objects[key] = data
    }
  }

  func replace(_ key: String, with data: Data) {
    objects.withLock { $0[key] = data }
  }
}

let testLogger = Logger(label: "backup-tests", factory: { _ in SwiftLogNoOpLogHandler() })

func makeSealer(chunkSize: Int = ObjectSealer.defaultChunkSize) -> ObjectSealer {
  ObjectSealer(key: BackupKey.generate(), chunkSize: chunkSize)
}

// MARK: A small journaled service database

let itemsTable = JournaledTable(name: "items", primaryKey: "id")

let itemMigrations: [ServiceDatabase.Migration] = [
  .init("items-v1") { db in
    try db.execute(sql: "CREATE TABLE items (id TEXT PRIMARY KEY NOT NULL, label TEXT NOT NULL, count INTEGER NOT NULL)")
  }
]

func openItemsDatabase(at url: URL) throws -> ServiceDatabase {
  try ServiceDatabase(path: url, migrations: itemMigrations, tables: [itemsTable], durability: .normal, logger: testLogger)
}

struct Item: Hashable, Sendable {
  var label: String
  var count: Int64
}

func itemRow(_ id: String, _ item: Item) -> [String: DatabaseValue] {
  ["id": id.databaseValue, "label": item.label.databaseValue, "count": item.count.databaseValue]
}

/// Every item of a database file or connection, by id.
func items(in db: Database) throws -> [String: Item] {
  Dictionary(
    uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, label, count FROM items").map {
      ($0["id"] as String, Item(label: $0["label"], count: $0["count"]))
    })
}

func items(ofFile url: URL) throws -> [String: Item] {
  let queue = try DatabaseQueue(path: url.path)
  defer { try? queue.close() }
  return try queue.read { try items(in: $0) }
}

func changeRecord(seq: Int64, micros: Int64, key: String = "k") -> Loyalty_Replication_V1_ChangeRecord {
  .with {
    $0.seq = seq
    $0.commitTime = .init(micros: micros)
    $0.entity = "items"
    $0.key = key
    $0.operation = .upsert
    $0.value = Data(#"{"count":1,"id":"\#(key)","label":"x"}"#.utf8)
  }
}

extension Data {
  func contains(_ needle: Data) -> Bool { range(of: needle) != nil }
}
