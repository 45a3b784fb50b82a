import Crypto
import Foundation
import NIOHTTP1

/// Signs requests with AWS Signature Version 4 in the `Authorization` header, following the
/// rules S3 applies (and botocore's `S3SigV4Auth` implements):
///
/// - The canonical URI is the path exactly as sent. Keys are URI-encoded once, by
///   ``uriEncodePath(_:)``; S3 neither normalizes the path nor encodes it a second time.
/// - The canonical query is every parameter, name and value URI-encoded (`/` included), sorted
///   by name then value, a parameter without value written `name=`.
/// - Every header of the request is signed except hop-by-hop ones and `User-Agent`, by
///   lowercase name, in name order, values trimmed with inner runs of spaces collapsed.
/// - `X-Amz-Content-SHA256` is the hex SHA-256 of the payload: every payload is signed, so
///   the store rejects a body changed on the way (this client never sends `UNSIGNED-PAYLOAD`).
/// - The signing key is the HMAC-SHA256 chain `AWS4<secret>` → date → region → service →
///   `aws4_request`; the credential scope is `<date>/<region>/<service>/aws4_request`.
public struct SigV4Signer: Sendable {
  public var credentials: S3Credentials
  public var region: String
  public var service: String

  /// The hex SHA-256 of an empty payload.
  public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

  /// Headers never signed: hop-by-hop headers a proxy may change, and the client's name.
  static let unsignedHeaders: Set<String> = [
    "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
  ]

  public init(credentials: S3Credentials, region: String, service: String = "s3") {
    self.credentials = credentials
    self.region = region
    self.service = service
  }

  /// Adds `X-Amz-Date`, `X-Amz-Content-SHA256`, `X-Amz-Security-Token` (with a session
  /// token) and `Authorization` to `headers`, replacing earlier values.
  ///
  /// - Parameters:
  ///   - method: `GET`, `PUT`, …
  ///   - encodedPath: the path as sent on the wire, e.g. `/bucket/a%20b` from ``uriEncodePath(_:)``.
  ///   - query: the query parameters before encoding.
  ///   - headers: the request's headers; must contain `Host` as sent.
  ///   - payloadSHA256: the hex SHA-256 of the body (``emptyPayloadSHA256`` without body).
  ///   - date: the signing time; the store rejects signatures more than 15 minutes off.
  public func sign(
    method: String, encodedPath: String, query: [(name: String, value: String)], headers: inout HTTPHeaders,
    payloadSHA256: String, date: Date
  ) {
    let timestamp = Self.timestamp(date)
    for name in ["Authorization", "X-Amz-Date", "X-Amz-Content-SHA256", "X-Amz-Security-Token"] {
      headers.remove(name: name)
    }
    headers.add(name: "X-Amz-Date", value: timestamp)
    if let token = credentials.sessionToken { headers.add(name: "X-Amz-Security-Token", value: token) }
    headers.add(name: "X-Amz-Content-SHA256", value: payloadSHA256)

    let (canonical, signedHeaders) = canonicalRequest(
      method: method, encodedPath: encodedPath, query: query, headers: headers, payloadSHA256: payloadSHA256)
    let scope = "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
    let stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope, Self.hexSHA256(Data(canonical.utf8))].joined(separator: "\n")
    let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(day: timestamp.prefix(8))))
    headers.add(
      name: "Authorization",
      value: "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)")
  }

  /// The canonical request and the `;`-joined list of signed header names.
  func canonicalRequest(
    method: String, encodedPath: String, query: [(name: String, value: String)], headers: HTTPHeaders,
    payloadSHA256: String
  ) -> (request: String, signedHeaders: String) {
    var values: [String: [String]] = [:]
    for (name, value) in headers where !Self.unsignedHeaders.contains(name.lowercased()) {
      values[name.lowercased(), default: []].append(value.split(whereSeparator: \.isWhitespace).joined(separator: " "))
    }
    let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    let canonicalHeaders = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
    let signedHeaders = names.joined(separator: ";")
    let request = [
      method.uppercased(), encodedPath, Self.canonicalQuery(query), canonicalHeaders, signedHeaders, payloadSHA256,
    ].joined(separator: "\n")
    return (request, signedHeaders)
  }

  private func signingKey(day: Substring) -> SymmetricKey {
    var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
    for part in [String(day), region, service, "aws4_request"] {
      key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
    }
    return key
  }

  /// The query string in canonical form, which is also the form this client sends.
  public static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
    query.map { (uriEncode($0.name, encodeSlash: true), uriEncode($0.value, encodeSlash: true)) }
      .sorted { $0.0 == $1.0 ? $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
      .map { "\($0.0)=\($0.1)" }
      .joined(separator: "&")
  }

  /// A key as a URI path: every byte of its UTF-8 except `A-Z a-z 0-9 - . _ ~` and `/`
  /// percent-encoded (upper-case hex).
  public static func uriEncodePath(_ path: String) -> String { uriEncode(path, encodeSlash: false) }

  static func uriEncode(_ text: String, encodeSlash: Bool) -> String {
    var encoded = ""
    encoded.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
      if isUnreserved(byte) || (byte == UInt8(ascii: "/") && !encodeSlash) {
        encoded.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
      }
    }
    return encoded
  }

  private static func isUnreserved(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
      UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
      true
    default: false
    }
  }

  /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
  static func timestamp(_ date: Date) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
  }

  public static func hexSHA256(_ bytes: some DataProtocol) -> String { hex(SHA256.hash(data: bytes)) }

  static func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
