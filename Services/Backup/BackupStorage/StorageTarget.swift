import Foundation

/// Where backup objects live: a local directory or an S3-compatible object store. Keys are
/// `/`-separated paths of printable ASCII (no `..`, no leading `/`). Objects are written whole
/// and never modified in place; a conditional write (`ifAbsent`) fails when the key exists,
/// so two writers can never overwrite each other's object.
public protocol StorageTarget: Sendable {
  /// A name for messages and metrics, e.g. "primary", "dr", "cold".
  var name: String { get }

  func put(_ key: String, data: Data, ifAbsent: Bool) async throws(StorageError)
  /// Uploads a file (multipart when large), without holding it in memory.
  func putFile(_ key: String, from file: URL, ifAbsent: Bool) async throws(StorageError)
  /// Stores a file that the caller will not change afterwards (it may delete it). A target
  /// that keeps objects as local files may take the file itself instead of copying it.
  func adoptFile(_ key: String, from file: URL, ifAbsent: Bool) async throws(StorageError)
  func get(_ key: String) async throws(StorageError) -> Data
  /// Downloads an object into a file, without holding it in memory.
  func getFile(_ key: String, to file: URL) async throws(StorageError)
  /// Nil when the object does not exist.
  func head(_ key: String) async throws(StorageError) -> StoredObject?
  /// Every object whose key starts with `prefix`, in key order.
  func list(prefix: String) async throws(StorageError) -> [StoredObject]
  /// Deleting a missing object is not an error.
  func delete(_ key: String) async throws(StorageError)
  /// The object as a file on this machine that may be read in place, when the target keeps
  /// its objects in local files; nil otherwise or when the object does not exist.
  func localFile(for key: String) async throws(StorageError) -> URL?
}

extension StorageTarget {
  public func localFile(for key: String) async throws(StorageError) -> URL? { nil }

  public func adoptFile(_ key: String, from file: URL, ifAbsent: Bool) async throws(StorageError) {
    try await putFile(key, from: file, ifAbsent: ifAbsent)
  }
}

public struct StoredObject: Sendable, Hashable {
  public var key: String
  public var size: Int64
  public var lastModified: Date?

  public init(key: String, size: Int64, lastModified: Date? = nil) {
    self.key = key
    self.size = size
    self.lastModified = lastModified
  }
}

public enum StorageError: Error, Equatable, CustomStringConvertible {
  case notFound(target: String, key: String)
  case alreadyExists(target: String, key: String)
  case invalidKey(String, reason: String)
  /// The target did not answer or answered with a server error; worth retrying later.
  case unavailable(target: String, detail: String)
  /// The target refused the request (credentials, permissions, bad request).
  case refused(target: String, status: Int, detail: String)
  case localFile(path: String, detail: String)

  public var description: String {
    switch self {
    case .notFound(let target, let key): "\(target): no object '\(key)'"
    case .alreadyExists(let target, let key): "\(target): object '\(key)' already exists"
    case .invalidKey(let key, let reason): "invalid object key '\(key)': \(reason)"
    case .unavailable(let target, let detail): "\(target) is unavailable: \(detail)"
    case .refused(let target, let status, let detail): "\(target) refused the request (HTTP \(status)): \(detail)"
    case .localFile(let path, let detail): "\(path): \(detail)"
    }
  }
}
