import Foundation
import GRPCCore
import GatewayAuth
import GatewayReflection
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization

/// The gateway process as one lifecycle `Service`: the gRPC port (HTTP/2 proxy), the JSON
/// port, the admin port (metrics, health), the upstream health monitor, and the gateway's own
/// gRPC services (admin API, reflection, health) on an internal loopback port that the proxy
/// routes to like any upstream.
public final class GatewayApplication: Service, Sendable {
  public struct Ports: Sendable, Codable, Equatable {
    public var grpc: Int
    public var http: Int
    public var admin: Int
  }

  public let config: GatewayProcessConfig
  public let routes: RouteTable
  public let limiter: RateLimiter
  public let keys: APIKeyStore
  public let pools: UpstreamPools
  private let admission: CallAdmission
  private let internalServer: ServiceApplication
  private let telemetry: GatewayTelemetry
  private let settings: GatewayConfig
  private let logger: Logger
  private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
  private let ports = OnceValue<Result<Ports, any Error>>()

  public init(
    config: GatewayProcessConfig, settings: GatewayConfig, keys: APIKeyStore, jwt: JWTVerifier?,
    metricsRegistry: PrometheusCollectorRegistry, logger: Logger
  ) throws {
    try settings.validate(catalog: .standard)
    self.config = config
    self.settings = settings
    self.keys = keys
    self.logger = logger
    let identity = try InternalIdentity(secret: config.service.internalSecret)
    let routes = RouteTable(config: settings, catalog: .standard)
    self.routes = routes
    let limiter = RateLimiter(limits: settings.rateLimits)
    self.limiter = limiter
    let pools = try UpstreamPools(config: settings, group: group, health: UpstreamHealthTable())
    self.pools = pools
    self.admission = CallAdmission(authenticator: Authenticator(keys: keys, jwt: jwt), limiter: limiter, identity: identity)
    self.telemetry = GatewayTelemetry(logger: logger, factory: PrometheusMetricsFactory(registry: metricsRegistry))

    var internalConfig = config.service
    internalConfig.host = "127.0.0.1"
    internalConfig.grpcPort = 0
    internalConfig.portFile = nil
    let admin = GatewayAdminService(
      keys: keys, routes: routes, limiter: limiter, pools: pools,
      settings: GatewaySettingsFile(config: settings, url: config.configFile), logger: logger)
    let advertised = ServiceCatalog.standard.services.keys.sorted()
    let reflection = try ServerReflectionService(descriptorSet: LoyaltyDescriptorSet.serialized, advertisedServices: advertised)
    self.internalServer = try ServiceApplication(
      config: internalConfig,
      services: [admin, reflection],
      hostedServiceNames: [Loyalty_Gateway_V1_GatewayAdmin.descriptor.fullyQualifiedService] + ServerReflectionService.reflectionServiceNames,
      database: keys.database,
      metricsRegistry: metricsRegistry,
      logger: logger)
  }

  public var health: HealthRegistry { internalServer.health }

  /// The bound ports, once every listener is up; throws when start-up failed.
  public func listeningPorts() async throws -> Ports {
    try await ports.wait().get()
  }

  public func run() async throws {
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await self.internalServer.run() }
      let internalPorts: ServiceApplication.Ports
      do {
        internalPorts = try await internalServer.listeningPorts()
      } catch {
        ports.set(.failure(error))
        throw error
      }
      let internalTarget = "127.0.0.1:\(internalPorts.grpc)"
      let gatewayPool = try UpstreamPool(
        GatewayConfig.Upstream(name: "gateway", targets: [internalTarget], required: false), health: pools.health)
      let openGatewayPool = try UpstreamPool(
        GatewayConfig.Upstream(name: "gateway-open", targets: [internalTarget], required: false, maxConcurrentRequests: 256),
        health: pools.health)
      let services = GatewayServices(
        routes: routes, admission: admission, pools: pools, gatewayPool: gatewayPool, openGatewayPool: openGatewayPool,
        telemetry: telemetry,
        maxRequestBytes: settings.maxRequestBytes ?? config.service.maxRequestBytes,
        retry: settings.retry ?? GatewayConfig.Retry())
      let proxy = GRPCProxyServer(services: services, group: self.group)
      let json = JSONGatewayServer(services: services, healthSummary: { UpstreamHealthSummary(pools: self.pools) }, health: health)

      let grpcChannel: any Channel
      let httpChannel: any Channel
      do {
        grpcChannel = try await proxy.bind(host: config.service.host, port: config.service.grpcPort)
      } catch {
        let failure = ServiceStartError(message: "cannot listen on \(config.service.host):\(config.service.grpcPort) (grpc.port): \(error)")
        ports.set(.failure(failure))
        throw failure
      }
      do {
        httpChannel = try await json.bind(host: config.service.host, port: config.httpPort, group: self.group)
      } catch {
        grpcChannel.close(promise: nil)
        let failure = ServiceStartError(message: "cannot listen on \(config.service.host):\(config.httpPort) (http.port): \(error)")
        ports.set(.failure(failure))
        throw failure
      }
      let bound = Ports(
        grpc: grpcChannel.localAddress?.port ?? config.service.grpcPort,
        http: httpChannel.localAddress?.port ?? config.httpPort,
        admin: internalPorts.admin)
      if let portFile = config.service.portFile {
        do {
          try JSONEncoder().encode(bound).write(to: portFile, options: .atomic)
        } catch {
          let failure = ServiceStartError(message: "cannot write the port file \(portFile.path) (ports.file): \(error)")
          ports.set(.failure(failure))
          throw failure
        }
      }
      logger.notice(
        "gateway listening",
        metadata: [
          "grpc_port": "\(bound.grpc)", "http_port": "\(bound.http)", "admin_port": "\(bound.admin)",
          "host": "\(config.service.host)",
        ])
      ports.set(.success(bound))

      group.addTask { await UpstreamHealthMonitor(pools: self.pools, registry: self.health, logger: self.logger).run() }
      group.addTask { await self.reloadKeysPeriodically() }

      try? await gracefulShutdown()
      logger.notice("gateway shutting down: no new connections; finishing calls in flight")
      grpcChannel.close(promise: nil)
      httpChannel.close(promise: nil)
      proxy.sendGoAway()
      let deadline = ContinuousClock.now + config.service.shutdownGracePeriod
      while services.callsInFlight > 0, ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(20))
      }
      proxy.closeConnections()
      json.closeConnections()
      pools.closeAll()
    }
    logger.notice("gateway stopped")
  }

  /// Keys created by `gateway keys create` in another process become valid within seconds.
  private func reloadKeysPeriodically() async {
    while !Task.isShuttingDownGracefully {
      do {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3)) }
        try await keys.reload()
      } catch is CancellationError {
        return
      } catch {
        if Task.isShuttingDownGracefully { return }
        logger.warning("cannot reload API keys", metadata: ["error": "\(error)"])
      }
    }
  }
}
