import BackupStorage
import Crypto
import Foundation
import LoyaltyRuntime

public enum FileSHA256 {
  /// Lowercase hex SHA-256 of a file, read in 1 MiB chunks.
  public static func of(_ file: URL) throws -> String {
    let handle = try FileHandle(forReadingFrom: file)
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
      hasher.update(data: chunk)
    }
    return hasher.finalize().hexString
  }

  /// `of(_:)` off the cooperative pool, for files that may be large.
  public static func computed(for file: URL) async throws -> String {
    try await BlockingIO.run { try of(file) }
  }
}
