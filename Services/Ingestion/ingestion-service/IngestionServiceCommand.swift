import ArgumentParser
import IngestionService
import LoyaltyRuntime

@main
struct IngestionServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ingestion-service",
    abstract: "Serves the knowledge-base ingestion pipeline (loyalty.ingestion.v1) over gRPC: a versioned landing zone and the runs that load its documents into the graph."
  )

  @OptionGroup var options: ServiceOptions

  @Option(help: "full: fsync every commit; normal: survive crashes, not power loss (LOYALTY_DB_DURABILITY).")
  var durability: String?

  @Option(help: "graph-service address the pipeline loads into (LOYALTY_GRAPH_TARGET, default 127.0.0.1:50051).")
  var graphTarget: String?

  @Option(help: "Largest document accepted, bytes (LOYALTY_INGEST_MAX_DOCUMENT_BYTES, default 10485760).")
  var maxDocumentBytes: String?

  @Option(help: "Facts less certain than this (0–1) send a run to review (LOYALTY_INGEST_REVIEW_THRESHOLD, default 0.8).")
  var reviewThreshold: String?

  @Option(help: "Runs processed at a time (LOYALTY_INGEST_WORKERS, default 4).")
  var workers: String?

  @Option(help: "Tries of a stage that fails transiently before the run fails (LOYALTY_INGEST_MAX_ATTEMPTS, default 12).")
  var maxAttempts: String?

  @Option(help: "Longest wait between tries, seconds (LOYALTY_INGEST_MAX_BACKOFF, default 30).")
  var maxBackoff: String?

  @Option(help: "offline (built-in extractors) or llm (needs --llm-url) (LOYALTY_INGEST_EXTRACTOR, default offline).")
  var extractor: String?

  @Option(help: "Path of pdftotext (LOYALTY_PDFTOTEXT; default: found in PATH).")
  var pdftotext: String?

  @Option(help: "Non-current versions kept per key, 0 for all (LOYALTY_INGEST_KEEP_NONCURRENT, default 10).")
  var keepNoncurrentVersions: String?

  @Option(help: "Days a non-current version is kept, 0 for ever (LOYALTY_INGEST_NONCURRENT_DAYS, default 365).")
  var noncurrentExpirationDays: String?

  @Option(help: "Seconds between lifecycle sweeps (LOYALTY_INGEST_LIFECYCLE_INTERVAL, default 3600).")
  var lifecycleInterval: String?

  @Option(help: "OpenAI-compatible chat endpoint for the llm extractor, e.g. http://127.0.0.1:11434/v1 (LOYALTY_LLM_URL).")
  var llmURL: String?

  @Option(help: "Model name for --llm-url (LOYALTY_LLM_MODEL, default gpt-4o-mini).")
  var llmModel: String?

  @Option(help: "File holding the API key for --llm-url (LOYALTY_LLM_API_KEY_FILE).")
  var llmAPIKeyFile: String?

  func run() async throws {
    var flags = IngestionConfig.Flags()
    flags.durability = durability
    flags.graphTarget = graphTarget
    flags.maxDocumentBytes = maxDocumentBytes
    flags.reviewThreshold = reviewThreshold
    flags.workers = workers
    flags.maxAttempts = maxAttempts
    flags.maxBackoff = maxBackoff
    flags.extractor = extractor
    flags.pdftotext = pdftotext
    flags.keepNoncurrentVersions = keepNoncurrentVersions
    flags.noncurrentExpirationDays = noncurrentExpirationDays
    flags.lifecycleInterval = lifecycleInterval
    flags.llmURL = llmURL
    flags.llmModel = llmModel
    flags.llmAPIKeyFile = llmAPIKeyFile
    let config = try IngestionConfig(options: options, flags: flags)
    try await runServiceProcess(label: "ingestion-service", config: config.service) { logger, registry in
      try makeIngestionServer(config: config, logger: logger, metricsRegistry: registry)
    }
  }
}
