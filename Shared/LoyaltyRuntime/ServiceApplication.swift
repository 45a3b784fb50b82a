import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import LoyaltyAPI
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// One service process as a lifecycle `Service`: its gRPC server (with the health,
/// identity and observability layers every service shares), its admin HTTP endpoint and
/// the monitoring of its database. `main` and the tests run the same value.
public final class ServiceApplication: Service, Sendable {
  public struct Ports: Sendable, Codable, Equatable {
    public var grpc: Int
    public var admin: Int

    public init(grpc: Int, admin: Int) {
      self.grpc = grpc
      self.admin = admin
    }
  }

  public let config: RuntimeConfig
  public let health: HealthRegistry
  public let metricsRegistry: PrometheusCollectorRegistry
  public let database: ServiceDatabase?
  private let server: GRPCServer<HTTP2ServerTransport.Posix>
  private let transport: HTTP2ServerTransport.Posix
  private let admin: AdminHTTPServer
  private let logger: Logger
  private let ports = OnceValue<Result<Ports, any Error>>()

  /// - Parameters:
  ///   - services: the domain services; health (and replication, with a database) are added.
  ///   - database: the service's database, monitored for health and closed at shutdown.
  public init(
    config: RuntimeConfig,
    services: [any RegistrableRPCService],
    hostedServiceNames: [String],
    database: ServiceDatabase?,
    metricsRegistry: PrometheusCollectorRegistry,
    logger: Logger
  ) throws {
    self.config = config
    self.logger = logger
    self.database = database
    self.metricsRegistry = metricsRegistry
    let identity = try InternalIdentity(secret: config.internalSecret)

    var hosted = hostedServiceNames
    var allServices = services
    if let database {
      hosted.append(Loyalty_Replication_V1_Replication.descriptor.fullyQualifiedService)
      allServices.append(
        ReplicationService(
          serviceName: config.serviceName, database: database,
          scratchDirectory: config.dataDirectory.appendingPathComponent("scratch"), logger: logger))
    }
    hosted.append(Grpc_Health_V1_Health.descriptor.fullyQualifiedService)
    let health = HealthRegistry(services: hosted)
    self.health = health
    allServices.append(HealthService(registry: health))

    let maxRequestBytes = config.maxRequestBytes
    transport = HTTP2ServerTransport.Posix(
      address: .ipv4(host: config.host, port: config.grpcPort),
      transportSecurity: .plaintext,
      config: .defaults { $0.rpc.maxRequestPayloadSize = RequestSizeInterceptor.transportCap(forLimit: maxRequestBytes) }
    )
    let metrics = RPCMetrics(factory: PrometheusMetricsFactory(registry: metricsRegistry))
    server = GRPCServer(
      transport: transport,
      services: allServices,
      interceptors: [
        ObservabilityInterceptor(logger: logger, metrics: metrics),
        IdentityInterceptor(identity: identity),
        RequestSizeInterceptor(limit: maxRequestBytes),
      ]
    )
    admin = AdminHTTPServer(host: config.host, port: config.adminPort, registry: metricsRegistry, health: health)
  }

  /// The bound ports, once listening; throws when binding failed.
  public func listeningPorts() async throws -> Ports {
    try await ports.wait().get()
  }

  public func run() async throws {
    let adminChannel: any Channel
    do {
      adminChannel = try await admin.bind()
    } catch {
      let failure = ServiceStartError(message: "cannot listen on \(config.host):\(config.adminPort) (admin.port): \(error)")
      ports.set(.failure(failure))
      throw failure
    }
    defer { adminChannel.close(promise: nil) }

    try await withGracefulShutdownHandler {
      try await withThrowingDiscardingTaskGroup { group in
        group.addTask {
          do {
            try await self.server.serve()
          } catch {
            let failure = ServiceStartError(message: "cannot serve on \(self.config.host):\(self.config.grpcPort) (grpc.port): \(error)")
            self.ports.set(.failure(failure))
            throw failure
          }
        }
        group.addTask { try await self.announce(adminPort: adminChannel.localAddress?.port ?? self.config.adminPort) }
        if let database {
          let monitor = DatabaseHealthMonitor(
            database: database, health: self.health, logger: self.logger,
            journalHead: Metrics.Gauge(label: "journal_last_sequence", factory: PrometheusMetricsFactory(registry: self.metricsRegistry)))
          group.addTask { await monitor.run() }
        }
      }
    } onGracefulShutdown: {
      self.logger.notice("shutting down: finishing in-flight calls")
      self.health.shutDown()
      self.database?.notifier.close()
      self.server.beginGracefulShutdown()
    }
    if let database { await database.close() }
    logger.notice("stopped")
  }

  private func announce(adminPort: Int) async throws {
    let grpcPort: Int
    do {
      let address = try await transport.listeningAddress
      grpcPort = address.ipv4?.port ?? address.ipv6?.port ?? config.grpcPort
    } catch {
      let failure = ServiceStartError(message: "cannot listen on \(config.host):\(config.grpcPort) (grpc.port): \(error)")
      ports.set(.failure(failure))
      throw failure
    }
    let bound = Ports(grpc: grpcPort, admin: adminPort)
    if let portFile = config.portFile {
      do {
        try JSONEncoder().encode(bound).write(to: portFile, options: .atomic)
      } catch {
        let failure = ServiceStartError(message: "cannot write the port file \(portFile.path) (ports.file): \(error)")
        ports.set(.failure(failure))
        throw failure
      }
    }
    health.setAll(.serving)
    logger.notice(
      "listening",
      metadata: ["grpc_port": "\(grpcPort)", "admin_port": "\(adminPort)", "host": "\(config.host)"])
    ports.set(.success(bound))
  }
}

public struct ServiceStartError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }

  public init(message: String) {
    self.message = message
  }
}

/// Flips the health of every hosted service with the state of the database: NOT_SERVING
/// while its file is gone or it cannot answer, SERVING again once it does. Also publishes
/// the journal head as a metric.
struct DatabaseHealthMonitor: Sendable {
  let database: ServiceDatabase
  let health: HealthRegistry
  let logger: Logger
  let journalHead: Metrics.Gauge
  var interval: Duration = .seconds(2)

  func run() async {
    var healthy = true
    while !Task.isCancelled {
      journalHead.record(database.notifier.latest)
      do {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
      } catch {
        return
      }
      let nowHealthy = await database.probe()
      if nowHealthy != healthy {
        healthy = nowHealthy
        if healthy {
          logger.notice("database answers again; serving")
        } else {
          logger.error("database check failed; reporting NOT_SERVING", metadata: ["path": "\(database.path.path)"])
        }
        health.setAll(healthy ? .serving : .notServing)
      }
    }
  }
}

/// A value set once and awaited by any number of tasks.
public final class OnceValue<Value: Sendable>: Sendable {
  private struct State {
    var value: Value?
    var waiters: [CheckedContinuation<Value, Never>] = []
  }

  private let state = Mutex(State())

  public init() {}

  /// Sets the value; later calls are ignored.
  public func set(_ value: Value) {
    let waiters = state.withLock { state -> [CheckedContinuation<Value, Never>] in
      guard state.value == nil else { return [] }
      state.value = value
      defer { state.waiters.removeAll() }
      return state.waiters
    }
    for waiter in waiters { waiter.resume(returning: value) }
  }

  public func wait() async -> Value {
    await withCheckedContinuation { continuation in
      let value = state.withLock { state -> Value? in
        if let value = state.value { return value }
        state.waiters.append(continuation)
        return nil
      }
      if let value { continuation.resume(returning: value) }
    }
  }
}
