import LoyaltyRuntime
import NIOCore
import Synchronization

/// A named set of upstream targets serving the same API, with a cap on the calls in flight.
public final class UpstreamPool: Sendable {
  public let name: String
  public let targets: [ServiceAddress]
  public let required: Bool
  public let maxConcurrentRequests: Int
  private let inFlight = Atomic<Int>(0)
  private let nextTarget = Atomic<Int>(0)
  let health: UpstreamHealthTable

  init(_ config: GatewayConfig.Upstream, health: UpstreamHealthTable) throws {
    self.name = config.name
    self.targets = try config.targets.map { try ServiceAddress(parsing: $0, key: "upstreams.targets") }
    self.required = config.required ?? true
    self.maxConcurrentRequests = config.maxConcurrentRequests ?? 1024
    self.health = health
  }

  public var callsInFlight: Int { inFlight.load(ordering: .relaxed) }

  /// Reserves a slot for one call, or nil when the pool is at its cap.
  func reserve() -> Bool {
    let reserved = inFlight.wrappingAdd(1, ordering: .relaxed).newValue
    if reserved > maxConcurrentRequests {
      inFlight.wrappingSubtract(1, ordering: .relaxed)
      return false
    }
    return true
  }

  func release() {
    inFlight.wrappingSubtract(1, ordering: .relaxed)
  }

  /// Round robin over the targets that are not known to be down; all of them when none is
  /// known to be up (a fresh gateway has not heard from any yet). `excluding` skips the
  /// target a failed attempt used, when there is another.
  func pickTarget(excluding failed: ServiceAddress? = nil) -> ServiceAddress {
    let start = nextTarget.wrappingAdd(1, ordering: .relaxed).oldValue
    if targets.count == 1 { return targets[0] }
    var fallback: ServiceAddress?
    for offset in 0..<targets.count {
      let target = targets[(start &+ offset) % targets.count]
      if target == failed { continue }
      if health.isUsable(target) { return target }
      fallback = fallback ?? target
    }
    return fallback ?? targets[start % targets.count]
  }
}

/// Every pool, and per event loop the connections to every target.
public final class UpstreamPools: Sendable {
  public let pools: [String: UpstreamPool]
  public let health: UpstreamHealthTable
  private let connections: [ObjectIdentifier: NIOLoopBoundBox<LoopConnections>]
  private let loops: [any EventLoop]

  init(config: GatewayConfig, group: any EventLoopGroup, health: UpstreamHealthTable) throws {
    self.health = health
    var pools: [String: UpstreamPool] = [:]
    for upstream in config.upstreams {
      pools[upstream.name] = try UpstreamPool(upstream, health: health)
    }
    self.pools = pools
    var connections: [ObjectIdentifier: NIOLoopBoundBox<LoopConnections>] = [:]
    for loop in group.makeIterator() {
      connections[ObjectIdentifier(loop)] = .makeBoxSendingValue(LoopConnections(eventLoop: loop), eventLoop: loop)
    }
    self.connections = connections
    self.loops = Array(group.makeIterator())
  }

  /// The connection to `target` owned by `eventLoop` (which must be one of the gateway's).
  func connection(to target: ServiceAddress, on eventLoop: any EventLoop) -> UpstreamConnection {
    guard let loopConnections = connections[ObjectIdentifier(eventLoop)]?.value else {
      preconditionFailure("event loop outside the gateway's group")
    }
    return loopConnections.connection(to: target)
  }

  func closeAll() {
    for loop in loops {
      loop.execute { self.connections[ObjectIdentifier(loop)]?.value.closeAll() }
    }
  }
}

final class LoopConnections {
  let eventLoop: any EventLoop
  private var byTarget: [ServiceAddress: UpstreamConnection] = [:]

  init(eventLoop: any EventLoop) {
    self.eventLoop = eventLoop
  }

  func connection(to target: ServiceAddress) -> UpstreamConnection {
    if let existing = byTarget[target] { return existing }
    let connection = UpstreamConnection(target: target, eventLoop: eventLoop)
    byTarget[target] = connection
    return connection
  }

  func closeAll() {
    for connection in byTarget.values { connection.close() }
  }
}
