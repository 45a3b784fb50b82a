import Crypto
import Foundation
import LoyaltyRuntime

/// The 256-bit key that encrypts every backup object at rest. Its id (the first 8 hex digits
/// of the SHA-256 of the key) is written in each sealed object, so that opening an object
/// with another key fails naming both keys instead of reporting corruption.
public struct BackupKey: Sendable {
  public let id: String
  let symmetricKey: SymmetricKey

  /// Wraps raw key bytes, which must be exactly 32.
  public init(rawBytes: some DataProtocol, source: String = "key") throws(BackupKeyError) {
    guard rawBytes.count == 32 else {
      throw BackupKeyError.invalid(source: source, detail: "a backup key is 32 bytes, this one has \(rawBytes.count)")
    }
    let key = SymmetricKey(data: Data(rawBytes))
    self.symmetricKey = key
    self.id = key.withUnsafeBytes { Self.keyID(of: Data($0)) }
  }

  /// Decodes base64 of 32 bytes; surrounding whitespace (a trailing newline) is ignored.
  public init(base64: String, source: String = "key") throws(BackupKeyError) {
    let trimmed = base64.trimmingCharacters(in: .whitespacesAndNewlines)
    guard let bytes = Data(base64Encoded: trimmed) else {
      throw BackupKeyError.invalid(source: source, detail: "not base64")
    }
    try self.init(rawBytes: bytes, source: source)
  }

  /// Loads a key file holding base64 of 32 bytes.
  public init(contentsOf file: URL) throws(BackupKeyError) {
    let text: String
    do {
      text = try String(contentsOf: file, encoding: .utf8)
    } catch {
      throw BackupKeyError.unreadable(path: file.path, detail: "\(error.localizedDescription)")
    }
    try self.init(base64: text, source: file.path)
  }

  /// A new random key, e.g. to write a key file for a new installation.
  public static func generate() -> BackupKey {
    let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    // 32 random bytes always make a valid key.
    return try! BackupKey(rawBytes: bytes)
  }

  /// The key as base64, the content of a key file.
  public var base64: String {
    symmetricKey.withUnsafeBytes { Data($0).base64EncodedString() }
  }

  static func keyID(of bytes: Data) -> String {
    String(SHA256.hash(data: bytes).hexString.prefix(8))
  }
}

public enum BackupKeyError: Error, Equatable, CustomStringConvertible {
  case unreadable(path: String, detail: String)
  case invalid(source: String, detail: String)
  /// The object was sealed under another key than the configured one.
  case wrongKey(object: String, sealedWith: String, configured: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let detail):
      "cannot read the backup key file \(path): \(detail)"
    case .invalid(let source, let detail):
      "invalid backup key (\(source)): \(detail)"
    case .wrongKey(let object, let sealedWith, let configured):
      "\(object) was encrypted with backup key \(sealedWith), but the configured key is \(configured); configure key \(sealedWith) to read it"
    }
  }
}
