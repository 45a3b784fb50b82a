import Foundation
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import Prometheus

/// Defaults of profile-service: gRPC on 50052, admin HTTP on 9052.
public let profileServiceDefaults = ServiceDefaults(name: "profile", grpcPort: 50052, adminPort: 9052)

/// Settings of profile-service beyond the shared ones.
///
/// | key | flag | environment | default |
/// | --- | --- | --- | --- |
/// | db.durability | `--durability` | `LOYALTY_DB_DURABILITY` | `full` (fsync every commit) or `normal` |
public struct ProfileConfig: Sendable {
  public var service: RuntimeConfig
  public var durability: ServiceDatabase.Durability

  public init(service: RuntimeConfig, durability: ServiceDatabase.Durability = .full) {
    self.service = service
    self.durability = durability
  }

  public var databasePath: URL { service.dataDirectory.appendingPathComponent("profile.sqlite") }
}

/// Builds profile-service: its database (migrated), its handlers and the shared runtime.
/// `main` and the tests call this same function.
public func makeProfileServer(
  config: ProfileConfig,
  logger: Logger,
  metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) throws -> ServiceApplication {
  let database = try ProfileStore.openDatabase(at: config.databasePath, durability: config.durability, logger: logger)
  let store = ProfileStore(database: database)
  return try ServiceApplication(
    config: config.service,
    services: [ProfileService(store: store, logger: logger)],
    hostedServiceNames: [Loyalty_Profile_V1_ProfileService.descriptor.fullyQualifiedService],
    database: database,
    metricsRegistry: metricsRegistry,
    logger: logger
  )
}
