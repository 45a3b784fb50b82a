import Crypto
import Foundation
import GRPCCore
import Synchronization

/// Signs and verifies caller identities carried between the suite's processes.
///
/// The identity travels in one metadata entry, `x-loyalty-identity`, as
/// `v1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(claims))>`. Claims carry the subject,
/// role and an expiry, so a captured header is useless after a short time.
public struct InternalIdentity: Sendable {
  public static let metadataKey = "x-loyalty-identity"
  public static let minimumSecretBytes = 32

  private struct Claims: Codable {
    var sub: String
    var role: Role
    /// Expiry, seconds since 1970.
    var exp: Int64
  }

  private let key: SymmetricKey
  private let verified = VerifiedTokenCache()
  /// Tolerated difference between the clocks of signer and verifier.
  public let clockSkew: Duration

  public init(secret: [UInt8], clockSkew: Duration = .seconds(5)) throws(ConfigError) {
    guard secret.count >= Self.minimumSecretBytes else {
      throw ConfigError(
        key: "identity.secret",
        message: "the internal secret must be at least \(Self.minimumSecretBytes) bytes; it has \(secret.count)"
      )
    }
    self.key = SymmetricKey(data: secret)
    self.clockSkew = clockSkew
  }

  public func token(for principal: Principal, validFor lifetime: Duration = .seconds(60), now: Date = Date()) -> String {
    let claims = Claims(
      sub: principal.subject,
      role: principal.role,
      exp: Int64(now.timeIntervalSince1970) + lifetime.components.seconds
    )
    let payload = (try? JSONEncoder().encode(claims)) ?? Data()
    let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
    return "v1.\(payload.base64URLEncoded()).\(Data(mac).base64URLEncoded())"
  }

  public func sign(_ metadata: inout Metadata, as principal: Principal, validFor lifetime: Duration = .seconds(60)) {
    metadata.replaceOrAddString(token(for: principal, validFor: lifetime), forKey: Self.metadataKey)
  }

  public enum VerificationFailure: Error, Equatable, CustomStringConvertible {
    case missing
    case malformed
    case badSignature
    case expired

    public var description: String {
      switch self {
      case .missing: "no caller identity; call through the gateway"
      case .malformed: "the caller identity is malformed"
      case .badSignature: "the caller identity signature is invalid"
      case .expired: "the caller identity has expired"
      }
    }
  }

  public func verify(_ token: String, now: Date = Date()) -> Result<Principal, VerificationFailure> {
    let skew = Double(clockSkew.components.seconds)
    if let (principal, expiry) = verified.lookup(token) {
      return Double(expiry) + skew < now.timeIntervalSince1970 ? .failure(.expired) : .success(principal)
    }
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0] == "v1",
      let payload = Data(base64URLEncoded: String(parts[1])),
      let mac = Data(base64URLEncoded: String(parts[2])),
      !payload.isEmpty, mac.count == SHA256.byteCount
    else { return .failure(.malformed) }
    guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key) else {
      return .failure(.badSignature)
    }
    guard let claims = try? JSONDecoder().decode(Claims.self, from: payload) else {
      return .failure(.malformed)
    }
    if Double(claims.exp) + skew < now.timeIntervalSince1970 {
      return .failure(.expired)
    }
    let principal = Principal(subject: claims.sub, role: claims.role)
    verified.store(token, principal: principal, expiry: claims.exp)
    return .success(principal)
  }

  public func verify(_ metadata: Metadata) -> Result<Principal, VerificationFailure> {
    guard let token = metadata[stringValues: Self.metadataKey].first(where: { _ in true }) else {
      return .failure(.missing)
    }
    return verify(token)
  }
}

/// Tokens whose signature has been checked, so that a caller reusing its token (the gateway
/// signs once per principal and lifetime) costs a dictionary lookup instead of HMAC and JSON.
/// Only verified tokens are stored, keyed by their full text, with their expiry.
private final class VerifiedTokenCache: Sendable {
  private static let capacity = 4096
  private let entries = Mutex<[String: (Principal, Int64)]>([:])

  func lookup(_ token: String) -> (Principal, Int64)? {
    entries.withLock { $0[token] }
  }

  func store(_ token: String, principal: Principal, expiry: Int64) {
    entries.withLock { entries in
      if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
      entries[token] = (principal, expiry)
    }
  }
}

extension Data {
  func base64URLEncoded() -> String {
    base64EncodedString()
      .replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  init?(base64URLEncoded text: String) {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64.append("=") }
    self.init(base64Encoded: base64)
  }
}
