import Foundation
import GatewayAuth
import LoyaltyRuntime
import NIOCore
import Synchronization

/// What the gateway's front doors share: routing, admission, upstream pools and telemetry.
public final class GatewayServices: Sendable {
  public let routes: RouteTable
  public let admission: CallAdmission
  public let pools: UpstreamPools
  /// The gateway's own gRPC services (admin API, reflection, health), reached like an upstream.
  public let gatewayPool: UpstreamPool
  /// The same services for anonymous callers (health, reflection), with a cap of their own so
  /// that long-lived anonymous streams cannot take the admin API's slots.
  public let openGatewayPool: UpstreamPool
  public let telemetry: GatewayTelemetry
  public let maxRequestBytes: Int
  public let retry: GatewayConfig.Retry
  private let inFlight = Atomic<Int>(0)

  /// Calls accepted on either port and not yet answered.
  public var callsInFlight: Int { inFlight.load(ordering: .relaxed) }
  func callStarted() { inFlight.wrappingAdd(1, ordering: .relaxed) }
  func callEnded() { inFlight.wrappingSubtract(1, ordering: .relaxed) }

  init(
    routes: RouteTable, admission: CallAdmission, pools: UpstreamPools, gatewayPool: UpstreamPool,
    openGatewayPool: UpstreamPool, telemetry: GatewayTelemetry, maxRequestBytes: Int, retry: GatewayConfig.Retry
  ) {
    self.routes = routes
    self.admission = admission
    self.pools = pools
    self.gatewayPool = gatewayPool
    self.openGatewayPool = openGatewayPool
    self.telemetry = telemetry
    self.maxRequestBytes = maxRequestBytes
    self.retry = retry
  }

  func pool(for route: RouteTable.ResolvedRoute) -> UpstreamPool? {
    switch route.target {
    case .gateway: route.method.access == .open ? openGatewayPool : gatewayPool
    case .pool(let name): pools.pools[name]
    }
  }

  /// Headers every response of a routed call carries: request id, deprecation notices and
  /// rate-limit state.
  static func responseHeaders(
    requestID: String, version: GatewayConfig.APIVersion?, decision: RateLimiter.Decision?
  ) -> [(String, String)] {
    var headers: [(String, String)] = [("x-request-id", requestID)]
    if let version, version.deprecated == true {
      headers.append(("deprecation", "true"))
      if let sunset = version.sunset, let date = ISO8601DateFormatter().date(from: sunset) {
        headers.append(("sunset", httpDate(date)))
      }
    }
    if let decision, decision.outcome != .unlimited {
      headers.append(("ratelimit-limit", String(decision.limit)))
      headers.append(("ratelimit-remaining", String(decision.remaining)))
      headers.append(("ratelimit-reset", String(decision.resetSeconds)))
    }
    return headers
  }

  static func httpDate(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    return formatter.string(from: date)
  }

  /// A random prefix per process and a counter: unique without a UUID per call.
  private static let requestIDPrefix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
  private static let requestCounter = Atomic<UInt64>(0)

  static func newRequestID() -> String {
    let count = requestCounter.wrappingAdd(1, ordering: .relaxed).newValue
    return "\(requestIDPrefix)-\(String(count, radix: 16))"
  }
}
