import Foundation
import GRPCCore
import Logging
import Metrics
import Synchronization

/// The request id of the call being handled, created when the caller sent none.
public enum RequestContext {
  public static let metadataKey = "x-request-id"
  @TaskLocal public static var requestID: String?

  /// A caller's request id, when short and printable, so logs cannot be forged or flooded.
  public static func acceptable(_ value: String?) -> String? {
    guard let value, !value.isEmpty, value.utf8.count <= 128, value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
      return nil
    }
    return value
  }
}

extension Duration {
  /// The duration in seconds, as metrics and reports give it.
  public var inSeconds: Double {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }

  /// Milliseconds with three decimals, as log lines show durations.
  public var millisecondsText: String {
    let micros = components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    let fraction = String(micros % 1000)
    return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
  }
}

extension Logger {
  /// This logger with the request id of the call being handled, for log lines written by
  /// handlers.
  public var withCurrentRequest: Logger {
    var logger = self
    if let requestID = RequestContext.requestID { logger[metadataKey: "request_id"] = "\(requestID)" }
    return logger
  }
}

/// Per call: keeps or creates `x-request-id` (echoed in the response headers), writes one
/// access-log line, and records request counts and latency by method and status.
public struct ObservabilityInterceptor: ServerInterceptor {
  private let logger: Logger
  private let metrics: RPCMetrics

  public init(logger: Logger, metrics: RPCMetrics) {
    self.logger = logger
    self.metrics = metrics
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let requestID = Self.requestID(from: request.metadata)
    let method = context.descriptor.fullyQualifiedMethod
    let started = ContinuousClock.now
    var logger = self.logger
    logger[metadataKey: "request_id"] = "\(requestID)"
    let finish: @Sendable (RPCError.Code?) -> Void = { [metrics, logger] code in
      let elapsed = ContinuousClock.now - started
      let status = code.map { "\($0)" } ?? "ok"
      metrics.record(method: method, status: status, duration: elapsed)
      logger.info(
        "rpc",
        metadata: [
          "method": "\(method)", "status": "\(status)",
          "duration_ms": "\(elapsed.millisecondsText)",
        ])
    }

    do {
      var response = try await RequestContext.$requestID.withValue(requestID) {
        try await next(request, context)
      }
      switch response.accepted {
      case .failure(let error):
        finish(error.code)
      case .success(var contents):
        contents.metadata.replaceOrAddString(requestID, forKey: RequestContext.metadataKey)
        let producer = contents.producer
        contents.producer = { writer in
          do {
            let trailers = try await RequestContext.$requestID.withValue(requestID) { try await producer(writer) }
            finish(nil)
            return trailers
          } catch {
            finish(Self.code(of: error))
            throw error
          }
        }
        response.accepted = .success(contents)
      }
      return response
    } catch {
      finish(Self.code(of: error))
      throw error
    }
  }

  /// Milliseconds with three decimals, e.g. `0.412`.
  static func requestID(from metadata: Metadata) -> String {
    for value in metadata[stringValues: RequestContext.metadataKey] {
      if let accepted = RequestContext.acceptable(value) { return accepted }
    }
    return UUID().uuidString.lowercased()
  }

  static func code(of error: any Error) -> RPCError.Code {
    switch error {
    case let error as RPCError: error.code
    case let error as any RPCErrorConvertible: error.rpcErrorCode
    default: .unknown
    }
  }
}

/// Request counters and latency histograms, created once per (method, status).
public final class RPCMetrics: Sendable {
  private let factory: any MetricsFactory
  private let instruments = Mutex<[String: (Counter, Metrics.Timer)]>([:])

  public init(factory: any MetricsFactory) {
    self.factory = factory
  }

  func record(method: String, status: String, duration: Duration) {
    let key = method + "|" + status
    let (counter, timer) = instruments.withLock { instruments in
      if let existing = instruments[key] { return existing }
      let dimensions = [("method", method), ("status", status)]
      let created = (
        Counter(label: "grpc_server_requests_total", dimensions: dimensions, factory: factory),
        Metrics.Timer(label: "grpc_server_request_duration_seconds", dimensions: dimensions, factory: factory)
      )
      instruments[key] = created
      return created
    }
    counter.increment()
    timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
  }
}
