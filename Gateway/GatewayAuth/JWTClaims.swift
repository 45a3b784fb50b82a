import Foundation
import JWTKit

/// The claims of a presented JWT, each recorded as absent, unreadable or present, so that the
/// verifier can say exactly which claim is wrong. Decoding never fails on a claim: only a
/// payload that is not a JSON object is malformed.
struct JWTClaims: JWTPayload {
  enum Claim<Value: Sendable>: Sendable {
    case absent
    /// Present with a type or value that cannot be read.
    case invalid
    case present(Value)
  }

  var subject: Claim<SubjectClaim>
  var role: Claim<String>
  var expiration: Claim<ExpirationClaim>
  var notBefore: Claim<NotBeforeClaim>
  var issuer: Claim<IssuerClaim>
  var audience: Claim<AudienceClaim>

  private enum CodingKeys: String, CodingKey {
    case subject = "sub"
    case role
    case expiration = "exp"
    case notBefore = "nbf"
    case issuer = "iss"
    case audience = "aud"
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    subject = Self.claim(.subject, in: container)
    role = Self.claim(.role, in: container)
    expiration = Self.claim(.expiration, in: container)
    notBefore = Self.claim(.notBefore, in: container)
    issuer = Self.claim(.issuer, in: container)
    audience = Self.claim(.audience, in: container)
  }

  private static func claim<Value: Decodable & Sendable>(
    _ key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>
  ) -> Claim<Value> {
    guard container.contains(key), (try? container.decodeNil(forKey: key)) == false else { return .absent }
    guard let value = try? container.decode(Value.self, forKey: key) else { return .invalid }
    return .present(value)
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    if case .present(let value) = subject { try container.encode(value, forKey: .subject) }
    if case .present(let value) = role { try container.encode(value, forKey: .role) }
    if case .present(let value) = expiration { try container.encode(value, forKey: .expiration) }
    if case .present(let value) = notBefore { try container.encode(value, forKey: .notBefore) }
    if case .present(let value) = issuer { try container.encode(value, forKey: .issuer) }
    if case .present(let value) = audience { try container.encode(value, forKey: .audience) }
  }

  /// Nothing to do here: `JWTVerifier` checks the claims against its own clock and settings,
  /// which this hook cannot see.
  func verify(using algorithm: some JWTAlgorithm) async throws {}
}
