import BackupStorage
import Foundation

/// Reads a file in pieces of the requested size (shorter only at the end).
final class FileReader {
  private let handle: FileHandle
  private let path: String

  init(_ url: URL) throws(StorageError) {
    path = url.path
    do {
      handle = try FileHandle(forReadingFrom: url)
    } catch {
      throw .localFile(path: url.path, detail: "cannot open for reading: \(error.localizedDescription)")
    }
  }

  func read(_ count: Int) throws(StorageError) -> Data {
    var data = Data()
    do {
      while data.count < count, let piece = try handle.read(upToCount: count - data.count), !piece.isEmpty {
        data.append(piece)
      }
    } catch {
      throw .localFile(path: path, detail: "read failed: \(error.localizedDescription)")
    }
    return data
  }

  func readToEnd() throws(StorageError) -> Data {
    do {
      return try handle.readToEnd() ?? Data()
    } catch {
      throw .localFile(path: path, detail: "read failed: \(error.localizedDescription)")
    }
  }

  func close() { try? handle.close() }
}

/// Writes a new file; `finish` flushes it to disk, `abandon` removes what was written.
final class FileWriter {
  private let handle: FileHandle
  private let url: URL
  private(set) var written: Int64 = 0

  init(_ url: URL) throws(StorageError) {
    self.url = url
    try? FileManager.default.removeItem(at: url)
    guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
      throw .localFile(path: url.path, detail: "cannot create the file")
    }
    do {
      handle = try FileHandle(forWritingTo: url)
    } catch {
      throw .localFile(path: url.path, detail: "cannot open for writing: \(error.localizedDescription)")
    }
  }

  func write(_ data: Data) throws(StorageError) {
    do {
      try handle.write(contentsOf: data)
      written += Int64(data.count)
    } catch {
      throw .localFile(path: url.path, detail: "write failed: \(error.localizedDescription)")
    }
  }

  func finish() throws(StorageError) {
    do {
      try handle.synchronize()
      try handle.close()
    } catch {
      throw .localFile(path: url.path, detail: "cannot flush to disk: \(error.localizedDescription)")
    }
  }

  func abandon() {
    try? handle.close()
    try? FileManager.default.removeItem(at: url)
  }
}
