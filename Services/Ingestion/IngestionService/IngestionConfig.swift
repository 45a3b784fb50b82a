import Foundation
import LoyaltyRuntime

/// Defaults of ingestion-service: gRPC on 50053, admin HTTP on 9053.
public let ingestionServiceDefaults = ServiceDefaults(name: "ingestion", grpcPort: 50053, adminPort: 9053)

/// Settings of ingestion-service: the shared ones (see `ServiceOptions`) plus
///
/// | key | flag | environment | default |
/// | --- | --- | --- | --- |
/// | db.durability | `--durability` | `LOYALTY_DB_DURABILITY` | `full` (fsync every commit) or `normal` |
/// | peers.graph | `--graph-target` | `LOYALTY_GRAPH_TARGET` | 127.0.0.1:50051 |
/// | ingest.maxDocumentBytes | `--max-document-bytes` | `LOYALTY_INGEST_MAX_DOCUMENT_BYTES` | 10485760 (10 MiB) |
/// | ingest.reviewThreshold | `--review-threshold` | `LOYALTY_INGEST_REVIEW_THRESHOLD` | 0.8: facts less certain go to review |
/// | ingest.workers | `--workers` | `LOYALTY_INGEST_WORKERS` | 4 runs at a time |
/// | ingest.maxAttempts | `--max-attempts` | `LOYALTY_INGEST_MAX_ATTEMPTS` | 12 tries of a stage that fails transiently |
/// | ingest.maxBackoffSeconds | `--max-backoff` | `LOYALTY_INGEST_MAX_BACKOFF` | 30 (the wait doubles from 0.5 s up to this) |
/// | ingest.extractor | `--extractor` | `LOYALTY_INGEST_EXTRACTOR` | `offline`, or `llm` (needs llm.url) |
/// | ingest.pdftotext | `--pdftotext` | `LOYALTY_PDFTOTEXT` | found in PATH |
/// | lifecycle.keepNoncurrent | `--keep-noncurrent-versions` | `LOYALTY_INGEST_KEEP_NONCURRENT` | 10 (0: no limit) |
/// | lifecycle.noncurrentDays | `--noncurrent-expiration-days` | `LOYALTY_INGEST_NONCURRENT_DAYS` | 365 (0: never) |
/// | lifecycle.interval | `--lifecycle-interval` | `LOYALTY_INGEST_LIFECYCLE_INTERVAL` | 3600 seconds |
/// | llm.url | `--llm-url` | `LOYALTY_LLM_URL` | none |
/// | llm.model | `--llm-model` | `LOYALTY_LLM_MODEL` | `gpt-4o-mini` |
/// | llm.apiKeyFile | `--llm-api-key-file` | `LOYALTY_LLM_API_KEY_FILE` | none |
public struct IngestionConfig: Sendable {
  public enum Extractor: String, Sendable {
    case offline
    case llm
  }

  /// An OpenAI-compatible chat completions endpoint for the LLM extractor.
  public typealias LanguageModel = LanguageModelEndpoint

  /// What the landing zone keeps of superseded versions.
  public struct Lifecycle: Sendable, Equatable {
    public var keepNoncurrentVersions: Int
    public var noncurrentExpirationDays: Int
    public var interval: Duration

    public init(keepNoncurrentVersions: Int = 10, noncurrentExpirationDays: Int = 365, interval: Duration = .seconds(3600)) {
      self.keepNoncurrentVersions = keepNoncurrentVersions
      self.noncurrentExpirationDays = noncurrentExpirationDays
      self.interval = interval
    }
  }

  public var service: RuntimeConfig
  public var durability: ServiceDatabase.Durability
  public var graphTarget: ServiceAddress
  public var maxDocumentBytes: Int
  public var reviewThreshold: Double
  public var workers: Int
  public var maxAttempts: Int
  public var maxBackoff: Duration
  public var extractor: Extractor
  public var pdftotextPath: String?
  public var lifecycle: Lifecycle
  public var languageModel: LanguageModel?

  public init(
    service: RuntimeConfig, durability: ServiceDatabase.Durability = .full,
    graphTarget: ServiceAddress = ServiceAddress(host: "127.0.0.1", port: 50051), maxDocumentBytes: Int = 10 << 20,
    reviewThreshold: Double = 0.8, workers: Int = 4, maxAttempts: Int = 12, maxBackoff: Duration = .seconds(30),
    extractor: Extractor = .offline, pdftotextPath: String? = nil, lifecycle: Lifecycle = Lifecycle(),
    languageModel: LanguageModel? = nil
  ) {
    self.service = service
    self.durability = durability
    self.graphTarget = graphTarget
    self.maxDocumentBytes = maxDocumentBytes
    self.reviewThreshold = reviewThreshold
    self.workers = workers
    self.maxAttempts = maxAttempts
    self.maxBackoff = maxBackoff
    self.extractor = extractor
    self.pdftotextPath = pdftotextPath
    self.lifecycle = lifecycle
    self.languageModel = languageModel
  }

  /// The command-line flags of ingestion-service besides the shared ones.
  public struct Flags: Sendable {
    public var durability: String?
    public var graphTarget: String?
    public var maxDocumentBytes: String?
    public var reviewThreshold: String?
    public var workers: String?
    public var maxAttempts: String?
    public var maxBackoff: String?
    public var extractor: String?
    public var pdftotext: String?
    public var keepNoncurrentVersions: String?
    public var noncurrentExpirationDays: String?
    public var lifecycleInterval: String?
    public var llmURL: String?
    public var llmModel: String?
    public var llmAPIKeyFile: String?

    public init() {}
  }

  public init(
    options: ServiceOptions, flags: Flags, environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(ConfigError) {
    func setting(_ flag: String?, _ variable: String) -> String? {
      flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }
    func integer(_ flag: String?, _ variable: String, key: String, default value: Int, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
      guard let text = setting(flag, variable) else { return value }
      guard let number = Int(text), range.contains(number) else {
        throw ConfigError(key: key, message: "'\(text)' is not a whole number in \(range.lowerBound)…\(range.upperBound)")
      }
      return number
    }

    let service = try RuntimeConfig(options: options, defaults: ingestionServiceDefaults, environment: environment)
    let durabilityText = setting(flags.durability, "LOYALTY_DB_DURABILITY") ?? "full"
    guard let durability = ServiceDatabase.Durability(rawValue: durabilityText) else {
      throw ConfigError(key: "db.durability", message: "'\(durabilityText)' is not full or normal")
    }
    let graph = try ServiceAddress(parsing: setting(flags.graphTarget, "LOYALTY_GRAPH_TARGET") ?? "127.0.0.1:50051", key: "peers.graph")
    let maxBytes = try integer(
      flags.maxDocumentBytes, "LOYALTY_INGEST_MAX_DOCUMENT_BYTES", key: "ingest.maxDocumentBytes", default: 10 << 20, in: 1_024...(1 << 30))
    var threshold = 0.8
    if let text = setting(flags.reviewThreshold, "LOYALTY_INGEST_REVIEW_THRESHOLD") {
      guard let value = Double(text), (0...1).contains(value) else {
        throw ConfigError(key: "ingest.reviewThreshold", message: "'\(text)' is not a number in 0…1")
      }
      threshold = value
    }
    let workers = try integer(flags.workers, "LOYALTY_INGEST_WORKERS", key: "ingest.workers", default: 4, in: 1...64)
    let attempts = try integer(flags.maxAttempts, "LOYALTY_INGEST_MAX_ATTEMPTS", key: "ingest.maxAttempts", default: 12, in: 1...1_000)
    let backoff = try integer(flags.maxBackoff, "LOYALTY_INGEST_MAX_BACKOFF", key: "ingest.maxBackoffSeconds", default: 30, in: 1...3_600)
    let extractorText = setting(flags.extractor, "LOYALTY_INGEST_EXTRACTOR") ?? "offline"
    guard let extractor = Extractor(rawValue: extractorText) else {
      throw ConfigError(key: "ingest.extractor", message: "'\(extractorText)' is not offline or llm")
    }
    let lifecycle = Lifecycle(
      keepNoncurrentVersions: try integer(
        flags.keepNoncurrentVersions, "LOYALTY_INGEST_KEEP_NONCURRENT", key: "lifecycle.keepNoncurrent", default: 10, in: 0...100_000),
      noncurrentExpirationDays: try integer(
        flags.noncurrentExpirationDays, "LOYALTY_INGEST_NONCURRENT_DAYS", key: "lifecycle.noncurrentDays", default: 365, in: 0...36_500),
      interval: .seconds(
        try integer(flags.lifecycleInterval, "LOYALTY_INGEST_LIFECYCLE_INTERVAL", key: "lifecycle.interval", default: 3600, in: 1...604_800)))

    let languageModel = try LanguageModelEndpoint.configured(
      url: flags.llmURL, model: flags.llmModel, apiKeyFile: flags.llmAPIKeyFile, environment: environment)
    if extractor == .llm, languageModel == nil {
      throw ConfigError(key: "ingest.extractor", message: "llm needs an endpoint: set llm.url (--llm-url or LOYALTY_LLM_URL)")
    }
    self.init(
      service: service, durability: durability, graphTarget: graph, maxDocumentBytes: maxBytes, reviewThreshold: threshold,
      workers: workers, maxAttempts: attempts, maxBackoff: .seconds(backoff), extractor: extractor,
      pdftotextPath: setting(flags.pdftotext, "LOYALTY_PDFTOTEXT"), lifecycle: lifecycle, languageModel: languageModel)
  }

  public var databasePath: URL { service.dataDirectory.appendingPathComponent("ingestion.sqlite") }
}
