import Synchronization

/// The serving status of each gRPC service a process hosts, plus `""` for the whole
/// process. Watchers see every change; shutdown reports NOT_SERVING and ends their streams.
public final class HealthRegistry: Sendable {
  public enum Status: Sendable, Equatable {
    case serving
    case notServing
  }

  private struct State {
    var statuses: [String: Status] = [:]
    var watchers: [Int: (service: String, continuation: AsyncStream<Status?>.Continuation)] = [:]
    var nextWatcherID = 0
    var isShutDown = false
    /// What the process reports for itself, before `dependenciesReady` is applied.
    var processStatus: Status = .notServing
    var dependenciesReady = true
  }

  private let state = Mutex(State())

  public init() {}

  /// Registers services, all NOT_SERVING until `setAll(.serving)` after start-up.
  public init(services: [String]) {
    state.withLock { state in
      state.statuses[""] = .notServing
      for service in services { state.statuses[service] = .notServing }
    }
  }

  /// The status of `service`, or nil when it is not hosted here.
  public func status(of service: String) -> Status? {
    state.withLock { $0.statuses[service] }
  }

  public var overallStatus: Status {
    status(of: "") ?? .notServing
  }

  public func set(_ status: Status, for service: String) {
    state.withLock { state in
      var status = status
      if service == "" {
        state.processStatus = status
        status = state.dependenciesReady ? status : .notServing
      }
      Self.publish(status, for: service, in: &state)
    }
  }

  /// Whether the dependencies the whole process needs (a gateway's required upstreams) are
  /// available; while they are not, `""` reports NOT_SERVING whatever the process says.
  public func setDependenciesReady(_ ready: Bool) {
    state.withLock { state in
      state.dependenciesReady = ready
      Self.publish(ready ? state.processStatus : .notServing, for: "", in: &state)
    }
  }

  private static func publish(_ status: Status, for service: String, in state: inout State) {
    guard !state.isShutDown, state.statuses[service] != status else { return }
    state.statuses[service] = status
    for watcher in state.watchers.values where watcher.service == service {
      watcher.continuation.yield(status)
    }
  }

  /// Sets every registered service, and the process as a whole, to `status`.
  public func setAll(_ status: Status) {
    let services = state.withLock { Array($0.statuses.keys) }
    for service in services { set(status, for: service) }
  }

  /// Every service reports NOT_SERVING, then all watch streams end, so that graceful shutdown
  /// is not held open by watchers.
  public func shutDown() {
    setAll(.notServing)
    let watchers = state.withLock { state in
      state.isShutDown = true
      let watchers = state.watchers.values.map(\.continuation)
      state.watchers.removeAll()
      return watchers
    }
    for continuation in watchers { continuation.finish() }
  }

  /// The current status (nil for an unknown service) followed by every change.
  public func watch(_ service: String) -> AsyncStream<Status?> {
    let (stream, continuation) = AsyncStream.makeStream(of: Status?.self, bufferingPolicy: .bufferingNewest(16))
    let id: Int? = state.withLock { state in
      continuation.yield(state.statuses[service])
      guard !state.isShutDown else { return nil }
      let id = state.nextWatcherID
      state.nextWatcherID += 1
      state.watchers[id] = (service, continuation)
      return id
    }
    guard let id else {
      continuation.finish()
      return stream
    }
    continuation.onTermination = { [weak self] _ in
      _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
    }
    return stream
  }
}
