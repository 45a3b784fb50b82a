import Foundation
import GatewayAuth
import LoyaltyRuntime
import Synchronization

/// The decisions both front doors (gRPC and JSON) take before a call goes upstream: who
/// the caller is, whether their role may call the method, whether the rate limit allows it
/// and whether a traveller is asking for their own data. Written once so that both answer
/// the same way.
public final class CallAdmission: Sendable {
  public struct Refusal: Error, Sendable {
    public var code: Int
    public var message: String
    public var retryAfterSeconds: Int?
    public var decision: RateLimiter.Decision?
  }

  public let authenticator: Authenticator
  public let limiter: RateLimiter
  private let signer: IdentitySigner

  public init(authenticator: Authenticator, limiter: RateLimiter, identity: InternalIdentity) {
    self.authenticator = authenticator
    self.limiter = limiter
    self.signer = IdentitySigner(identity: identity)
  }

  /// Role check: open methods admit anyone; others need credentials and a listed role.
  public func authorize(_ caller: Caller, for method: MethodPolicy, path: String) -> Refusal? {
    switch method.access {
    case .open:
      return nil
    case .roles(let roles):
      if caller.isAnonymous {
        return Refusal(
          code: 16,
          message: "\(path) requires credentials: send an API key in x-api-key or a token in authorization: Bearer")
      }
      guard roles.contains(caller.principal.role) else {
        let allowed = roles.map(\.rawValue).sorted().joined(separator: ", ")
        return Refusal(code: 7, message: "\(path) requires one of the roles \(allowed); the caller is a \(caller.principal.role.rawValue)")
      }
      return nil
    }
  }

  /// Takes a token from the caller's bucket for the method's class.
  public func admitRate(_ caller: Caller, clientAddress: String, method: MethodPolicy) -> RateLimiter.Decision {
    limiter.acquire(
      caller: caller.isAnonymous ? "addr:\(clientAddress)" : "\(caller.principalClass):\(caller.principal.subject)",
      anonymous: caller.isAnonymous, routeClass: method.routeClass,
      quotaKey: caller.keyID, dailyQuota: caller.dailyQuota)
  }

  public static func refusal(for decision: RateLimiter.Decision, path: String) -> Refusal {
    switch decision.outcome {
    case .quotaExceeded:
      Refusal(
        code: 8, message: "the daily quota of this API key is used up; it resets at 00:00 UTC",
        retryAfterSeconds: decision.retryAfterSeconds, decision: decision)
    default:
      Refusal(
        code: 8, message: "rate limit exceeded for \(path); retry after \(decision.retryAfterSeconds ?? 1) s",
        retryAfterSeconds: decision.retryAfterSeconds, decision: decision)
    }
  }

  /// Travellers and curators may only name their own user id, and must name one.
  public func checkOwner(_ caller: Caller, requestedUser: String?, path: String) -> Refusal? {
    switch caller.principal.role {
    case .admin, .service:
      return nil
    case .traveler, .curator:
      guard let requestedUser, !requestedUser.isEmpty else {
        return Refusal(code: 3, message: "user_id: required; \(path) must name the profile it acts on")
      }
      guard caller.principal.subject == requestedUser else {
        return Refusal(code: 7, message: "you may only access your own profile, not '\(requestedUser)'")
      }
      return nil
    }
  }

  /// A refused credential costs a token from the client address's anonymous bucket, so that
  /// guessing keys or tokens is rate limited like any anonymous call.
  public func refuse(_ failure: AuthenticationFailure, clientAddress: String, method: MethodPolicy, path: String) -> Refusal {
    let decision = admitRate(.anonymous, clientAddress: clientAddress, method: method)
    guard decision.isAllowed else { return Self.refusal(for: decision, path: path) }
    return Refusal(code: 16, message: failure.message)
  }

  /// The signed identity sent upstream for `caller`.
  func identityToken(for caller: Caller) -> String {
    signer.token(for: caller.isAnonymous ? Principal(subject: "anonymous", role: .traveler) : caller.principal)
  }
}

/// Signs a caller's identity once and reuses it for half its lifetime, so that the hot path
/// costs a dictionary lookup instead of JSON and HMAC.
final class IdentitySigner: Sendable {
  private static let lifetime = Duration.seconds(60)
  private let identity: InternalIdentity
  private let cache = Mutex<[Principal: (token: String, renewAt: Date)]>([:])

  init(identity: InternalIdentity) {
    self.identity = identity
  }

  func token(for principal: Principal) -> String {
    let now = Date()
    if let cached = cache.withLock({ $0[principal] }), cached.renewAt > now { return cached.token }
    let token = identity.token(for: principal, validFor: Self.lifetime, now: now)
    cache.withLock { cache in
      if cache.count > 10_000 { cache.removeAll(keepingCapacity: true) }
      cache[principal] = (token, now.addingTimeInterval(30))
    }
    return token
  }
}
