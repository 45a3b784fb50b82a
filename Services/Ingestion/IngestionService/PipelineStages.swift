import Foundation
import GraphModel
import IngestionCore
import LoyaltyAPI
import LoyaltyRuntime

/// What a stage achieved: the run's next state, the outputs to store with it, and how the run
/// record changes.
struct StageOutcome: Sendable {
  var state: RunState
  var outputs: [IngestionStore.OutputToStore] = []
  var update: @Sendable (inout RunRecord) -> Void = { _ in }
}

/// The work of each pipeline stage. Stages read their input from the previous stage's stored
/// output, so any stage can be run again (after a restart, a retry or a better extractor).
struct PipelineStages: Sendable {
  let store: IngestionStore
  let textExtractor: TextExtractor
  let extractor: any FactExtractor
  let validator: FactValidator
  let graph: any GraphWriting
  let programDetails: @Sendable (String) -> (name: String, kind: String, currencyName: String)?
  let airlineName: @Sendable (String) -> String?

  func perform(_ stage: PipelineStage, on run: RunRecord) async throws(StageFailure) -> StageOutcome {
    let started = ContinuousClock.now
    var outcome: StageOutcome
    switch stage {
    case .extractText: outcome = try await extractText(run)
    case .extractFacts: outcome = try await extractFacts(run)
    case .validate: outcome = try await validate(run)
    case .transform: outcome = try await transform(run)
    case .load: outcome = try await load(run)
    case .finish: outcome = StageOutcome(state: .done)
    }
    let micros = (ContinuousClock.now - started).inMicroseconds
    outcome.outputs = outcome.outputs.map { output in
      var output = output
      output.durationMicros = micros
      return output
    }
    return outcome
  }

  // MARK: Stages

  private func extractText(_ run: RunRecord) async throws(StageFailure) -> StageOutcome {
    let (version, content) = try await read { try await store.document(key: run.documentKey, versionID: run.documentVersionID) }
    guard let type = version.type else { throw .permanent("version \(version.versionID) of '\(version.key)' is a delete marker") }
    let text: ProcessedText
    do {
      text = try await textExtractor.extract(content, as: type)
    } catch {
      throw .permanent(error.description)
    }
    var sourceURL = version.sourceURL
    if sourceURL.isEmpty, type == .html { sourceURL = CanonicalLink.find(in: content) ?? "" }
    let stored = StoredText(title: text.title ?? Self.fallbackTitle(key: run.documentKey), sourceURL: sourceURL, text: text.text)
    return StageOutcome(
      state: .textExtracted,
      outputs: [.init(stage: .extractText, name: "text.txt", content: stored.encoded, kind: .text, durationMicros: 0)])
  }

  private func extractFacts(_ run: RunRecord) async throws(StageFailure) -> StageOutcome {
    let stored = try await storedText(of: run)
    let version = try await read { try await store.version(key: run.documentKey, versionID: run.documentVersionID) }
    let context = ExtractionContext(
      documentKey: run.documentKey, sourceURL: stored.sourceURL.isEmpty ? nil : stored.sourceURL, retrievedDate: version.createdDay)
    let facts: ExtractedFacts
    do {
      facts = try await extractor.extract(from: ProcessedText(title: stored.title, text: stored.text), context: context)
    } catch let error as FactExtractionError {
      if case .transient(let reason) = error { throw .transient("the \(extractor.name) extractor: \(reason)") }
      throw .permanent("the \(extractor.name) extractor: \(error)")
    } catch {
      throw .permanent("the \(extractor.name) extractor failed: \(error)")
    }
    let data: Data
    do {
      data = try facts.jsonData()
    } catch {
      throw .permanent("the facts cannot be stored as JSON: \(error)")
    }
    let name = extractor.name
    return StageOutcome(
      state: .factsExtracted,
      outputs: [.init(stage: .extractFacts, name: "facts.json", content: data, kind: .facts, durationMicros: 0)],
      update: { run in
        run.extractor = name
        run.factsExtracted = facts.facts.count
      })
  }

  private func validate(_ run: RunRecord) async throws(StageFailure) -> StageOutcome {
    let facts = try await storedFacts(of: run)
    let validation = validator.validate(facts)
    if !validation.errors.isEmpty {
      throw .permanent(validation.errors.joined(separator: "; "))
    }
    let report = ValidationReport(validation)
    let flagged = validation.flagged.count
    let needsReview = validation.needsReview
    let reason =
      needsReview
      ? "\(flagged) of \(facts.facts.count) facts need a curator's review: "
        + validation.flagged.prefix(5).map { "\($0.fact.body.type) (\($0.reasons.joined(separator: "; ")))" }.joined(separator: " | ")
        + (flagged > 5 ? " | …" : "")
      : ""
    return StageOutcome(
      state: needsReview ? .needsReview : .validated,
      outputs: [.init(stage: .validate, name: "validation.json", content: report.encoded, kind: .facts, durationMicros: 0)],
      update: { run in
        run.factsFlagged = flagged
        run.reason = reason
      })
  }

  private func transform(_ run: RunRecord) async throws(StageFailure) -> StageOutcome {
    if let newer = try await read({ try await store.newerLoadedRun(than: run) }) {
      throw .permanent("superseded: version \(newer.documentVersionID) of '\(run.documentKey)' was loaded after this one was uploaded")
    }
    let stored = try await storedText(of: run)
    let facts = try await storedFacts(of: run)
    let version = try await read { try await store.version(key: run.documentKey, versionID: run.documentVersionID) }
    let previousRun = try await read { try await store.latestLoadedRun(documentKey: run.documentKey, excluding: run.runID) }
    var previousBatch: GraphBatch?
    if let previousRun, let output = previousRun.output(of: .transform) {
      let data = try await read { try await store.stageOutput(output) }
      do {
        previousBatch = try SeedFile.decode(data)
      } catch {
        throw .permanent("the batch of the previous version (run \(previousRun.runID)) cannot be read: \(error)")
      }
    }
    // A re-run (after a retry from an earlier stage) withdraws what its earlier pass loaded
    // and no longer finds.
    var earlierPass: GraphBatch?
    if run.output(of: .load) != nil, let output = run.output(of: .transform) {
      earlierPass = try? SeedFile.decode(try await read { try await store.stageOutput(output) })
    }
    let versionNumber = try await read { try await store.versionNumber(key: run.documentKey, versionID: run.documentVersionID) }
    let document = SourceDocument(
      key: run.documentKey, sha256: version.sha256 ?? "", title: stored.title,
      url: stored.sourceURL.isEmpty ? Self.landingZoneURL(key: run.documentKey) : stored.sourceURL,
      retrievedDate: version.createdDay, versionNumber: versionNumber)
    let referenced = Self.referencedNodeIDs(facts.facts)
    let existing = try await graph.existingNodes(referenced)
    let builder = GraphBatchBuilder(
      document: document,
      context: GraphContext(existingNodeIDs: existing, programDetails: programDetails, airlineName: airlineName))
    let output: GraphBatchBuilder.Output
    do {
      output = try builder.build(facts: facts.facts, previous: previousBatch, earlierPass: earlierPass)
    } catch {
      throw .permanent(error.description)
    }
    let notes = output.notes
    let supersedes = previousRun?.runID ?? ""
    return StageOutcome(
      state: .transformed,
      outputs: [.init(stage: .transform, name: "batch.json", content: SeedFile.encode(output.batch), kind: .batch, durationMicros: 0)],
      update: { run in
        run.sourceDocumentID = document.nodeID
        run.supersedesRunID = supersedes
        run.reason = notes.joined(separator: " | ")
      })
  }

  private func load(_ run: RunRecord) async throws(StageFailure) -> StageOutcome {
    if let newer = try await read({ try await store.newerLoadedRun(than: run) }) {
      throw .permanent("superseded: version \(newer.documentVersionID) of '\(run.documentKey)' was loaded after this one was transformed")
    }
    let latest = try await read { try await store.latestLoadedRun(documentKey: run.documentKey, excluding: run.runID) }
    if (latest?.runID ?? "") != run.supersedesRunID {
      // Another version loaded since this batch was made: make it again against that one.
      let rewound: RunState = run.reviewedBy.isEmpty ? .validated : .approved
      return StageOutcome(state: rewound, update: { $0.reason = "transformed again: another version of the key loaded meanwhile" })
    }
    guard let output = run.output(of: .transform) else { throw .permanent("the run has no graph batch; retry from the transform stage") }
    let data = try await read { try await store.stageOutput(output) }
    let batch: GraphBatch
    do {
      batch = try SeedFile.decode(data)
    } catch {
      throw .permanent("the stored graph batch cannot be read: \(error)")
    }
    let response = try await graph.upsert(batch)
    let report = LoadReport(response)
    return StageOutcome(
      state: .loaded,
      outputs: [.init(stage: .load, name: "load.json", content: report.encoded, kind: .batch, durationMicros: 0)],
      update: { $0.graphSequence = response.sequence })
  }

  // MARK: Inputs

  private func storedText(of run: RunRecord) async throws(StageFailure) -> StoredText {
    guard let output = run.output(of: .extractText) else { throw .permanent("the run has no extracted text; retry from the first stage") }
    let data = try await read { try await store.stageOutput(output) }
    return StoredText(decoding: data)
  }

  private func storedFacts(of run: RunRecord) async throws(StageFailure) -> ExtractedFacts {
    guard let output = run.output(of: .extractFacts) else { throw .permanent("the run has no extracted facts; retry from the extract-facts stage") }
    let data = try await read { try await store.stageOutput(output) }
    let facts: ExtractedFacts
    do {
      facts = try ExtractedFacts.decode(data)
    } catch {
      throw .permanent("the stored facts do not match the fact schema: \(error)")
    }
    guard facts.schemaVersion == ExtractedFacts.currentSchemaVersion else {
      throw .permanent(
        "the facts use schema version \(facts.schemaVersion); this build reads \(ExtractedFacts.currentSchemaVersion): retry from the extract-facts stage")
    }
    return facts
  }

  /// Reads from the service's own store; a failure there is worth another try.
  private func read<Value: Sendable>(_ body: () async throws -> Value) async throws(StageFailure) -> Value {
    do {
      return try await body()
    } catch let error as IngestionError {
      throw .permanent(error.description)
    } catch {
      throw .transient("the ingestion database: \(error)")
    }
  }

  static func referencedNodeIDs(_ facts: [ExtractedFact]) -> Set<String> {
    var ids: Set<String> = []
    for fact in facts {
      switch fact.body {
      case .earningRate(let rate):
        ids.insert(NodeID.program(rate.program))
        ids.insert(NodeID.airline(rate.carrier))
        for code in rate.fareClasses { ids.insert(NodeID.fareClass(carrier: rate.carrier, code: code)) }
      case .revenueRate(let rate):
        ids.insert(NodeID.program(rate.program))
        for carrier in rate.carriers { ids.insert(NodeID.airline(carrier)) }
      case .awardPrice(let price):
        ids.insert(NodeID.program(price.program))
      case .eliteTier(let tier):
        ids.insert(NodeID.program(tier.program))
      case .transferRatio(let ratio):
        ids.insert(NodeID.program(ratio.fromProgram))
        ids.insert(NodeID.program(ratio.toProgram))
      case .partner(let partner):
        ids.insert(NodeID.program(partner.program))
        ids.insert(NodeID.airline(partner.airline))
      }
    }
    return ids
  }

  static func fallbackTitle(key: String) -> String {
    String(key.split(separator: "/").last ?? Substring(key))
  }

  /// Where the graph cites a document that names no address of its own: its landing-zone key,
  /// under a reserved domain that can never resolve to someone else's page.
  static func landingZoneURL(key: String) -> String {
    let path = key.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? key
    return "https://landing-zone.invalid/\(path)"
  }
}

extension Duration {
  var inMicroseconds: Int64 {
    let (seconds, attoseconds) = components
    return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
  }
}
