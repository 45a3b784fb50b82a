import Logging
import LoyaltyRuntime
import NIOCore
import Metrics
import Synchronization

/// One finished call as the gateway saw it, for the access log and the metrics.
struct CallRecord {
  var transport: String
  var route: String
  var code: Int
  var duration: Duration
  var requestID: String
  var principalClass: String
  var keyID: String?
  var subject: String?
  var client: String
  var limiter: String
  var upstream: String?
  var attempts: Int
  var httpStatus: Int?
  /// What went wrong upstream, for operators (never sent to the client).
  var detail: String? = nil
}

/// The access log (one line per call, never a credential) and Prometheus metrics by route,
/// status, principal class and limiter decision.
public final class GatewayTelemetry: Sendable {
  private let logger: Logger
  private let factory: any MetricsFactory
  private let counters = Mutex<[String: Counter]>([:])
  private let timers = Mutex<[String: Metrics.Timer]>([:])

  public init(logger: Logger, factory: any MetricsFactory) {
    self.logger = logger
    self.factory = factory
  }

  func record(_ call: CallRecord) {
    let status = Self.codeName(call.code)
    let counterKey = "\(call.route)|\(status)|\(call.principalClass)|\(call.limiter)"
    let counter = counters.withLock { counters in
      if let counter = counters[counterKey] { return counter }
      let counter = Counter(
        label: "gateway_requests_total",
        dimensions: [
          ("route", call.route), ("status", status), ("principal_class", call.principalClass), ("limiter", call.limiter),
        ], factory: factory)
      counters[counterKey] = counter
      return counter
    }
    counter.increment()
    let timerKey = "\(call.route)|\(status)"
    let timer = timers.withLock { timers in
      if let timer = timers[timerKey] { return timer }
      let timer = Metrics.Timer(
        label: "gateway_request_duration_seconds", dimensions: [("route", call.route), ("status", status)],
        preferredDisplayUnit: .seconds, factory: factory)
      timers[timerKey] = timer
      return timer
    }
    timer.recordNanoseconds(TimeAmount(call.duration).nanoseconds)

    var metadata: Logger.Metadata = [
      "request_id": "\(call.requestID)", "transport": "\(call.transport)", "method": "\(call.route)",
      "status": "\(status)", "duration_ms": "\(call.duration.millisecondsText)",
      "principal_class": "\(call.principalClass)", "client": "\(call.client)", "limiter": "\(call.limiter)",
    ]
    if let keyID = call.keyID { metadata["key_id"] = "\(keyID)" }
    if let subject = call.subject, !subject.isEmpty { metadata["subject"] = "\(subject)" }
    if let upstream = call.upstream { metadata["upstream"] = "\(upstream)" }
    if call.attempts > 1 { metadata["attempts"] = "\(call.attempts)" }
    if let httpStatus = call.httpStatus { metadata["http_status"] = "\(httpStatus)" }
    if let detail = call.detail { metadata["error"] = "\(detail)" }
    logger.info("call", metadata: metadata)
  }

  /// gRPC status names as used in metrics labels ("ok", "unavailable", ...).
  static func codeName(_ code: Int) -> String {
    switch code {
    case 0: "ok"
    case 1: "cancelled"
    case 2: "unknown"
    case 3: "invalid_argument"
    case 4: "deadline_exceeded"
    case 5: "not_found"
    case 6: "already_exists"
    case 7: "permission_denied"
    case 8: "resource_exhausted"
    case 9: "failed_precondition"
    case 10: "aborted"
    case 11: "out_of_range"
    case 12: "unimplemented"
    case 13: "internal"
    case 14: "unavailable"
    case 15: "data_loss"
    case 16: "unauthenticated"
    default: "code_\(code)"
    }
  }
}
