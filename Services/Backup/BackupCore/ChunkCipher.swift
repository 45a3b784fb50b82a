import Crypto
import Foundation

/// AES-GCM over the chunks of a chunked object. Chunk `i` uses the nonce `prefix ‖ i`
/// (UInt32, big-endian) and authenticates the header plus a final-chunk flag, so chunks cannot
/// be reordered, dropped from the end, or followed by more data without detection.
struct ChunkCipher {
  static let maximumChunkSize = 64 << 20

  let key: SymmetricKey
  let header: SealedHeader
  let chunkSize: Int
  private let headerBytes: Data
  private let prefix: Data

  init(key: SymmetricKey, header: SealedHeader, object: String) throws(BackupIntegrityError) {
    let parameters = header.parameters
    let size = parameters.prefix(4).reduce(0) { $0 << 8 | Int($1) }
    guard size > 0, size <= Self.maximumChunkSize else {
      throw .malformed(object: object, detail: "chunk size \(size) is out of range")
    }
    self.key = key
    self.header = header
    self.chunkSize = size
    self.headerBytes = header.bytes
    self.prefix = Data(parameters.suffix(8))
  }

  /// The header parameters of a new chunked object: the chunk size and a random nonce prefix.
  static func newParameters(chunkSize: Int) -> Data {
    var data = Data()
    withUnsafeBytes(of: UInt32(chunkSize).bigEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: (0..<8).map { _ in UInt8.random(in: 0...255) })
    return data
  }

  /// The size of a sealed chunk holding `chunkSize` plaintext bytes.
  var sealedChunkSize: Int { chunkSize + SealedHeader.tagSize }

  private func nonce(_ index: UInt32) -> AES.GCM.Nonce {
    var bytes = prefix
    withUnsafeBytes(of: index.bigEndian) { bytes.append(contentsOf: $0) }
    // 8 + 4 bytes is a valid 96-bit nonce.
    return try! AES.GCM.Nonce(data: bytes)
  }

  private func associatedData(last: Bool) -> Data {
    var data = headerBytes
    data.append(last ? 1 : 0)
    return data
  }

  func seal(_ chunk: Data, index: UInt32, last: Bool) throws -> Data {
    let box = try AES.GCM.seal(chunk, using: key, nonce: nonce(index), authenticating: associatedData(last: last))
    var sealed = box.ciphertext
    sealed.append(box.tag)
    return sealed
  }

  /// Opens sealed chunk `index`; `last` says whether the object ends after it. When only
  /// the final-chunk flag disagrees, the error says whether chunks are missing or extra.
  func open(_ sealed: Data, index: UInt32, last: Bool, object: String) throws(BackupIntegrityError) -> Data {
    guard sealed.count >= SealedHeader.tagSize else {
      throw .truncated(object: object, detail: "chunk \(index) is cut short (\(sealed.count) bytes)")
    }
    if let plaintext = try? attempt(sealed, index: index, last: last) { return plaintext }
    if (try? attempt(sealed, index: index, last: !last)) != nil {
      if last {
        throw .truncated(object: object, detail: "it ends after chunk \(index), which is not its final chunk")
      }
      throw .malformed(object: object, detail: "chunk \(index) is its final chunk, but more data follows it")
    }
    throw .authenticationFailed(object: object, detail: "chunk \(index) was altered after sealing")
  }

  private func attempt(_ sealed: Data, index: UInt32, last: Bool) throws -> Data {
    let box = try AES.GCM.SealedBox(
      nonce: nonce(index), ciphertext: sealed.dropLast(SealedHeader.tagSize), tag: sealed.suffix(SealedHeader.tagSize))
    return try AES.GCM.open(box, using: key, authenticating: associatedData(last: last))
  }
}
