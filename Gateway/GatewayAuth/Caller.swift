import LoyaltyRuntime

/// An authenticated (or anonymous) client of the gateway: who it acts as, the credential
/// that proved it, and the daily quota attached to that credential.
public struct Caller: Sendable, Hashable {
  /// How the caller proved who it is.
  public enum Credential: Sendable, Hashable {
    /// An API key, by its public id (safe to log).
    case apiKey(id: String)
    case jwt
    /// No credentials were presented.
    case none
  }

  public var principal: Principal
  public var credential: Credential
  /// Calls allowed per day, or nil for no quota.
  public var dailyQuota: Int?

  public init(principal: Principal, credential: Credential, dailyQuota: Int? = nil) {
    self.principal = principal
    self.credential = credential
    self.dailyQuota = dailyQuota
  }

  /// A caller that presented no credentials.
  public static let anonymous = Caller(principal: .anonymous, credential: .none)

  public var isAnonymous: Bool { credential == .none }

  /// The public id of the API key used, if one was.
  public var keyID: String? {
    if case .apiKey(let id) = credential { id } else { nil }
  }

  /// `api_key`, `jwt` or `anonymous`: a low-cardinality label for metrics.
  public var principalClass: String {
    switch credential {
    case .apiKey: "api_key"
    case .jwt: "jwt"
    case .none: "anonymous"
    }
  }
}
