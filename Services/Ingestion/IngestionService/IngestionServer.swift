import Foundation
import GRPCCore
import IngestionCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import Prometheus
import ServiceLifecycle

/// ingestion-service as one lifecycle `Service`: the shared runtime serving the ingestion
/// API, the pipeline runner, the lifecycle schedule and the connection to graph-service.
public final class IngestionServer: Service, Sendable {
  public let application: ServiceApplication
  public let store: IngestionStore
  private let runner: PipelineRunner
  private let lifecycle: LifecycleSweeper
  private let events: RunEvents
  private let graph: GraphServiceLoader

  init(
    application: ServiceApplication, store: IngestionStore, runner: PipelineRunner, lifecycle: LifecycleSweeper, events: RunEvents,
    graph: GraphServiceLoader
  ) {
    self.application = application
    self.store = store
    self.runner = runner
    self.lifecycle = lifecycle
    self.events = events
    self.graph = graph
  }

  public func listeningPorts() async throws -> ServiceApplication.Ports {
    try await application.listeningPorts()
  }

  public func run() async throws {
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await self.graph.run() }
      let background = Task {
        await withDiscardingTaskGroup { background in
          background.addTask { await self.runner.run() }
          background.addTask { await self.lifecycle.run() }
        }
      }
      defer {
        background.cancel()
        events.finishAll()
        graph.shutDown()
      }
      try await application.run()
      // Runs in flight stop between stages; they continue from there at the next start.
      background.cancel()
      await background.value
    }
  }
}

/// Builds ingestion-service: its database (migrated), the pipeline with the configured
/// extractor, the API and the shared runtime. `main` and the tests call this.
public func makeIngestionServer(
  config: IngestionConfig,
  logger: Logger,
  metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) throws -> IngestionServer {
  let database = try IngestionStore.openDatabase(at: config.databasePath, durability: config.durability, logger: logger)
  let store = IngestionStore(database: database)
  let identity = try InternalIdentity(secret: config.service.internalSecret)
  let graph = try GraphServiceLoader(target: config.graphTarget, identity: identity)

  let extractor: any FactExtractor
  switch config.extractor {
  case .offline:
    extractor = OfflineFactExtractor()
  case .llm:
    guard let model = config.languageModel else {
      throw ConfigError(key: "ingest.extractor", message: "llm needs an endpoint: set llm.url")
    }
    do {
      extractor = try LLMFactExtractor(baseURL: model.baseURL.absoluteString, model: model.model, apiKey: model.apiKey, logger: logger)
    } catch {
      throw ConfigError(key: "llm.url", message: error.description)
    }
  }

  let stages = PipelineStages(
    store: store, textExtractor: TextExtractor(pdftotextPath: config.pdftotextPath), extractor: extractor,
    validator: FactValidator(confidenceThreshold: config.reviewThreshold), graph: graph,
    programDetails: { id in
      ProgramDirectory.program(id: id).map { (name: $0.name, kind: $0.kind.rawValue, currencyName: $0.currency) }
    },
    airlineName: { code in AirlineDirectory.airline(code: code)?.name })
  let events = RunEvents()
  let runner = PipelineRunner(
    store: store, stages: stages, events: events,
    settings: .init(workers: config.workers, maxAttempts: config.maxAttempts, maxBackoff: config.maxBackoff),
    logger: logger, metrics: PrometheusMetricsFactory(registry: metricsRegistry))
  let lifecycle = LifecycleSweeper(rules: config.lifecycle, store: store, logger: logger)
  let api = IngestionAPIService(
    store: store, runner: runner, events: events, lifecycle: lifecycle, maxDocumentBytes: config.maxDocumentBytes, logger: logger)
  let application = try ServiceApplication(
    config: config.service,
    services: [api],
    hostedServiceNames: [Loyalty_Ingestion_V1_IngestionService.descriptor.fullyQualifiedService],
    database: database,
    metricsRegistry: metricsRegistry,
    logger: logger
  )
  return IngestionServer(
    application: application, store: store, runner: runner, lifecycle: lifecycle, events: events, graph: graph)
}
