import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The default storage target: every object is a file below a root folder, at the path its
/// key names (`services/profile/segments/…` is `<root>/services/profile/segments/…`).
///
/// - Writes go to a temporary file in the destination's folder, are flushed with fsync and
///   then renamed into place, so an object is either absent or complete, even after a crash.
/// - Conditional writes (`ifAbsent`) link the finished file into place with link(2), which
///   fails when the key exists: of any number of concurrent writers exactly one wins.
/// - Files are streamed in 1 MiB chunks; `putFile` and `getFile` never hold a whole object.
/// - Deleting an object also removes the folders it leaves empty, up to (not including) the root.
/// - A key cannot be both an object and a folder of objects here (S3 allows `a` next to
///   `a/b`); such a write fails with ``StorageError/invalidKey(_:reason:)``.
///
/// The root folder is created on the first write; reading from a missing root finds nothing.
public struct DirectoryTarget: StorageTarget {
  public let name: String
  public let root: URL
  private let rootPath: String

  public init(name: String = "local", root: URL) {
    self.name = name
    self.root = root.standardizedFileURL
    var path = self.root.path
    while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    self.rootPath = path
  }

  /// The file that holds the object `key` (which must be valid).
  public func path(for key: String) -> String { "\(rootPath)/\(key)" }

  public func put(_ key: String, data: Data, ifAbsent: Bool) async throws(StorageError) {
    try ObjectKey.validate(key)
    try await store(key, ifAbsent: ifAbsent, source: nil) { staged throws(StorageError) in try staged.write(data) }
  }

  public func putFile(_ key: String, from file: URL, ifAbsent: Bool) async throws(StorageError) {
    try ObjectKey.validate(key)
    try await store(key, ifAbsent: ifAbsent, source: file.path) { staged throws(StorageError) in
      guard let source = try LocalFile.openForReading(file.path) else {
        throw .localFile(path: file.path, detail: "no such file to upload")
      }
      try Self.copy(from: source, to: staged)
    }
  }

  /// Takes the file with a hard link when it is on the same file system (after flushing it),
  /// and copies it otherwise.
  public func adoptFile(_ key: String, from file: URL, ifAbsent: Bool) async throws(StorageError) {
    try ObjectKey.validate(key)
    let destination = path(for: key)
    let name = self.name
    let linked = try await BlockingIO.run { () throws(StorageError) -> Bool in
      guard let source = try LocalFile.openForReading(file.path) else {
        throw .localFile(path: file.path, detail: "no such file to upload")
      }
      try source.synchronize()
      try source.close()
      let folder = (destination as NSString).deletingLastPathComponent
      try StagedFile.makeFolders(folder)
      let temporary = "\(folder)/\(StagedFile.namePrefix)\(UUID().uuidString)"
      guard link(file.path, temporary) == 0 else {
        let code = errno
        if code == EXDEV || code == EPERM || code == ENOTSUP || code == EOPNOTSUPP || code == EMLINK { return false }
        throw LocalFile.failure(temporary, "cannot link the file into the target", code)
      }
      defer { unlink(temporary) }
      if ifAbsent {
        guard link(temporary, destination) == 0 else {
          let code = errno
          if code == EEXIST { throw .alreadyExists(target: name, key: key) }
          throw LocalFile.failure(destination, "cannot link the new file into place", code)
        }
      } else if rename(temporary, destination) != 0 {
        throw LocalFile.failure(destination, "cannot move the new file into place", errno)
      }
      try LocalFile.synchronizeFolder(folder)
      return true
    }
    if !linked { try await putFile(key, from: file, ifAbsent: ifAbsent) }
  }

  public func localFile(for key: String) async throws(StorageError) -> URL? {
    try ObjectKey.validate(key)
    let path = path(for: key)
    return try FileStatus.of(path)?.isRegularFile == true ? URL(fileURLWithPath: path) : nil
  }

  public func get(_ key: String) async throws(StorageError) -> Data {
    try ObjectKey.validate(key)
    let path = path(for: key)
    let name = self.name
    return try await BlockingIO.run { () throws(StorageError) in
      guard let file = try LocalFile.openForReading(path) else { throw .notFound(target: name, key: key) }
      var data = Data(capacity: Int(try file.status().size))
      while true {
        let chunk = try file.read(upTo: LocalFile.chunkSize)
        if chunk.isEmpty { break }
        data.append(chunk)
      }
      return data
    }
  }

  /// Creates the destination's missing folders; replaces an existing file at `file` only once
  /// the whole object has been copied.
  public func getFile(_ key: String, to file: URL) async throws(StorageError) {
    try ObjectKey.validate(key)
    let path = path(for: key)
    let name = self.name
    try await BlockingIO.run { () throws(StorageError) in
      guard let source = try LocalFile.openForReading(path) else { throw .notFound(target: name, key: key) }
      let staged = try StagedFile.begin(destination: file.path, createFolders: true)
      try Self.copy(from: source, to: staged.file)
      _ = try staged.commit(replacing: true)
    }
  }

  public func head(_ key: String) async throws(StorageError) -> StoredObject? {
    try ObjectKey.validate(key)
    let path = path(for: key)
    return try await BlockingIO.run { () throws(StorageError) in
      guard let status = try FileStatus.of(path), status.isRegularFile else { return nil }
      return StoredObject(key: key, size: status.size, lastModified: status.modified)
    }
  }

  public func list(prefix: String) async throws(StorageError) -> [StoredObject] {
    try ObjectKey.validatePrefix(prefix)
    let root = rootPath
    return try await BlockingIO.run { () throws(StorageError) in
      // Only the folder named by the prefix up to its last '/' can hold matching objects.
      let folderKey = prefix.lastIndex(of: "/").map { String(prefix[...$0]) } ?? ""
      var found: [StoredObject] = []
      try Self.collect(root: root, folderKey: folderKey, prefix: prefix, into: &found)
      // Byte order, as S3 lists: sorting per folder would put "a/b" before "a-b".
      return found.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }
  }

  public func delete(_ key: String) async throws(StorageError) {
    try ObjectKey.validate(key)
    let path = path(for: key)
    let root = rootPath
    try await BlockingIO.run { () throws(StorageError) in
      if unlink(path) != 0 {
        let code = errno
        // Missing, or a folder of other objects: either way there is no object to delete.
        if code == ENOENT || code == ENOTDIR { return }
        if code == EISDIR || code == EPERM, let status = try FileStatus.of(path), status.isDirectory { return }
        throw LocalFile.failure(path, "cannot delete", code)
      }
      var folder = (path as NSString).deletingLastPathComponent
      while folder.count > root.count && folder.hasPrefix(root + "/") {
        // Fails (and stops) as soon as a folder still holds something.
        if rmdir(folder) != 0 { break }
        folder = (folder as NSString).deletingLastPathComponent
      }
    }
  }

  private func store(
    _ key: String, ifAbsent: Bool, source: String?,
    fill: @escaping @Sendable (LocalFile) throws(StorageError) -> Void
  ) async throws(StorageError) {
    let destination = path(for: key)
    let (name, root) = (self.name, rootPath)
    try await BlockingIO.run { () throws(StorageError) in
      if let source, try FileStatus.of(source) == nil {
        throw .localFile(path: source, detail: "no such file to upload")
      }
      if let status = try FileStatus.of(destination), status.isDirectory {
        throw .invalidKey(key, reason: "it is a folder of other objects in the directory target '\(name)'")
      }
      let staged: StagedFile
      do throws(StorageError) {
        staged = try StagedFile.begin(destination: destination, createFolders: true)
      } catch {
        throw Self.objectAncestor(of: key, root: root).map {
          .invalidKey(key, reason: "'\($0)' is an object, so it cannot also be a folder in the directory target '\(name)'")
        } ?? error
      }
      try fill(staged.file)
      switch try staged.commit(replacing: !ifAbsent) {
      case .stored: return
      case .destinationExists: throw .alreadyExists(target: name, key: key)
      }
    }
  }

  private static func copy(from source: LocalFile, to destination: LocalFile) throws(StorageError) {
    while true {
      let chunk = try source.read(upTo: LocalFile.chunkSize)
      if chunk.isEmpty { return }
      try destination.write(chunk)
    }
  }

  /// The first proper prefix of `key` that is stored as a file, if any.
  private static func objectAncestor(of key: String, root: String) -> String? {
    let segments = key.split(separator: "/")
    for count in 1..<max(segments.count, 1) {
      let ancestor = segments[..<count].joined(separator: "/")
      if let status = try? FileStatus.of("\(root)/\(ancestor)"), status.isRegularFile { return ancestor }
    }
    return nil
  }

  /// Adds every object below the folder `folderKey` (empty or ending in '/') whose key starts
  /// with `prefix`. Names that are not valid key segments (temporary files) are skipped.
  private static func collect(root: String, folderKey: String, prefix: String, into found: inout [StoredObject])
    throws(StorageError)
  {
    let folder = folderKey.isEmpty ? root : "\(root)/\(folderKey.dropLast())"
    guard let names = try entries(of: folder) else { return }
    for name in names {
      guard name.utf8.allSatisfy(ObjectKey.isPrintableASCII) else { continue }
      let key = folderKey + name
      // Only keys that start with the prefix, or folders that can still lead to one.
      guard key.hasPrefix(prefix) || prefix.hasPrefix(key + "/") else { continue }
      guard let status = try FileStatus.of("\(root)/\(key)") else { continue }
      if status.isDirectory {
        try collect(root: root, folderKey: key + "/", prefix: prefix, into: &found)
      } else if status.isRegularFile, ObjectKey.isValid(key) {
        found.append(StoredObject(key: key, size: status.size, lastModified: status.modified))
      }
    }
  }

  /// The names in a folder, or nil when it does not exist.
  private static func entries(of folder: String) throws(StorageError) -> [String]? {
    guard let stream = opendir(folder) else {
      let code = errno
      if code == ENOENT || code == ENOTDIR { return nil }
      throw LocalFile.failure(folder, "cannot list folder", code)
    }
    defer { closedir(stream) }
    var names: [String] = []
    while true {
      errno = 0
      guard let entry = readdir(stream) else {
        if errno != 0 { throw LocalFile.failure(folder, "cannot list folder", errno) }
        return names
      }
      let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
        String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
  }
}
