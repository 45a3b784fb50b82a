import BackupStorage
import Foundation

/// A view of several storage targets as one for reading: an object is read from the first
/// target that holds it, so restores keep working while objects move from a hot target to a
/// cold one (`LifecycleRules`). Writes go to the first target; deletes go to all of them.
public struct FallbackReadTarget: StorageTarget {
  public let layers: [any StorageTarget]
  public let name: String

  /// - Parameter layers: the targets in reading order, at least one.
  public init(_ first: any StorageTarget, _ others: any StorageTarget...) {
    layers = [first] + others
    name = layers.map(\.name).joined(separator: "+")
  }

  public func put(_ key: String, data: Data, ifAbsent: Bool) async throws(StorageError) {
    try await layers[0].put(key, data: data, ifAbsent: ifAbsent)
  }

  public func putFile(_ key: String, from file: URL, ifAbsent: Bool) async throws(StorageError) {
    try await layers[0].putFile(key, from: file, ifAbsent: ifAbsent)
  }

  public func adoptFile(_ key: String, from file: URL, ifAbsent: Bool) async throws(StorageError) {
    try await layers[0].adoptFile(key, from: file, ifAbsent: ifAbsent)
  }

  public func get(_ key: String) async throws(StorageError) -> Data {
    for layer in layers.dropLast() {
      do {
        return try await layer.get(key)
      } catch .notFound {
        continue
      }
    }
    return try await layers[layers.count - 1].get(key)
  }

  public func getFile(_ key: String, to file: URL) async throws(StorageError) {
    for layer in layers.dropLast() {
      do {
        return try await layer.getFile(key, to: file)
      } catch .notFound {
        continue
      }
    }
    try await layers[layers.count - 1].getFile(key, to: file)
  }

  public func head(_ key: String) async throws(StorageError) -> StoredObject? {
    for layer in layers {
      if let object = try await layer.head(key) { return object }
    }
    return nil
  }

  public func list(prefix: String) async throws(StorageError) -> [StoredObject] {
    var byKey: [String: StoredObject] = [:]
    for layer in layers.reversed() {
      for object in try await layer.list(prefix: prefix) { byKey[object.key] = object }
    }
    return byKey.values.sorted { $0.key < $1.key }
  }

  public func localFile(for key: String) async throws(StorageError) -> URL? {
    for layer in layers {
      if let file = try await layer.localFile(for: key) { return file }
      if try await layer.head(key) != nil { return nil }
    }
    return nil
  }

  public func delete(_ key: String) async throws(StorageError) {
    for layer in layers { try await layer.delete(key) }
  }
}
