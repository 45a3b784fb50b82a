import Foundation

/// The shape of a compact JWT, checked before any cryptography: three base64url parts and a
/// JSON header naming its algorithm.
enum CompactJWT {
  /// Longer tokens are refused unread; real ones are well under 2 KiB.
  static let maxLength = 8192

  private struct Header: Decodable {
    var algorithm: String?
    var hasCriticalExtensions: Bool

    private enum CodingKeys: String, CodingKey {
      case algorithm = "alg"
      case critical = "crit"
    }

    init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      algorithm = try container.decodeIfPresent(String.self, forKey: .algorithm)
      hasCriticalExtensions = container.contains(.critical)
    }
  }

  /// The `alg` named by a well-formed token's header.
  static func algorithm(of token: String) -> Result<String, AuthenticationFailure> {
    guard token.utf8.count <= maxLength else {
      return .failure(.malformedToken("it is longer than \(maxLength) bytes"))
    }
    let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count == 3 else {
      return .failure(.malformedToken("a JWT is three base64url parts separated by '.'"))
    }
    guard let headerJSON = decodeBase64URL(parts[0]), decodeBase64URL(parts[1]) != nil,
      decodeBase64URL(parts[2]) != nil, !parts[0].isEmpty, !parts[1].isEmpty
    else {
      return .failure(.malformedToken("its parts must be non-empty base64url without padding"))
    }
    guard let header = try? JSONDecoder().decode(Header.self, from: headerJSON) else {
      return .failure(.malformedToken("its header is not a JSON object with a string 'alg'"))
    }
    guard let algorithm = header.algorithm else {
      return .failure(.malformedToken("its header names no algorithm ('alg')"))
    }
    guard !header.hasCriticalExtensions else {
      return .failure(.malformedToken("its header lists critical extensions ('crit'), which this gateway does not support"))
    }
    return .success(algorithm)
  }

  static func decodeBase64URL(_ text: Substring.UTF8View) -> Data? {
    var base64 = [UInt8]()
    base64.reserveCapacity(text.count + 3)
    for byte in text {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        base64.append(byte)
      case UInt8(ascii: "-"): base64.append(UInt8(ascii: "+"))
      case UInt8(ascii: "_"): base64.append(UInt8(ascii: "/"))
      default: return nil
      }
    }
    while !base64.count.isMultiple(of: 4) { base64.append(UInt8(ascii: "=")) }
    return Data(base64Encoded: Data(base64))
  }
}
