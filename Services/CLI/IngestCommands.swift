import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import SwiftProtobuf

/// `loyalty ingest …`: the landing zone and the pipeline runs through the gateway.
struct IngestCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ingest",
    abstract: "Uploads pages to the ingestion pipeline and follows, reviews and retries its runs (curator or admin key).",
    discussion: """
      These commands go through the gateway like 'loyalty graph', with the API key of a curator or an \
      admin (--api-key-file, LOYALTY_API_KEY_FILE, or ./data/admin-api-key written by 'loyalty suite up').

      A run goes received → text-extracted → facts-extracted → validated → (needs-review → approved | \
      rejected) → transformed → loaded → done, or failed.
      """,
    subcommands: [
      IngestSubmitCommand.self, IngestRunsCommand.self, IngestRunCommand.self, IngestWatchCommand.self,
      IngestApproveCommand.self, IngestRejectCommand.self, IngestRetryCommand.self, IngestVersionsCommand.self,
      IngestDocumentsCommand.self, IngestGetCommand.self, IngestDeleteCommand.self, IngestLifecycleCommand.self,
    ]
  )
}

typealias IngestionClient = Loyalty_Ingestion_V1_IngestionService.Client<HTTP2ClientTransport.Posix>

extension GatewayConnection {
  /// Runs `body` with an ingestion client through the gateway, like `withGateway`.
  func withIngestion<Result: Sendable>(
    _ body: (IngestionClient, Metadata, CallOptions) async throws -> Result
  ) async throws -> Result {
    try await withGateway { client, metadata, options in
      try await body(Loyalty_Ingestion_V1_IngestionService.Client(wrapping: client), metadata, options)
    }
  }

  /// Call options for calls that outlast the usual answer: `--timeout`, but at least `seconds`.
  func callOptions(atLeast seconds: Double) -> CallOptions {
    var options = callOptions
    options.timeout = .milliseconds(Int64(max(seconds, timeout) * 1000))
    return options
  }
}

/// How long `watch` and `submit --wait` follow runs: the gateway's limit for WatchRuns.
let runWatchSeconds: Double = 3600

/// Run states by the names the CLI prints and accepts.
enum RunStateOption: String, ExpressibleByArgument, CaseIterable {
  case received
  case textExtracted = "text-extracted"
  case factsExtracted = "facts-extracted"
  case validated
  case needsReview = "needs-review"
  case approved
  case rejected
  case transformed
  case loaded
  case done
  case failed

  var proto: Loyalty_Ingestion_V1_RunState {
    switch self {
    case .received: .received
    case .textExtracted: .textExtracted
    case .factsExtracted: .factsExtracted
    case .validated: .validated
    case .needsReview: .needsReview
    case .approved: .approved
    case .rejected: .rejected
    case .transformed: .transformed
    case .loaded: .loaded
    case .done: .done
    case .failed: .failed
    }
  }
}

/// Pipeline stages by the names the CLI prints and accepts.
enum StageOption: String, ExpressibleByArgument, CaseIterable {
  case extractText = "extract-text"
  case extractFacts = "extract-facts"
  case validate
  case transform
  case load

  var proto: Loyalty_Ingestion_V1_Stage {
    switch self {
    case .extractText: .extractText
    case .extractFacts: .extractFacts
    case .validate: .validate
    case .transform: .transform
    case .load: .load
    }
  }
}

/// Follows runs through WatchRuns, printing each change once.
enum RunWatcher {
  /// Follows one run until it is done, failed or rejected — or, with `untilReview`, until it
  /// waits for a curator. Returns the last state seen.
  static func follow(
    _ runID: String, untilReview: Bool, json: Bool, ingestion: IngestionClient, metadata: Metadata
  ) async throws -> Loyalty_Ingestion_V1_Run? {
    var options = CallOptions.defaults
    options.timeout = .seconds(Int64(runWatchSeconds))
    return try await ingestion.watchRuns(.with { $0.runID = runID }, metadata: metadata, options: options) { response in
      var last: Loyalty_Ingestion_V1_Run?
      for try await run in response.messages {
        if last.map({ RunWatcher.changed($0, run) }) ?? true { try RunWatcher.show(run, json: json) }
        last = run
        if IngestOutput.isFinished(run.state) || (untilReview && run.state == .needsReview) { break }
      }
      return last
    }
  }

  static func changed(_ old: Loyalty_Ingestion_V1_Run, _ new: Loyalty_Ingestion_V1_Run) -> Bool {
    old.state != new.state || old.stage != new.stage || old.reason != new.reason || old.attempts != new.attempts
      || old.factsExtracted != new.factsExtracted || old.factsFlagged != new.factsFlagged
  }

  /// Prints at once, also into a pipe: a change matters when it happens.
  static func show(_ run: Loyalty_Ingestion_V1_Run, json: Bool) throws {
    if json { try ProfileOutput.printJSON(run) } else { print(IngestOutput.runChange(run)) }
    fflush(nil)
  }

  /// 1 when a run failed or was rejected, 2 when one waits for review, else 0.
  static func exitCode(_ runs: [Loyalty_Ingestion_V1_Run?]) -> Int32 {
    if runs.contains(where: { $0 == nil || $0?.state == .failed || $0?.state == .rejected }) { return 1 }
    return runs.contains { $0?.state == .needsReview } ? 2 : 0
  }
}

struct IngestRunsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "runs", abstract: "Lists pipeline runs, newest first.")

  @OptionGroup var connection: GatewayConnection

  @Option(help: "Only runs in this state.")
  var state: RunStateOption?

  @Option(help: "Only runs of this document key.")
  var key: String?

  @Option(help: "At most this many (1–1000).")
  var limit: Int = 50

  func validate() throws {
    guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
  }

  func run() async throws {
    let (runs, more) = try await connection.withIngestion { ingestion, metadata, options in
      var runs: [Loyalty_Ingestion_V1_Run] = []
      var token = ""
      repeat {
        let page = try await ingestion.listRuns(
          .with {
            $0.state = state?.proto ?? .unspecified
            $0.documentKey = key ?? ""
            $0.pageSize = Int32(limit - runs.count)
            $0.pageToken = token
          }, metadata: metadata, options: options)
        runs += page.runs.prefix(limit - runs.count)
        token = page.nextPageToken
      } while !token.isEmpty && runs.count < limit
      return (runs, !token.isEmpty)
    }
    if connection.json { return try ProfileOutput.printJSON(Loyalty_Ingestion_V1_ListRunsResponse.with { $0.runs = runs }) }
    IngestOutput.printRuns(runs)
    if more { print("(more than \(limit); raise --limit)") }
  }
}

struct IngestRunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Shows one run: its state, stage outputs with their keys, versions and durations, and where it loaded.")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "The run id.")
  var id: String

  func run() async throws {
    let run = try await connection.withIngestion { ingestion, metadata, options in
      try await ingestion.getRun(.with { $0.runID = id }, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(run) }
    IngestOutput.printRun(run)
  }
}

struct IngestWatchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "watch",
    abstract: "Prints each change of a run until it is done, failed or rejected; with no id, every run's changes.",
    discussion: """
      With a run id, exits 1 when the run failed or was rejected. Without one, follows every run until \
      interrupted, for at most an hour.
      """)

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "The run id; omit to follow every run.")
  var id: String?

  func run() async throws {
    let json = connection.json
    if let id {
      let last = try await connection.withIngestion { ingestion, metadata, _ in
        try await RunWatcher.follow(id, untilReview: false, json: json, ingestion: ingestion, metadata: metadata)
      }
      let code = last.map { RunWatcher.exitCode([$0]) } ?? 0
      if code == 1 { throw ExitCode(code) }
      return
    }
    let options = connection.callOptions(atLeast: runWatchSeconds)
    try await connection.withIngestion { ingestion, metadata, _ in
      do {
        try await ingestion.watchRuns(.init(), metadata: metadata, options: options) { response in
          var last: [String: Loyalty_Ingestion_V1_Run] = [:]
          for try await run in response.messages {
            if last[run.runID].map({ RunWatcher.changed($0, run) }) ?? true { try RunWatcher.show(run, json: json) }
            last[run.runID] = run
          }
        }
      } catch let error as RPCError where error.code == .deadlineExceeded {
        printError("stopped watching after \(Int(runWatchSeconds / 60)) minutes; run the command again to keep watching")
      }
    }
  }
}

struct IngestApproveCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "approve", abstract: "Approves a run that needs review: its facts are transformed and loaded.")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "The run id.")
  var id: String

  @Option(help: "Why, kept with the run.")
  var comment: String = ""

  func run() async throws {
    let run = try await connection.withIngestion { ingestion, metadata, options in
      try await ingestion.approveRun(.with { $0.runID = id; $0.comment = comment }, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(run) }
    print(IngestOutput.runChange(run))
  }
}

struct IngestRejectCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reject", abstract: "Rejects a run that needs review: nothing of it reaches the graph.")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "The run id.")
  var id: String

  @Option(help: "Why, kept with the run.")
  var comment: String = ""

  func run() async throws {
    let run = try await connection.withIngestion { ingestion, metadata, options in
      try await ingestion.rejectRun(.with { $0.runID = id; $0.comment = comment }, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(run) }
    print(IngestOutput.runChange(run))
  }
}

struct IngestRetryCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "retry",
    abstract: "Runs a failed run again from the stage that failed, or a finished run from an earlier stage.")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "The run id.")
  var id: String

  @Option(help: "Start from this stage; default the stage that failed.")
  var fromStage: StageOption?

  func run() async throws {
    let run = try await connection.withIngestion { ingestion, metadata, options in
      try await ingestion.retryRun(
        .with {
          $0.runID = id
          $0.fromStage = fromStage?.proto ?? .unspecified
        }, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(run) }
    print(IngestOutput.runChange(run))
  }
}
