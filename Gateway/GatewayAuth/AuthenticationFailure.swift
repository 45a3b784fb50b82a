import GRPCCore

/// Why a caller's credentials were refused, with the message the caller sees.
///
/// Messages say what was wrong and how to fix it; they may name a key's public id or a
/// token's claims, but never echo a secret or a whole credential. Every failure is
/// UNAUTHENTICATED on gRPC (HTTP 401).
public struct AuthenticationFailure: Error, Sendable, Equatable, CustomStringConvertible {
  /// What was wrong; the raw value is a stable snake_case label for logs and metrics.
  public enum Reason: String, Sendable, Hashable, CaseIterable {
    /// The `authorization` or `x-api-key` header cannot be read, or the two disagree.
    case malformedCredentials = "malformed_credentials"
    /// Not of the form `lmk_<12 hex id>_<43-character secret>`.
    case malformedAPIKey = "malformed_api_key"
    /// No key with that id, or the secret does not match it.
    case unknownAPIKey = "unknown_api_key"
    case revokedAPIKey = "revoked_api_key"
    /// A JWT was presented to a gateway configured without JWT keys.
    case jwtNotAccepted = "jwt_not_accepted"
    /// Not three base64url parts, or a header or payload that is not a JSON object.
    case malformedToken = "malformed_token"
    /// `none`, an algorithm other than HS256/ES256, or one whose key is not configured.
    case unsupportedAlgorithm = "unsupported_algorithm"
    case badSignature = "bad_signature"
    case expired = "expired"
    case notYetValid = "not_yet_valid"
    case wrongIssuer = "wrong_issuer"
    case wrongAudience = "wrong_audience"
    /// A required claim (`sub`, `role`, `exp`) is absent; the message names it.
    case missingClaim = "missing_claim"
    /// A claim has the wrong type or an unusable value; the message names it.
    case invalidClaim = "invalid_claim"
    /// `role` is not `traveler`, `curator` or `admin`.
    case unknownRole = "unknown_role"
  }

  public var reason: Reason
  /// What the caller sees: clear, actionable, and free of secrets.
  public var message: String

  public init(reason: Reason, message: String) {
    self.reason = reason
    self.message = message
  }

  public var description: String { "\(reason.rawValue): \(message)" }
}

extension AuthenticationFailure: RPCErrorConvertible {
  public var rpcErrorCode: RPCError.Code { .unauthenticated }
  public var rpcErrorMessage: String { message }
}

extension AuthenticationFailure {
  static func malformedCredentials(_ message: String) -> Self {
    Self(reason: .malformedCredentials, message: message)
  }

  static func malformedToken(_ detail: String) -> Self {
    Self(reason: .malformedToken, message: "the JWT is malformed: \(detail)")
  }

  static func missingClaim(_ claim: String) -> Self {
    Self(reason: .missingClaim, message: "the JWT has no '\(claim)' claim; it is required")
  }

  static func invalidClaim(_ claim: String, _ requirement: String) -> Self {
    Self(reason: .invalidClaim, message: "the JWT's '\(claim)' claim \(requirement)")
  }
}

/// Caller-supplied text made safe to quote in a message: without control characters and
/// bounded, so that a hostile value cannot forge log lines or flood a response.
func quotable(_ text: String, limit: Int = 64) -> String {
  let kept = text.unicodeScalars.filter { $0.properties.generalCategory != .control }
  guard kept.count > limit else { return String(kept) }
  return String(String.UnicodeScalarView(kept.prefix(limit))) + "…"
}
