import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor with the few blocking operations the targets need; every failure
/// becomes ``StorageError/localFile(path:detail:)`` naming the path and the system error.
/// Call these only from ``BlockingIO``, never directly on the cooperative thread pool.
/// Unchecked `Sendable`: a file is used by one task at a time, handed from step to step.
final class LocalFile: @unchecked Sendable {
  let path: String
  private(set) var descriptor: Int32

  /// The size of the chunks files are streamed in.
  static let chunkSize = 1 << 20

  private init(path: String, descriptor: Int32) {
    self.path = path
    self.descriptor = descriptor
  }

  deinit { if descriptor >= 0 { _ = systemClose(descriptor) } }

  /// Opens an existing file for reading; nil when it does not exist or is not a regular file.
  static func openForReading(_ path: String) throws(StorageError) -> LocalFile? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      let code = errno
      if code == ENOENT || code == ENOTDIR { return nil }
      throw failure(path, "cannot open for reading", code)
    }
    let file = LocalFile(path: path, descriptor: fd)
    guard try file.status().isRegularFile else { return nil }
    return file
  }

  /// Creates a file that must not exist yet.
  static func createExclusively(_ path: String) throws(StorageError) -> LocalFile {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    if fd < 0 { throw failure(path, "cannot create", errno) }
    return LocalFile(path: path, descriptor: fd)
  }

  func status() throws(StorageError) -> FileStatus {
    var info = stat()
    if fstat(descriptor, &info) != 0 { throw Self.failure(path, "cannot read file status", errno) }
    return FileStatus(info)
  }

  /// Reads up to `count` bytes; an empty result means end of file.
  func read(upTo count: Int) throws(StorageError) -> Data {
    var data = Data(count: count)
    let fd = descriptor
    let result = data.withUnsafeMutableBytes { buffer in
      var result: Int
      repeat { result = systemRead(fd, buffer.baseAddress, count) } while result < 0 && errno == EINTR
      return result < 0 ? -Int(errno) : result
    }
    if result < 0 { throw Self.failure(path, "cannot read", Int32(-result)) }
    data.count = result
    return data
  }

  /// Reads exactly `count` bytes starting at `offset`; fails if the file is shorter.
  func read(count: Int, at offset: Int64) throws(StorageError) -> Data {
    var data = Data(count: count)
    let fd = descriptor
    let filled = data.withUnsafeMutableBytes { buffer in
      var filled = 0
      while filled < count {
        let result = pread(fd, buffer.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
        if result < 0 && errno == EINTR { continue }
        if result < 0 { return -Int(errno) }
        if result == 0 { break }
        filled += result
      }
      return filled
    }
    if filled < 0 { throw Self.failure(path, "cannot read", Int32(-filled)) }
    if filled < count {
      throw .localFile(path: path, detail: "the file ended at byte \(offset + Int64(filled)), before byte \(offset + Int64(count))")
    }
    return data
  }

  func write(_ bytes: some ContiguousBytes) throws(StorageError) {
    let fd = descriptor
    let code: Int32 = bytes.withUnsafeBytes { buffer in
      var written = 0
      while written < buffer.count {
        let result = systemWrite(fd, buffer.baseAddress! + written, buffer.count - written)
        if result < 0 && errno == EINTR { continue }
        if result < 0 { return errno }
        written += result
      }
      return 0
    }
    if code != 0 { throw Self.failure(path, "cannot write", code) }
  }

  /// Flushes the file's data and metadata to stable storage.
  func synchronize() throws(StorageError) {
    if fsync(descriptor) != 0 { throw Self.failure(path, "cannot flush to disk", errno) }
  }

  func close() throws(StorageError) {
    let fd = descriptor
    descriptor = -1
    if systemClose(fd) != 0 { throw Self.failure(path, "cannot close", errno) }
  }

  /// Flushes a folder so that a file created, renamed or linked in it survives a crash.
  static func synchronizeFolder(_ path: String) throws(StorageError) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd < 0 { throw failure(path, "cannot open folder", errno) }
    defer { _ = systemClose(fd) }
    if fsync(fd) != 0 && errno != EINVAL { throw failure(path, "cannot flush folder to disk", errno) }
  }

  static func failure(_ path: String, _ action: String, _ code: Int32) -> StorageError {
    .localFile(path: path, detail: "\(action): \(String(cString: strerror(code))) (errno \(code))")
  }
}

/// What `stat` says about a path.
struct FileStatus {
  var isRegularFile: Bool
  var isDirectory: Bool
  var size: Int64
  var modified: Date

  init(_ info: stat) {
    let type = info.st_mode & S_IFMT
    isRegularFile = type == S_IFREG
    isDirectory = type == S_IFDIR
    size = Int64(info.st_size)
    #if canImport(Darwin)
    let time = info.st_mtimespec
    #else
    let time = info.st_mtim
    #endif
    modified = Date(timeIntervalSince1970: TimeInterval(time.tv_sec) + TimeInterval(time.tv_nsec) / 1_000_000_000)
  }

  /// Nil when nothing exists at `path`; symbolic links are not followed.
  static func of(_ path: String) throws(StorageError) -> FileStatus? {
    var info = stat()
    if lstat(path, &info) != 0 {
      let code = errno
      if code == ENOENT || code == ENOTDIR { return nil }
      throw LocalFile.failure(path, "cannot read file status", code)
    }
    return FileStatus(info)
  }
}

// The free functions would be shadowed by the methods of the same name.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
