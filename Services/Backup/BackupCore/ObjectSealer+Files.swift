import BackupStorage
import Crypto
import Foundation
import LoyaltyRuntime

extension ObjectSealer {
  /// Seals the file at `source` into `destination` in chunks of `chunkSize`, reading and
  /// writing one chunk at a time. The destination is replaced if it exists.
  public func sealFile(_ source: URL, to destination: URL) throws -> SealedFile {
    let input = try FileReader(source)
    defer { input.close() }
    let output = try FileWriter(destination)
    do {
      let header = SealedHeader(layout: .chunked, keyID: key.id, parameters: ChunkCipher.newParameters(chunkSize: chunkSize))
      let cipher = try ChunkCipher(key: key.symmetricKey, header: header, object: destination.path)
      var hasher = SHA256()
      let headerBytes = header.bytes
      hasher.update(data: headerBytes)
      try output.write(headerBytes)
      var plaintextSize: Int64 = 0
      var index: UInt32 = 0
      var current = try input.read(chunkSize)
      while true {
        // A full chunk may be the last one; only reading on tells.
        let next = current.count == chunkSize ? try input.read(chunkSize) : Data()
        let last = next.isEmpty
        let sealed = try cipher.seal(current, index: index, last: last)
        hasher.update(data: sealed)
        try output.write(sealed)
        plaintextSize += Int64(current.count)
        if last { break }
        guard index < UInt32.max else {
          throw StorageError.localFile(path: source.path, detail: "too large to seal")
        }
        current = next
        index += 1
      }
      try output.finish()
      return SealedFile(
        url: destination, sealedSize: output.written, plaintextSize: plaintextSize, sha256: hasher.finalize().hexString)
    } catch {
      output.abandon()
      throw error
    }
  }

  /// Verifies and decrypts the sealed file at `source` into `destination`, one chunk at a
  /// time. The whole file is always hashed, so a checksum mismatch is reported in preference
  /// to the decryption failure it causes. On any failure the destination is removed.
  ///
  /// - Throws: as `open(_:expectedSHA256:object:)`.
  public func openFile(_ source: URL, expectedSHA256: String?, object: String, to destination: URL) throws {
    let input = try FileReader(source)
    defer { input.close() }
    let output = try FileWriter(destination)
    do {
      var hasher = SHA256()
      let headerBytes = try input.read(SealedHeader.size)
      hasher.update(data: headerBytes)
      var failure: (any Error)?
      var header: SealedHeader?
      do {
        header = try SealedHeader(parsing: headerBytes, object: object)
        try header?.requireKey(key, object: object)
      } catch {
        failure = error
      }
      if failure == nil, let header, header.layout == .whole {
        // Whole objects are small: `open` checks the checksum and decrypts in memory.
        let plaintext = try open(headerBytes + (try input.readToEnd()), expectedSHA256: expectedSHA256, object: object)
        try output.write(plaintext)
        try output.finish()
        return
      }
      var cipher: ChunkCipher?
      if failure == nil, let header {
        do {
          cipher = try ChunkCipher(key: key.symmetricKey, header: header, object: object)
        } catch {
          failure = error
        }
      }
      // Chunks are read whole when the header is sound; otherwise only hashed, 1 MiB at a time.
      let pieceSize = cipher?.sealedChunkSize ?? ObjectSealer.defaultChunkSize
      var index: UInt32 = 0
      var current = try input.read(pieceSize)
      while true {
        let next = current.count == pieceSize ? try input.read(pieceSize) : Data()
        let last = next.isEmpty
        hasher.update(data: current)
        if failure == nil, let cipher {
          do {
            try output.write(try cipher.open(current, index: index, last: last, object: object))
          } catch {
            failure = error
          }
        }
        if last { break }
        current = next
        index &+= 1
      }
      let actual = hasher.finalize().hexString
      if let expectedSHA256, actual != expectedSHA256.lowercased() {
        throw BackupIntegrityError.checksumMismatch(object: object, expected: expectedSHA256, actual: actual)
      }
      if let failure { throw failure }
      try output.finish()
    } catch {
      output.abandon()
      throw error
    }
  }
}

/// A file sealed by `ObjectSealer.sealFile`.
public struct SealedFile: Sendable {
  public var url: URL
  public var sealedSize: Int64
  public var plaintextSize: Int64
  /// SHA-256 of the sealed bytes (lowercase hex), for the catalog.
  public var sha256: String
}
