import ArgumentParser
import GraphService
import LoyaltyRuntime

@main
struct GraphServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "graph-service",
    abstract: "Serves the knowledge graph (loyalty.graph.v1) and the advisor (loyalty.advisor.v1) over gRPC."
  )

  @OptionGroup var options: ServiceOptions

  @Option(help: "full: fsync every commit; normal: survive crashes, not power loss (LOYALTY_DB_DURABILITY).")
  var durability: String?

  @Option(help: "profile-service address for personalised advice, or 'none' (LOYALTY_PROFILE_TARGET, default 127.0.0.1:50052).")
  var profileTarget: String?

  @Option(help: "curated: load the shipped seed into an empty graph; none (LOYALTY_GRAPH_SEED, default curated).")
  var seed: String?

  @Option(help: "OpenAI-compatible chat endpoint that may phrase Ask answers, e.g. http://127.0.0.1:11434/v1 (LOYALTY_LLM_URL).")
  var llmURL: String?

  @Option(help: "Model name for --llm-url (LOYALTY_LLM_MODEL, default gpt-4o-mini).")
  var llmModel: String?

  @Option(help: "File holding the API key for --llm-url (LOYALTY_LLM_API_KEY_FILE).")
  var llmAPIKeyFile: String?

  func run() async throws {
    let config = try GraphConfig(
      options: options, durability: durability, profileTarget: profileTarget, seed: seed, llmURL: llmURL,
      llmModel: llmModel, llmAPIKeyFile: llmAPIKeyFile)
    try await runServiceProcess(label: "graph-service", config: config.service) { logger, registry in
      try await makeGraphServer(config: config, logger: logger, metricsRegistry: registry)
    }
  }
}
