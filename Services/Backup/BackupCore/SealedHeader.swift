import Foundation

/// The fixed 26-byte header of every sealed object, authenticated as associated data:
///
///     "LMBK" | version (1) | layout (1) | key id (8 ASCII hex) | 12 layout bytes
///
/// For the whole layout the 12 bytes are the AES-GCM nonce, followed by the ciphertext and
/// its 16-byte tag. For the chunked layout they are the chunk size (UInt32, big-endian) and
/// an 8-byte random nonce prefix, followed by chunks of ciphertext + tag (see `ChunkCipher`).
struct SealedHeader {
  enum Layout: UInt8 {
    case whole = 1
    case chunked = 2
  }

  static let magic = Data("LMBK".utf8)
  static let version: UInt8 = 1
  static let size = 26
  static let tagSize = 16

  var layout: Layout
  var keyID: String
  /// The 12 layout-specific bytes.
  var parameters: Data

  init(layout: Layout, keyID: String, parameters: Data) {
    precondition(parameters.count == 12 && keyID.utf8.count == 8)
    self.layout = layout
    self.keyID = keyID
    self.parameters = parameters
  }

  /// Parses the first `size` bytes of a sealed object.
  init(parsing bytes: Data, object: String) throws(BackupIntegrityError) {
    guard bytes.count >= Self.size else {
      throw .truncated(object: object, detail: "\(bytes.count) bytes, shorter than the \(Self.size)-byte header")
    }
    let bytes = Data(bytes.prefix(Self.size))
    guard bytes.prefix(4) == Self.magic else {
      throw .malformed(object: object, detail: "it does not start with the sealed-object marker")
    }
    guard bytes[4] == Self.version else {
      throw .malformed(object: object, detail: "sealed-object version \(bytes[4]) is not supported (expected \(Self.version))")
    }
    guard let layout = Layout(rawValue: bytes[5]) else {
      throw .malformed(object: object, detail: "unknown layout \(bytes[5])")
    }
    let keyID = bytes[6..<14]
    guard keyID.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
      throw .malformed(object: object, detail: "the key id in its header is not hex")
    }
    self.init(layout: layout, keyID: String(decoding: keyID, as: UTF8.self), parameters: Data(bytes[14..<26]))
  }

  var bytes: Data {
    var data = Self.magic
    data.append(Self.version)
    data.append(layout.rawValue)
    data.append(contentsOf: keyID.utf8)
    data.append(parameters)
    return data
  }

  /// Fails unless the object was sealed under `key`.
  func requireKey(_ key: BackupKey, object: String) throws(BackupKeyError) {
    guard keyID == key.id else {
      throw .wrongKey(object: object, sealedWith: keyID, configured: key.id)
    }
  }
}
