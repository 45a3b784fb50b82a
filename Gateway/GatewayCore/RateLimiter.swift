import Foundation
import Synchronization

/// Token buckets per caller and route class, plus a daily quota per API key. Limits can be
/// replaced at run time; buckets keep their tokens across a change (capped to the new burst).
public final class RateLimiter: Sendable {
  public struct Decision: Sendable, Equatable {
    public enum Outcome: String, Sendable {
      case allowed
      case rateLimited = "rate_limited"
      case quotaExceeded = "quota_exceeded"
      /// The route class has no limit configured.
      case unlimited
    }

    public var outcome: Outcome
    /// The bucket size (burst) of the class, for `RateLimit-Limit`.
    public var limit: Int
    public var remaining: Int
    /// Seconds until the bucket is full again, for `RateLimit-Reset`.
    public var resetSeconds: Int
    /// Seconds to wait before a retry can succeed, when refused.
    public var retryAfterSeconds: Int?

    public var isAllowed: Bool { outcome == .allowed || outcome == .unlimited }
  }

  private struct Bucket {
    var tokens: Double
    var updated: Double
  }

  private struct QuotaCounter {
    var day: Int
    var used: Int
  }

  private struct State {
    var limits: GatewayConfig.RateLimits
    var buckets: [String: Bucket] = [:]
    var quotas: [String: QuotaCounter] = [:]
  }

  private static let maximumBuckets = 200_000
  private let state: Mutex<State>
  private let now: @Sendable () -> Double

  /// - Parameter now: seconds on a monotonic clock; the tests pass their own.
  public init(limits: GatewayConfig.RateLimits, now: @escaping @Sendable () -> Double = RateLimiter.monotonicSeconds) {
    self.state = Mutex(State(limits: limits))
    self.now = now
  }

  private static let origin = ContinuousClock.now

  /// Seconds since the first use, on a clock that never goes back.
  public static let monotonicSeconds: @Sendable () -> Double = {
    let elapsed = origin.duration(to: .now)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  }

  public var limits: GatewayConfig.RateLimits {
    state.withLock { $0.limits }
  }

  public func update(_ limits: GatewayConfig.RateLimits) {
    state.withLock { $0.limits = limits }
  }

  /// Takes one token for `caller` (a principal, or `addr:<ip>` when anonymous) in `routeClass`,
  /// and one unit of the daily quota of `quotaKey` when given.
  public func acquire(
    caller: String, anonymous: Bool, routeClass: String, quotaKey: String? = nil, dailyQuota: Int? = nil,
    wallClock: Date = Date()
  ) -> Decision {
    let now = self.now()
    return state.withLock { state in
      let limit = (anonymous ? state.limits.anonymousClasses?[routeClass] : nil) ?? state.limits.classes[routeClass]
      guard let limit else {
        return Decision(outcome: .unlimited, limit: 0, remaining: 0, resetSeconds: 0, retryAfterSeconds: nil)
      }
      let key = "\(anonymous ? "anon" : "auth")|\(routeClass)|\(caller)"
      let burst = Double(limit.burst)
      var bucket = state.buckets[key] ?? Bucket(tokens: burst, updated: now)
      bucket.tokens = min(burst, bucket.tokens + max(0, now - bucket.updated) * limit.ratePerSecond)
      bucket.updated = now

      if bucket.tokens < 1 {
        state.buckets[key] = bucket
        let wait = (1 - bucket.tokens) / limit.ratePerSecond
        return Decision(
          outcome: .rateLimited, limit: limit.burst, remaining: 0,
          resetSeconds: Self.secondsUntilFull(bucket, burst: burst, rate: limit.ratePerSecond),
          retryAfterSeconds: max(1, Int(wait.rounded(.up))))
      }

      if let quotaKey, let dailyQuota, dailyQuota > 0 {
        let day = Int(wallClock.timeIntervalSince1970) / 86_400
        var counter = state.quotas[quotaKey] ?? QuotaCounter(day: day, used: 0)
        if counter.day != day { counter = QuotaCounter(day: day, used: 0) }
        guard counter.used < dailyQuota else {
          state.buckets[key] = bucket
          let untilMidnight = (day + 1) * 86_400 - Int(wallClock.timeIntervalSince1970)
          return Decision(
            outcome: .quotaExceeded, limit: limit.burst, remaining: Int(bucket.tokens),
            resetSeconds: untilMidnight, retryAfterSeconds: max(1, untilMidnight))
        }
        counter.used += 1
        state.quotas[quotaKey] = counter
      }

      bucket.tokens -= 1
      if state.buckets.count >= Self.maximumBuckets {
        Self.evictFullBuckets(&state, now: now)
        // Every bucket in use: forgetting them all bounds memory at the price of a fresh burst.
        if state.buckets.count >= Self.maximumBuckets { state.buckets.removeAll(keepingCapacity: true) }
      }
      state.buckets[key] = bucket
      return Decision(
        outcome: .allowed, limit: limit.burst, remaining: Int(bucket.tokens.rounded(.down)),
        resetSeconds: Self.secondsUntilFull(bucket, burst: burst, rate: limit.ratePerSecond), retryAfterSeconds: nil)
    }
  }

  private static func secondsUntilFull(_ bucket: Bucket, burst: Double, rate: Double) -> Int {
    max(0, Int(((burst - bucket.tokens) / rate).rounded(.up)))
  }

  /// A bucket idle long enough to have refilled holds no information; dropping it bounds the
  /// memory that many distinct client addresses can take.
  private static func evictFullBuckets(_ state: inout State, now: Double) {
    let limits = state.limits
    state.buckets = state.buckets.filter { key, bucket in
      let routeClass = key.split(separator: "|", maxSplits: 2).dropFirst().first.map(String.init) ?? ""
      let anonymous = key.hasPrefix("anon|")
      guard let limit = (anonymous ? limits.anonymousClasses?[routeClass] : nil) ?? limits.classes[routeClass] else { return false }
      return bucket.tokens + (now - bucket.updated) * limit.ratePerSecond < Double(limit.burst)
    }
  }
}
