/// How the gateway accepts JWTs (`authorization: Bearer <jwt>`), under the config key `jwt`.
///
/// | key | meaning | default |
/// | --- | --- | --- |
/// | `jwt.issuer` | required `iss` | any issuer |
/// | `jwt.audience` | a value `aud` must contain | any audience |
/// | `jwt.hs256SecretFile` | file holding the HS256 secret (≥ 32 bytes; trailing line breaks ignored) | HS256 refused |
/// | `jwt.es256PublicKeyFile` | PEM file holding the P-256 public key for ES256 | ES256 refused |
/// | `jwt.clockSkewSeconds` | tolerance for `exp` and `nbf`, 0–300 | 30 |
///
/// Relative file paths are resolved against the directory given to `JWTVerifier`.
public struct JWTSettings: Sendable, Codable, Equatable {
  public static let defaultClockSkewSeconds = 30
  public static let maxClockSkewSeconds = 300

  public var issuer: String?
  public var audience: String?
  public var hs256SecretFile: String?
  public var es256PublicKeyFile: String?
  public var clockSkewSeconds: Int

  public init(
    issuer: String? = nil,
    audience: String? = nil,
    hs256SecretFile: String? = nil,
    es256PublicKeyFile: String? = nil,
    clockSkewSeconds: Int = JWTSettings.defaultClockSkewSeconds
  ) {
    self.issuer = issuer
    self.audience = audience
    self.hs256SecretFile = hs256SecretFile
    self.es256PublicKeyFile = es256PublicKeyFile
    self.clockSkewSeconds = clockSkewSeconds
  }

  /// True when at least one key is configured, i.e. JWTs can be accepted at all.
  public var hasKeys: Bool { hs256SecretFile != nil || es256PublicKeyFile != nil }

  enum CodingKeys: String, CodingKey {
    case issuer, audience
    case hs256SecretFile
    case es256PublicKeyFile
    case clockSkewSeconds
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      issuer: try container.decodeIfPresent(String.self, forKey: .issuer),
      audience: try container.decodeIfPresent(String.self, forKey: .audience),
      hs256SecretFile: try container.decodeIfPresent(String.self, forKey: .hs256SecretFile),
      es256PublicKeyFile: try container.decodeIfPresent(String.self, forKey: .es256PublicKeyFile),
      clockSkewSeconds: try container.decodeIfPresent(Int.self, forKey: .clockSkewSeconds) ?? Self.defaultClockSkewSeconds
    )
  }
}
