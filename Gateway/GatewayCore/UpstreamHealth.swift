import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// The last known health of every upstream target, fed by `UpstreamHealthMonitor`.
public final class UpstreamHealthTable: Sendable {
  public enum Status: String, Sendable {
    case serving = "SERVING"
    case notServing = "NOT_SERVING"
    case unknown = "UNKNOWN"
    case unreachable = "UNREACHABLE"
  }

  public struct Entry: Sendable {
    public var status: Status
    public var since: Date
    public var lastError: String?
  }

  private let entries = Mutex<[ServiceAddress: Entry]>([:])
  private let changes: AsyncStream<Void>.Continuation
  let changed: AsyncStream<Void>

  public init() {
    (changed, changes) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
  }

  public func entry(for target: ServiceAddress) -> Entry {
    entries.withLock { $0[target] } ?? Entry(status: .unknown, since: Date(), lastError: nil)
  }

  /// False only for targets known to be down; unknown ones are worth a try.
  func isUsable(_ target: ServiceAddress) -> Bool {
    switch entries.withLock({ $0[target]?.status }) {
    case .notServing, .unreachable: false
    default: true
    }
  }

  func set(_ status: Status, for target: ServiceAddress, error: String? = nil) {
    let changed = entries.withLock { entries in
      if let current = entries[target], current.status == status {
        if error != nil { entries[target]?.lastError = error }
        return false
      }
      entries[target] = Entry(status: status, since: Date(), lastError: error ?? entries[target]?.lastError)
      return true
    }
    if changed { changes.yield() }
  }
}

/// Follows every upstream target with grpc.health.v1 Watch and keeps the gateway's own
/// readiness in step: `""` is SERVING only while every required pool has a serving target.
struct UpstreamHealthMonitor: Sendable {
  let pools: UpstreamPools
  let registry: HealthRegistry
  let logger: Logger
  var retryDelay: Duration = .seconds(1)

  func run() async {
    let targets = Set(pools.pools.values.flatMap(\.targets))
    registry.setDependenciesReady(false)
    await withDiscardingTaskGroup { group in
      for target in targets {
        group.addTask { await watch(target) }
      }
      group.addTask { await publishReadiness() }
    }
  }

  /// Whether every required pool has a serving target.
  static func ready(_ pools: UpstreamPools) -> Bool {
    pools.pools.values.filter(\.required).allSatisfy { pool in
      pool.targets.contains { pools.health.entry(for: $0).status == .serving }
    }
  }

  private func publishReadiness() async {
    var wasReady: Bool?
    func update() {
      let ready = Self.ready(pools)
      if ready != wasReady {
        wasReady = ready
        registry.setDependenciesReady(ready)
        if ready {
          logger.notice("every required upstream is serving")
        } else {
          logger.warning("a required upstream pool has no serving target; reporting NOT_SERVING")
        }
      }
    }
    update()
    for await _ in pools.health.changed.cancelOnGracefulShutdown() {
      update()
    }
  }

  private func watch(_ target: ServiceAddress) async {
    while !Task.isCancelled, !Task.isShuttingDownGracefully {
      do {
        try await cancelWhenGracefulShutdown { try await follow(target) }
        pools.health.set(.unknown, for: target, error: "the health stream ended")
      } catch {
        if Task.isCancelled || Task.isShuttingDownGracefully { return }
        pools.health.set(.unreachable, for: target, error: Self.describe(error))
      }
      do {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: retryDelay) }
      } catch {
        return
      }
    }
  }

  private func follow(_ target: ServiceAddress) async throws {
    try await withServiceClient(target, identity: nil, principal: Principal(subject: "gateway", role: .service)) { client in
      let health = Grpc_Health_V1_Health.Client(wrapping: client)
      var options = CallOptions.defaults
      options.waitForReady = false
      try await health.watch(.with { $0.service = "" }, options: options) { response in
        for try await message in response.messages {
          let status: UpstreamHealthTable.Status = message.status == .serving ? .serving : .notServing
          pools.health.set(status, for: target)
        }
      }
    }
  }

  private static func describe(_ error: any Error) -> String {
    if let error = error as? RPCError { return "\(error.code): \(error.message)" }
    return "\(error)"
  }
}
