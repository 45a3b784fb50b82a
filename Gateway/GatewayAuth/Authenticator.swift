import Foundation

/// Turns the credentials of a request (`x-api-key`, `authorization: Bearer …`) into a caller.
///
/// - No credentials: the anonymous caller (what it may do is for authorisation to decide).
/// - `x-api-key: lmk_…`, or `authorization: Bearer lmk_…`: an API key.
/// - `authorization: Bearer <header>.<payload>.<signature>`: a JWT, if JWTs are configured.
/// - Both headers with different credentials, another scheme than Bearer, an empty header or
///   an unrecognisable bearer credential: `malformed_credentials`.
///
/// `resolveImmediately` answers synchronously whenever it can (every API key, every JWT seen
/// before, every malformed request), so the hot path does no async work; only a JWT not yet
/// verified needs `JWTVerifier.verify`.
public final class Authenticator: Sendable {
  /// The outcome of the synchronous step.
  public enum Resolution: Sendable {
    case resolved(Result<Caller, AuthenticationFailure>)
    /// A JWT not verified before; pass it to `jwt.verify(_:now:)` (or call `authenticate`).
    case needsJWTVerification(String)
  }

  public let keys: APIKeyStore
  /// Nil when the gateway accepts no JWTs.
  public let jwt: JWTVerifier?

  public init(keys: APIKeyStore, jwt: JWTVerifier?) {
    self.keys = keys
    self.jwt = jwt
  }

  /// Resolves the credentials from the request's `x-api-key` and `authorization` header
  /// values (nil when absent) without suspending.
  public func resolveImmediately(apiKey: String?, authorization: String?, now: Date = Date()) -> Resolution {
    let apiKey = apiKey.map(Self.trimmed)
    let bearer: String?
    switch authorization.map(Self.bearerCredential) {
    case .none: bearer = nil
    case .failure(let failure)?: return .resolved(.failure(failure))
    case .success(let credential)?: bearer = credential
    }
    if let apiKey {
      guard !apiKey.isEmpty else {
        return .resolved(.failure(.malformedCredentials("the x-api-key header is empty; send an API key or omit the header")))
      }
      if let bearer, bearer != apiKey {
        return .resolved(
          .failure(
            .malformedCredentials(
              "conflicting credentials: x-api-key and authorization carry different credentials; send only one")))
      }
      return .resolved(lookUp(apiKey))
    }
    guard let bearer else { return .resolved(.success(.anonymous)) }
    if bearer.hasPrefix(PresentedAPIKey.prefix) {
      return .resolved(lookUp(bearer))
    }
    guard bearer.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 2 else {
      return .resolved(
        .failure(
          .malformedCredentials("the bearer credential is neither an API key (lmk_…) nor a JWT (header.payload.signature)")))
    }
    guard let jwt else {
      return .resolved(
        .failure(
          AuthenticationFailure(reason: .jwtNotAccepted, message: "this gateway does not accept JWTs; use an API key")))
    }
    if let caller = jwt.cachedCaller(for: bearer, now: now) { return .resolved(.success(caller)) }
    return .needsJWTVerification(bearer)
  }

  /// Resolves the credentials completely, verifying a JWT if one needs it.
  public func authenticate(apiKey: String?, authorization: String?, now: Date = Date()) async
    -> Result<Caller, AuthenticationFailure>
  {
    switch resolveImmediately(apiKey: apiKey, authorization: authorization, now: now) {
    case .resolved(let result):
      return result
    case .needsJWTVerification(let token):
      guard let jwt else {
        return .failure(AuthenticationFailure(reason: .jwtNotAccepted, message: "this gateway does not accept JWTs; use an API key"))
      }
      return await jwt.verify(token, now: now)
    }
  }

  private func lookUp(_ key: String) -> Result<Caller, AuthenticationFailure> {
    keys.lookup(presentedKey: key).map(\.caller)
  }

  /// The credential of `Bearer <credential>` (scheme case-insensitive, RFC 9110).
  private static func bearerCredential(_ header: String) -> Result<String, AuthenticationFailure> {
    let value = trimmed(header)
    // Never quote the header: without a scheme, its first word may be the secret itself.
    let usage = "the authorization header must be 'Bearer <API key or JWT>'"
    guard let space = value.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
      return .failure(.malformedCredentials(usage))
    }
    guard value[..<space].lowercased() == "bearer" else {
      return .failure(.malformedCredentials("only the Bearer scheme is supported: \(usage)"))
    }
    let credential = trimmed(String(value[space...]))
    guard !credential.isEmpty, !credential.contains(where: { $0 == " " || $0 == "\t" }) else {
      return .failure(.malformedCredentials(usage))
    }
    return .success(credential)
  }

  private static func trimmed(_ value: String) -> String {
    value.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
  }
}
