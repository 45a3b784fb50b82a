import Foundation
import GatewayCore
import Synchronization
import Testing

@Suite struct RateLimiterTests {
  final class FakeClock: Sendable {
    let seconds = Mutex<Double>(1000)
    func advance(_ delta: Double) { seconds.withLock { $0 += delta } }
  }

  let clock = FakeClock()

  func limiter(rate: Double = 10, burst: Int = 20) -> RateLimiter {
    let clock = self.clock
    return RateLimiter(
      limits: .init(classes: ["read": .init(ratePerSecond: rate, burst: burst)]),
      now: { clock.seconds.withLock { $0 } })
  }

  @Test func burstIsAllowedBackToBackThenRefusedWithRetryAfter() {
    let limiter = limiter()
    let decisions = (0..<30).map { _ in limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read") }
    #expect(decisions.filter(\.isAllowed).count == 20)
    let refused = decisions.last!
    #expect(refused.outcome == .rateLimited)
    #expect(refused.retryAfterSeconds == 1)
    #expect(refused.limit == 20)
    #expect(refused.remaining == 0)
  }

  @Test func tokensRefillAtTheConfiguredRate() {
    let limiter = limiter()
    for _ in 0..<20 { _ = limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read") }
    #expect(!limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read").isAllowed)
    clock.advance(0.5)
    let allowed = (0..<10).map { _ in limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read") }.filter(\.isAllowed)
    #expect(allowed.count == 5)
  }

  @Test func callersHaveSeparateBuckets() {
    let limiter = limiter(burst: 1)
    #expect(limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read").isAllowed)
    #expect(!limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read").isAllowed)
    #expect(limiter.acquire(caller: "key:b", anonymous: false, routeClass: "read").isAllowed)
    #expect(limiter.acquire(caller: "addr:127.0.0.1", anonymous: true, routeClass: "read").isAllowed)
  }

  @Test func unconfiguredClassesAreUnlimited() {
    let decision = limiter().acquire(caller: "key:a", anonymous: false, routeClass: "bulk")
    #expect(decision.outcome == .unlimited)
    #expect(decision.isAllowed)
  }

  @Test func dailyQuotaRefusesUntilMidnightUTC() {
    let limiter = limiter(rate: 1000, burst: 1000)
    let noon = Date(timeIntervalSince1970: 86_400 * 20_000 + 43_200)
    for _ in 0..<3 {
      #expect(limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read", quotaKey: "a", dailyQuota: 3, wallClock: noon).isAllowed)
    }
    let refused = limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read", quotaKey: "a", dailyQuota: 3, wallClock: noon)
    #expect(refused.outcome == .quotaExceeded)
    #expect(refused.retryAfterSeconds == 43_200)
    let nextDay = noon.addingTimeInterval(43_200)
    #expect(limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read", quotaKey: "a", dailyQuota: 3, wallClock: nextDay).isAllowed)
  }

  @Test func changedLimitsApplyToTheNextCall() {
    let limiter = limiter(burst: 1)
    _ = limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read")
    #expect(!limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read").isAllowed)
    limiter.update(.init(classes: ["write": .init(ratePerSecond: 1, burst: 1)]))
    #expect(limiter.acquire(caller: "key:a", anonymous: false, routeClass: "read").outcome == .unlimited)
  }
}
