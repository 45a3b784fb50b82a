import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written under a temporary name in its destination's folder and moved into place
/// only once complete and flushed, so that readers see either nothing or the whole file, and
/// a crash leaves at most a stray temporary file, never a truncated destination.
///
/// Temporary names start with ``namePrefix``, which contains a non-ASCII character and is
/// therefore never a valid object key segment: listings skip them and no key can collide.
/// Unchecked `Sendable` for the same reason as ``LocalFile``.
final class StagedFile: @unchecked Sendable {
  static let namePrefix = ".partial\u{B7}"

  let destination: String
  let folder: String
  let file: LocalFile
  private var finished = false

  enum Outcome { case stored, destinationExists }

  private init(destination: String, folder: String, file: LocalFile) {
    self.destination = destination
    self.folder = folder
    self.file = file
  }

  deinit { if !finished { discard() } }

  /// Starts a file that will become `destination`. With `createFolders`, missing folders on
  /// the way are created (and re-created if a concurrent delete removes them meanwhile).
  static func begin(destination: String, createFolders: Bool) throws(StorageError) -> StagedFile {
    let folder = (destination as NSString).deletingLastPathComponent
    var attempts = 0
    while true {
      attempts += 1
      if createFolders { try makeFolders(folder) }
      let temporary = "\(folder)/\(namePrefix)\(UUID().uuidString)"
      do throws(StorageError) {
        return StagedFile(destination: destination, folder: folder, file: try LocalFile.createExclusively(temporary))
      } catch {
        // A delete may remove the (momentarily empty) folder between its creation and ours.
        if createFolders && attempts < 5, (try? FileStatus.of(folder)) == nil { continue }
        throw error
      }
    }
  }

  /// Flushes the file and moves it into place: replacing whatever is at the destination, or,
  /// with `replacing: false`, only if nothing is there. The second uses link(2), which fails
  /// atomically when the destination exists, so of many concurrent writers exactly one wins.
  func commit(replacing: Bool) throws(StorageError) -> Outcome {
    try file.synchronize()
    try file.close()
    defer { finished = true }
    let temporary = file.path
    if replacing {
      if rename(temporary, destination) != 0 {
        let code = errno
        unlink(temporary)
        throw LocalFile.failure(destination, "cannot move the new file into place", code)
      }
    } else {
      let result = link(temporary, destination)
      let code = errno
      unlink(temporary)
      if result != 0 {
        if code == EEXIST { return .destinationExists }
        if code == EPERM || code == ENOTSUP || code == EOPNOTSUPP {
          throw LocalFile.failure(
            destination, "conditional writes need hard links (link(2)), which this file system refused", code)
        }
        throw LocalFile.failure(destination, "cannot link the new file into place", code)
      }
    }
    try LocalFile.synchronizeFolder(folder)
    return .stored
  }

  /// Removes the temporary file; the destination is left untouched.
  func discard() {
    finished = true
    let temporary = file.path
    if file.descriptor >= 0 { try? file.close() }
    unlink(temporary)
  }

  /// `mkdir -p`.
  static func makeFolders(_ path: String) throws(StorageError) {
    if let status = try FileStatus.of(path) {
      if status.isDirectory { return }
      throw StorageError.localFile(path: path, detail: "is a file, not a folder")
    }
    let parent = (path as NSString).deletingLastPathComponent
    if !parent.isEmpty && parent != path { try makeFolders(parent) }
    if mkdir(path, 0o755) != 0 && errno != EEXIST {
      throw LocalFile.failure(path, "cannot create folder", errno)
    }
  }
}
