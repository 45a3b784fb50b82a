import Foundation
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import Prometheus
import ServiceLifecycle

/// graph-service as one lifecycle `Service`: the shared runtime serving the graph and the
/// advisor, plus the connection to profile-service the advisor personalises answers with.
public final class GraphServer: Service, Sendable {
  public let application: ServiceApplication
  public let store: GraphStore
  private let profiles: ProfileDirectory?

  init(application: ServiceApplication, store: GraphStore, profiles: ProfileDirectory?) {
    self.application = application
    self.store = store
    self.profiles = profiles
  }

  public func listeningPorts() async throws -> ServiceApplication.Ports {
    try await application.listeningPorts()
  }

  public func run() async throws {
    try await withThrowingDiscardingTaskGroup { group in
      if let profiles {
        group.addTask { try await profiles.run() }
      }
      defer { profiles?.shutDown() }
      try await application.run()
    }
  }
}

/// Builds graph-service: its database (migrated, and seeded when empty and asked to), the
/// graph and advisor handlers, and the shared runtime. `main` and the tests call this.
public func makeGraphServer(
  config: GraphConfig,
  logger: Logger,
  metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) async throws -> GraphServer {
  let database = try GraphStore.openDatabase(at: config.databasePath, durability: config.durability, logger: logger)
  let store = GraphStore(database: database)
  if config.seed == .curated {
    try await CuratedSeed.applyIfEmpty(to: store, logger: logger)
  }
  let identity = try InternalIdentity(secret: config.service.internalSecret)
  let profiles = try config.profileTarget.map { try ProfileDirectory(target: $0, identity: identity) }
  var phraser: ChatCompletionPhraser?
  if let model = config.languageModel {
    phraser = try ChatCompletionPhraser(baseURL: model.baseURL.absoluteString, model: model.model, apiKey: model.apiKey)
  }
  let advisor = AdvisorAPIService(
    facts: AdvisorFactsCache(store: store), profiles: profiles, phraser: phraser, logger: logger)
  let application = try ServiceApplication(
    config: config.service,
    services: [GraphAPIService(store: store, logger: logger), advisor],
    hostedServiceNames: [
      Loyalty_Graph_V1_GraphService.descriptor.fullyQualifiedService,
      Loyalty_Advisor_V1_AdvisorService.descriptor.fullyQualifiedService,
    ],
    database: database,
    metricsRegistry: metricsRegistry,
    logger: logger
  )
  return GraphServer(application: application, store: store, profiles: profiles)
}
