import Crypto
import Foundation
import LoyaltyRuntime

/// Encrypts backup objects at rest with AES-256-GCM under the configured `BackupKey`, and
/// checksums the sealed bytes with SHA-256 (recorded in the catalog, verified on read).
///
/// Small objects (segments, manifests) are sealed whole in memory; files such as snapshots
/// are sealed in chunks (`sealFile`/`openFile`) without holding them in memory. `open` and
/// `openFile` accept both layouts.
public struct ObjectSealer: Sendable {
  public static let defaultChunkSize = 1 << 20

  public let key: BackupKey
  /// Plaintext bytes per chunk when sealing files.
  public let chunkSize: Int

  public init(key: BackupKey, chunkSize: Int = ObjectSealer.defaultChunkSize) {
    precondition(chunkSize > 0 && chunkSize <= ChunkCipher.maximumChunkSize, "chunk size out of range")
    self.key = key
    self.chunkSize = chunkSize
  }

  /// Seals `plaintext` in one piece: header, ciphertext and tag.
  public func seal(_ plaintext: Data) throws -> SealedObject {
    let nonce = AES.GCM.Nonce()
    let header = SealedHeader(layout: .whole, keyID: key.id, parameters: Data(nonce))
    var bytes = header.bytes
    let box = try AES.GCM.seal(plaintext, using: key.symmetricKey, nonce: nonce, authenticating: bytes)
    bytes.append(box.ciphertext)
    bytes.append(box.tag)
    return SealedObject(bytes: bytes, sha256: SHA256.hash(data: bytes).hexString)
  }

  /// Verifies and decrypts a sealed object held in memory.
  ///
  /// - Parameters:
  ///   - expectedSHA256: the checksum recorded when the object was written, checked before
  ///     anything else; nil when none is known (a manifest read while rebuilding the catalog),
  ///     in which case AES-GCM authentication alone protects the content.
  ///   - object: how errors name the object, usually its key.
  /// - Throws: `BackupIntegrityError` when the object is corrupt, truncated or altered;
  ///   `BackupKeyError.wrongKey` when it was sealed under another key.
  public func open(_ sealed: Data, expectedSHA256: String?, object: String) throws -> Data {
    if let expectedSHA256 {
      let actual = SHA256.hash(data: sealed).hexString
      guard actual == expectedSHA256.lowercased() else {
        throw BackupIntegrityError.checksumMismatch(object: object, expected: expectedSHA256, actual: actual)
      }
    }
    let sealed = Data(sealed)
    let header = try SealedHeader(parsing: sealed, object: object)
    try header.requireKey(key, object: object)
    let body = sealed.dropFirst(SealedHeader.size)
    switch header.layout {
    case .whole:
      guard body.count >= SealedHeader.tagSize else {
        throw BackupIntegrityError.truncated(object: object, detail: "its authentication tag is missing")
      }
      do {
        let box = try AES.GCM.SealedBox(
          nonce: AES.GCM.Nonce(data: header.parameters), ciphertext: body.dropLast(SealedHeader.tagSize),
          tag: body.suffix(SealedHeader.tagSize))
        return try AES.GCM.open(box, using: key.symmetricKey, authenticating: header.bytes)
      } catch {
        throw BackupIntegrityError.authenticationFailed(object: object, detail: "its content was altered after sealing")
      }
    case .chunked:
      let cipher = try ChunkCipher(key: key.symmetricKey, header: header, object: object)
      var plaintext = Data()
      var offset = body.startIndex
      var index: UInt32 = 0
      while true {
        let end = min(offset + cipher.sealedChunkSize, body.endIndex)
        let last = end == body.endIndex
        plaintext.append(try cipher.open(Data(body[offset..<end]), index: index, last: last, object: object))
        if last { return plaintext }
        offset = end
        index += 1
      }
    }
  }
}

/// The sealed bytes of an object and their SHA-256 (lowercase hex).
public struct SealedObject: Sendable {
  public var bytes: Data
  public var sha256: String
}
