import Crypto
import Foundation
import JWTKit
import LoyaltyRuntime

/// Verifies client JWTs (HS256 and ES256 only) and turns them into callers.
///
/// A token must be signed with a configured key for the algorithm its header names (`none`,
/// RS*, and the like are refused, and so is an algorithm whose key is not configured, which
/// also rules out HS256 tokens "signed" with the ES256 public key). Claims: `sub` (required,
/// 1–256 bytes without control characters), `role` (required: traveler, curator or
/// admin), `exp` (required), `nbf` (optional), `iss` (must equal `settings.issuer` when set),
/// `aud` (must contain `settings.audience` when set); `exp` and `nbf` are checked with
/// `settings.clockSkewSeconds` of tolerance.
///
/// Verified tokens are cached until they expire, so `cachedCaller(for:now:)` can answer
/// synchronously for a token seen before.
public final class JWTVerifier: Sendable {
  public static let maxSubjectBytes = 256
  /// Roles a JWT may carry; `service` belongs to the suite's own processes.
  static let acceptedRoles: [Role] = [.traveler, .curator, .admin]

  public let settings: JWTSettings
  /// The algorithms this verifier accepts, sorted: `ES256` and/or `HS256`.
  public let acceptedAlgorithms: [String]
  /// One collection per algorithm, each holding only that algorithm's key, so that the key
  /// used is chosen by the token's `alg` and never by jwt-kit's default-key fallback.
  private let keysByAlgorithm: [String: JWTKeyCollection]
  private let cache = VerifiedJWTCache()

  /// Loads the configured keys. Relative paths are resolved against `baseDirectory`.
  ///
  /// - Throws: `ConfigError` naming the `jwt.*` key at fault: a skew outside 0–300, an empty
  ///   issuer or audience, an unreadable file, an HS256 secret under 32 bytes, a PEM that is
  ///   not a P-256 public key, or no key at all.
  public init(settings: JWTSettings, relativeTo baseDirectory: URL) async throws(ConfigError) {
    guard (0...JWTSettings.maxClockSkewSeconds).contains(settings.clockSkewSeconds) else {
      throw ConfigError(
        key: "jwt.clockSkewSeconds",
        message: "must be between 0 and \(JWTSettings.maxClockSkewSeconds) seconds; it is \(settings.clockSkewSeconds)")
    }
    if settings.issuer?.isEmpty == true {
      throw ConfigError(key: "jwt.issuer", message: "must not be empty; leave it unset to accept any issuer")
    }
    if settings.audience?.isEmpty == true {
      throw ConfigError(key: "jwt.audience", message: "must not be empty; leave it unset to accept any audience")
    }
    var keys: [String: JWTKeyCollection] = [:]
    if let path = settings.hs256SecretFile {
      let secret = try Self.hs256Secret(at: Self.resolve(path, against: baseDirectory))
      keys["HS256"] = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }
    if let path = settings.es256PublicKeyFile {
      let publicKey = try Self.es256PublicKey(at: Self.resolve(path, against: baseDirectory))
      keys["ES256"] = await JWTKeyCollection().add(ecdsa: publicKey)
    }
    guard !keys.isEmpty else {
      throw ConfigError(
        key: "jwt", message: "no key configured: set jwt.hs256SecretFile and/or jwt.es256PublicKeyFile")
    }
    self.settings = settings
    self.keysByAlgorithm = keys
    self.acceptedAlgorithms = keys.keys.sorted()
  }

  // MARK: Verification

  /// The caller of a token verified before and still valid at `now`, without async work.
  public func cachedCaller(for token: String, now: Date) -> Caller? {
    cache.caller(for: token, at: now)
  }

  /// Checks the token's structure, algorithm, signature and claims, in that order, and
  /// returns the caller it proves or the first thing wrong with it.
  public func verify(_ token: String, now: Date = Date()) async -> Result<Caller, AuthenticationFailure> {
    if let caller = cache.caller(for: token, at: now) { return .success(caller) }
    let keys: JWTKeyCollection
    switch CompactJWT.algorithm(of: token) {
    case .failure(let failure):
      return .failure(failure)
    case .success(let algorithm):
      guard let configured = keysByAlgorithm[algorithm] else { return .failure(unsupported(algorithm)) }
      keys = configured
    }
    let claims: JWTClaims
    do {
      claims = try await keys.verify(token, as: JWTClaims.self)
    } catch let error as JWTError where error.errorType == .malformedToken {
      return .failure(.malformedToken("its header or payload cannot be decoded"))
    } catch {
      return .failure(AuthenticationFailure(reason: .badSignature, message: "the JWT's signature is not valid"))
    }
    switch check(claims, now: now) {
    case .failure(let failure):
      return .failure(failure)
    case .success(let (caller, validFrom, validUntil)):
      cache.store(caller, for: token, validFrom: validFrom, validUntil: validUntil, now: now)
      return .success(caller)
    }
  }

  private func unsupported(_ algorithm: String) -> AuthenticationFailure {
    let accepted = acceptedAlgorithms.joined(separator: ", ")
    let message: String
    if algorithm.lowercased() == "none" {
      message = "unsigned JWTs (alg 'none') are not accepted; sign with one of: \(accepted)"
    } else {
      message = "JWTs signed with '\(quotable(algorithm, limit: 16))' are not accepted; sign with one of: \(accepted)"
    }
    return AuthenticationFailure(reason: .unsupportedAlgorithm, message: message)
  }

  /// The caller named by verified claims, and the window (skew included) in which the token
  /// is valid.
  private func check(_ claims: JWTClaims, now: Date) -> Result<(Caller, Date, Date), AuthenticationFailure> {
    let skew = TimeInterval(settings.clockSkewSeconds)

    let subject: String
    switch claims.subject {
    case .absent: return .failure(.missingClaim("sub"))
    case .invalid: return .failure(.invalidClaim("sub", "must be a string"))
    case .present(let claim): subject = claim.value
    }
    guard !subject.isEmpty, subject.utf8.count <= Self.maxSubjectBytes,
      !subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
    else {
      return .failure(.invalidClaim("sub", "must be 1–\(Self.maxSubjectBytes) bytes without control characters"))
    }

    let roleName: String
    switch claims.role {
    case .absent: return .failure(.missingClaim("role"))
    case .invalid: return .failure(.invalidClaim("role", "must be a string: traveler, curator or admin"))
    case .present(let value): roleName = value
    }

    let expiry: Date
    switch claims.expiration {
    case .absent: return .failure(.missingClaim("exp"))
    case .invalid: return .failure(.invalidClaim("exp", "must be a number of seconds since 1970"))
    case .present(let claim): expiry = claim.value
    }
    guard now < expiry.addingTimeInterval(skew) else {
      return .failure(AuthenticationFailure(reason: .expired, message: "the JWT expired at \(Self.format(expiry)); get a new one"))
    }

    var validFrom = Date.distantPast
    switch claims.notBefore {
    case .absent: break
    case .invalid: return .failure(.invalidClaim("nbf", "must be a number of seconds since 1970"))
    case .present(let claim):
      validFrom = claim.value.addingTimeInterval(-skew)
      guard now >= validFrom else {
        return .failure(
          AuthenticationFailure(reason: .notYetValid, message: "the JWT is not valid before \(Self.format(claim.value))"))
      }
    }

    if let expected = settings.issuer {
      switch claims.issuer {
      case .invalid: return .failure(.invalidClaim("iss", "must be a string"))
      case .absent:
        return .failure(AuthenticationFailure(reason: .wrongIssuer, message: "the JWT names no issuer; expected '\(expected)'"))
      case .present(let claim) where claim.value != expected:
        return .failure(
          AuthenticationFailure(
            reason: .wrongIssuer, message: "the JWT was issued by '\(quotable(claim.value))', not by '\(expected)'"))
      case .present: break
      }
    }

    if let expected = settings.audience {
      switch claims.audience {
      case .invalid: return .failure(.invalidClaim("aud", "must be a string or an array of strings"))
      case .absent:
        return .failure(AuthenticationFailure(reason: .wrongAudience, message: "the JWT names no audience; expected '\(expected)'"))
      case .present(let claim) where !claim.value.contains(expected):
        return .failure(AuthenticationFailure(reason: .wrongAudience, message: "the JWT is not intended for '\(expected)'"))
      case .present: break
      }
    }

    guard let role = Role(rawValue: roleName), Self.acceptedRoles.contains(role) else {
      return .failure(
        AuthenticationFailure(
          reason: .unknownRole, message: "the JWT's role '\(quotable(roleName))' is not one of: traveler, curator, admin"))
    }

    let caller = Caller(principal: Principal(subject: subject, role: role), credential: .jwt)
    return .success((caller, validFrom, expiry.addingTimeInterval(skew)))
  }

  private static func format(_ date: Date) -> String {
    date.formatted(.iso8601)
  }

  // MARK: Keys

  private static func resolve(_ path: String, against baseDirectory: URL) -> URL {
    path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
  }

  private static func read(_ url: URL, key: String) throws(ConfigError) -> Data {
    do {
      return try Data(contentsOf: url)
    } catch {
      throw ConfigError(key: key, message: "cannot read \(url.path): \(error.localizedDescription)")
    }
  }

  static func hs256Secret(at url: URL) throws(ConfigError) -> [UInt8] {
    var secret = Array(try read(url, key: "jwt.hs256SecretFile"))
    while let last = secret.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { secret.removeLast() }
    guard secret.count >= SHA256.byteCount else {
      throw ConfigError(
        key: "jwt.hs256SecretFile",
        message: "the HS256 secret in \(url.path) must be at least \(SHA256.byteCount) bytes; it has \(secret.count)")
    }
    return secret
  }

  static func es256PublicKey(at url: URL) throws(ConfigError) -> ES256PublicKey {
    let pem = String(decoding: try read(url, key: "jwt.es256PublicKeyFile"), as: UTF8.self)
    guard !pem.contains("PRIVATE KEY") else {
      throw ConfigError(
        key: "jwt.es256PublicKeyFile",
        message: "\(url.path) holds a private key; configure only the public key (openssl ec -in key.pem -pubout)")
    }
    do {
      return try ES256PublicKey(pem: pem)
    } catch {
      throw ConfigError(
        key: "jwt.es256PublicKeyFile",
        message: "\(url.path) is not a PEM-encoded P-256 public key ('-----BEGIN PUBLIC KEY-----')")
    }
  }
}
