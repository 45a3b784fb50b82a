import Crypto
import Foundation

/// An API key in the form a client presents it: `lmk_<id>_<secret>`.
///
/// The id is 12 random lowercase hex characters: public, safe to log and show. The secret is
/// 32 random bytes, base64url without padding (43 characters), and is seen only by the key's
/// holder. The store keeps the SHA-256 of the whole presented text, never the secret.
struct PresentedAPIKey: Sendable {
  static let prefix = "lmk_"
  static let idLength = 12
  static let secretByteCount = 32
  static let encodedSecretLength = 43
  /// `lmk_` + id + `_` + secret.
  static let length = 4 + idLength + 1 + encodedSecretLength

  /// The whole key, as the client sends it.
  let text: String
  let id: String

  /// Parses the key's shape only; whether it exists is the store's business.
  init?(parsing text: String) {
    let bytes = Array(text.utf8)
    guard bytes.count == Self.length, text.hasPrefix(Self.prefix) else { return nil }
    let idEnd = Self.prefix.utf8.count + Self.idLength
    let id = bytes[Self.prefix.utf8.count..<idEnd]
    guard id.allSatisfy(Self.isLowercaseHex), bytes[idEnd] == UInt8(ascii: "_"),
      bytes[(idEnd + 1)...].allSatisfy(Self.isBase64URL)
    else { return nil }
    self.text = text
    self.id = String(decoding: id, as: UTF8.self)
  }

  private init(id: String, secret: String) {
    self.id = id
    self.text = Self.prefix + id + "_" + secret
  }

  /// A new key from the system's cryptographically secure random source.
  static func generate() -> PresentedAPIKey {
    var random = SystemRandomNumberGenerator()
    let idBytes = (0..<idLength / 2).map { _ in UInt8.random(in: .min ... .max, using: &random) }
    let secretBytes = (0..<secretByteCount).map { _ in UInt8.random(in: .min ... .max, using: &random) }
    return PresentedAPIKey(id: hex(idBytes), secret: base64URL(secretBytes))
  }

  /// The SHA-256 of the whole key: what the store keeps and compares.
  var digest: [UInt8] { Array(SHA256.hash(data: Array(text.utf8))) }

  /// Compares with a stored digest in time independent of where they differ.
  func matches(digest stored: [UInt8]) -> Bool {
    let computed = digest
    guard computed.count == stored.count else { return false }
    var difference: UInt8 = 0
    for (a, b) in zip(computed, stored) { difference |= a ^ b }
    return difference == 0
  }

  static func isValidID(_ id: String) -> Bool {
    id.utf8.count == idLength && id.utf8.allSatisfy(isLowercaseHex)
  }

  // MARK: Encodings

  static func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text = [UInt8]()
    for byte in bytes {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
  }

  /// Lowercase hex back to bytes, or nil if it is not lowercase hex of even length.
  static func bytes(fromHex text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count.isMultiple(of: 2) else { return nil }
    var bytes = [UInt8]()
    bytes.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
      guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
      bytes.append(high << 4 | low)
      index += 2
    }
    return bytes
  }

  private static func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    default: nil
    }
  }

  private static func base64URL(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  private static func isLowercaseHex(_ byte: UInt8) -> Bool {
    hexValue(byte) != nil
  }

  private static func isBase64URL(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
      UInt8(ascii: "-"), UInt8(ascii: "_"):
      true
    default:
      false
    }
  }
}
