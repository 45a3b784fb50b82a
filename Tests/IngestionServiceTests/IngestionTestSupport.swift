import Foundation
import GraphModel
import IngestionCore
import Logging
import Metrics
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Synchronization

@testable import IngestionService

let testLogger = Logger(label: "ingestion-tests") { _ in SwiftLogNoOpLogHandler() }

/// A fresh folder under the system temp directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("ingestion-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: url) }
  return try await body(url)
}

func openStore(in directory: URL) throws -> IngestionStore {
  IngestionStore(
    database: try IngestionStore.openDatabase(
      at: directory.appendingPathComponent("ingestion.sqlite"), durability: .normal, logger: testLogger))
}

func upload(_ store: IngestionStore, key: String, _ text: String, type: DocumentType = .text, sourceURL: String = "") async throws
  -> IngestionStore.StoredUpload
{
  try await store.store(
    .init(key: key, content: Data(text.utf8), type: type, sourceURL: sourceURL, notes: "", uploadedBy: "curator-1"))
}

/// graph-service as the pipeline sees it: scripted failures, then it records every batch and
/// knows the nodes of the batches it took plus those it was given.
final class FakeGraph: GraphWriting {
  private struct State {
    var nodes: [String: GraphNode] = [:]
    var batches: [GraphBatch] = []
    var failures: [StageFailure] = []
    var sequence: Int64 = 0
  }

  private let state: Mutex<State>

  init(existing: [GraphNode] = []) {
    state = Mutex(State(nodes: Dictionary(uniqueKeysWithValues: existing.map { ($0.id, $0) })))
  }

  /// The next calls fail with these, in order.
  func fail(with failures: [StageFailure]) {
    state.withLock { $0.failures = failures }
  }

  var batches: [GraphBatch] { state.withLock { $0.batches } }

  func node(_ id: String) -> GraphNode? { state.withLock { $0.nodes[id] } }

  func existingNodes(_ ids: Set<String>) async throws(StageFailure) -> Set<String> {
    let result: Result<Set<String>, StageFailure> = state.withLock { state in
      if !state.failures.isEmpty { return .failure(state.failures.removeFirst()) }
      return .success(ids.filter { state.nodes[$0] != nil })
    }
    return try result.get()
  }

  func upsert(_ batch: GraphBatch) async throws(StageFailure) -> Loyalty_Graph_V1_UpsertBatchResponse {
    let result: Result<Int64, StageFailure> = state.withLock { state in
      if !state.failures.isEmpty { return .failure(state.failures.removeFirst()) }
      let changed = batch.nodes.contains { state.nodes[$0.id] != $0 }
      for node in batch.nodes { state.nodes[node.id] = node }
      state.batches.append(batch)
      if changed { state.sequence += 1 }
      return .success(changed ? state.sequence : 0)
    }
    let sequence = try result.get()
    return .with { $0.sequence = sequence }
  }
}

/// An extractor that reads one fact per line of the form
/// `earn PROGRAM CARRIER CLASSES CABIN PERCENT [CONFIDENCE]`, so tests control the facts.
struct LineFactExtractor: FactExtractor {
  var name: String { "lines" }

  func extract(from text: ProcessedText, context: ExtractionContext) async throws -> ExtractedFacts {
    var facts: [ExtractedFact] = []
    for line in text.text.split(separator: "\n") {
      let words = line.split(separator: " ").map(String.init)
      guard words.first == "earn", words.count >= 6, let cabin = Cabin(rawValue: words[4]), let percent = Double(words[5]) else { continue }
      let confidence = words.count > 6 ? Double(words[6]) ?? 1 : 0.95
      facts.append(
        ExtractedFact(
          .earningRate(
            EarningRate(
              program: words[1], carrier: words[2], fareClasses: words[3].split(separator: ",").map(String.init), cabin: cabin,
              accrualPercent: percent)),
          confidence: confidence, evidence: String(line)))
    }
    return ExtractedFacts(pageType: .earningChart, facts: facts)
  }
}

/// Nodes the fake graph starts with: the program and airline the test documents name.
let seededNodes = [
  GraphNode(
    id: "program:ac-aeroplan", label: .loyaltyProgram,
    properties: ["name": .string("Aeroplan"), "kind": .string("airline"), "currency_name": .string("points")]),
  GraphNode(id: "airline:LH", label: .airline, properties: ["name": .string("Lufthansa"), "iata": .string("LH")]),
]

/// A pipeline on `store` with the line extractor and `graph`.
func makeRunner(
  store: IngestionStore, graph: FakeGraph, events: RunEvents = RunEvents(), maxAttempts: Int = 5,
  extractor: any FactExtractor = LineFactExtractor()
) -> PipelineRunner {
  let stages = PipelineStages(
    store: store, textExtractor: TextExtractor(), extractor: extractor, validator: FactValidator(confidenceThreshold: 0.8), graph: graph,
    programDetails: { id in ProgramDirectory.program(id: id).map { (name: $0.name, kind: $0.kind.rawValue, currencyName: $0.currency) } },
    airlineName: { AirlineDirectory.airline(code: $0)?.name })
  return PipelineRunner(
    store: store, stages: stages, events: events,
    settings: .init(workers: 2, maxAttempts: maxAttempts, initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(100)),
    logger: testLogger, metrics: NOOPMetricsHandler.instance)
}

/// Polls until `condition` holds or a minute passes; returns whether it held. A working
/// pipeline gets there in well under a second; the minute leaves room for the whole suite
/// running on two cores.
func eventually(within timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
  let deadline = ContinuousClock.now + timeout
  while ContinuousClock.now < deadline {
    if try await condition() { return true }
    try await Task.sleep(for: .milliseconds(20))
  }
  return try await condition()
}
