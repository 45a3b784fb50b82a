import Foundation
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import Prometheus

/// Builds profile-service: its database (migrated), its handlers (profile API v1 and v2, on
/// the same store) and the shared runtime.
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
    services: [ProfileService(store: store, logger: logger), ProfileServiceV2(store: store, logger: logger)],
    hostedServiceNames: [
      Loyalty_Profile_V1_ProfileService.descriptor.fullyQualifiedService,
      Loyalty_Profile_V2_ProfileService.descriptor.fullyQualifiedService,
    ],
    database: database,
    metricsRegistry: metricsRegistry,
    logger: logger
  )
}
