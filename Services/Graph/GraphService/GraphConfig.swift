import Foundation
import LoyaltyRuntime

/// Defaults of graph-service: gRPC on 50051, admin HTTP on 9051.
public let graphServiceDefaults = ServiceDefaults(name: "graph", grpcPort: 50051, adminPort: 9051)

/// Settings of graph-service: the shared ones (see `ServiceOptions`) plus
///
/// | key | flag | environment | default |
/// | --- | --- | --- | --- |
/// | db.durability | `--durability` | `LOYALTY_DB_DURABILITY` | `full` (fsync every commit) or `normal` |
/// | peers.profile | `--profile-target` | `LOYALTY_PROFILE_TARGET` | 127.0.0.1:50052; `none` turns personalisation off |
/// | graph.seed | `--seed` | `LOYALTY_GRAPH_SEED` | `curated`: load the shipped seed into an empty graph; `none` |
/// | llm.url | `--llm-url` | `LOYALTY_LLM_URL` | none: answers are phrased offline |
/// | llm.model | `--llm-model` | `LOYALTY_LLM_MODEL` | `gpt-4o-mini` |
/// | llm.apiKeyFile | `--llm-api-key-file` | `LOYALTY_LLM_API_KEY_FILE` | none |
public struct GraphConfig: Sendable {
  public enum Seed: String, Sendable {
    case curated
    case none
  }

  /// An OpenAI-compatible chat completions endpoint that may phrase Ask answers.
  public typealias LanguageModel = LanguageModelEndpoint

  public var service: RuntimeConfig
  public var durability: ServiceDatabase.Durability
  public var profileTarget: ServiceAddress?
  public var seed: Seed
  public var languageModel: LanguageModel?

  public init(
    service: RuntimeConfig, durability: ServiceDatabase.Durability = .full, profileTarget: ServiceAddress? = nil,
    seed: Seed = .curated, languageModel: LanguageModel? = nil
  ) {
    self.service = service
    self.durability = durability
    self.profileTarget = profileTarget
    self.seed = seed
    self.languageModel = languageModel
  }

  public init(
    options: ServiceOptions, durability: String?, profileTarget: String?, seed: String?,
    llmURL: String?, llmModel: String?, llmAPIKeyFile: String?,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(ConfigError) {
    func setting(_ flag: String?, _ variable: String) -> String? {
      flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }
    let service = try RuntimeConfig(options: options, defaults: graphServiceDefaults, environment: environment)
    let durabilityText = setting(durability, "LOYALTY_DB_DURABILITY") ?? "full"
    guard let durability = ServiceDatabase.Durability(rawValue: durabilityText) else {
      throw ConfigError(key: "db.durability", message: "'\(durabilityText)' is not full or normal")
    }
    let profileText = setting(profileTarget, "LOYALTY_PROFILE_TARGET") ?? "127.0.0.1:50052"
    let profile = profileText == "none" ? nil : try ServiceAddress(parsing: profileText, key: "peers.profile")
    let seedText = setting(seed, "LOYALTY_GRAPH_SEED") ?? "curated"
    guard let seed = Seed(rawValue: seedText) else {
      throw ConfigError(key: "graph.seed", message: "'\(seedText)' is not curated or none")
    }
    let languageModel = try LanguageModelEndpoint.configured(
      url: llmURL, model: llmModel, apiKeyFile: llmAPIKeyFile, environment: environment)
    self.init(service: service, durability: durability, profileTarget: profile, seed: seed, languageModel: languageModel)
  }

  public var databasePath: URL { service.dataDirectory.appendingPathComponent("graph.sqlite") }
}
