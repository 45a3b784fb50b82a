import Foundation
import GraphModel
import IngestionCore
import Testing

@testable import IngestionService

@Suite struct PipelineRunnerTests {
  /// Runs the pipeline on `store` while `body` runs.
  func withRunner<T>(
    store: IngestionStore, graph: FakeGraph, events: RunEvents = RunEvents(), maxAttempts: Int = 5,
    _ body: (PipelineRunner) async throws -> T
  ) async throws -> T {
    let runner = makeRunner(store: store, graph: graph, events: events, maxAttempts: maxAttempts)
    let task = Task { await runner.run() }
    defer { task.cancel() }
    return try await body(runner)
  }

  func waitFor(_ state: RunState, run runID: String, in store: IngestionStore) async throws -> RunRecord {
    #expect(try await eventually { try await store.run(runID).state == state }, "run \(runID) never reached \(state)")
    return try await store.run(runID)
  }

  @Test func aDocumentGoesFromUploadToLoadedWithEveryStageStored() async throws {
    try await withTemporaryDirectory { directory in
      let store = try openStore(in: directory)
      let graph = FakeGraph(existing: seededNodes)
      let events = RunEvents()
      let watched = events.subscribe(runID: nil)
      try await withRunner(store: store, graph: graph, events: events) { runner in
        let uploaded = try await upload(store, key: "ac/lh.txt", "Aeroplan on Lufthansa\n\nearn ac-aeroplan LH J,C business 150\n")
        runner.wake()
        let run = try await waitFor(.done, run: uploaded.run.runID, in: store)
        #expect(run.extractor == "lines" && run.factsExtracted == 1 && run.factsFlagged == 0 && run.graphSequence > 0)
        #expect(run.sourceDocumentID.hasPrefix("doc:ingest:ac-lh-txt:"))
        #expect(run.outputs.map(\.stage) == ["extract_text", "extract_facts", "validate", "transform", "load"])
        // Each output is a version in the landing zone, readable like any document.
        for output in run.outputs {
          let (version, _) = try await store.document(key: output.key, versionID: output.versionID)
          #expect(version.key.hasPrefix("runs/\(run.runID)/"))
        }
        let rule = try #require(graph.batches.last?.nodes.first { $0.label == .earningRule })
        #expect(rule["accrual_percent"] == .number(150) && rule["source_document_id"] == .string(run.sourceDocumentID))
        #expect(graph.node(run.sourceDocumentID)?["title"] == .string("Aeroplan on Lufthansa"))
      }
      var states: [RunState] = []
      for await change in watched {
        states.append(change.state)
        if change.state == .done { break }
      }
      #expect(states == [.textExtracted, .factsExtracted, .validated, .transformed, .loaded, .done])
    }
  }

  @Test func transientFailuresAreRetriedWithBackoffThenLoad() async throws {
    try await withTemporaryDirectory { directory in
      let store = try openStore(in: directory)
      let graph = FakeGraph(existing: seededNodes)
      graph.fail(with: [.transient("graph-service is unavailable"), .transient("graph-service is unavailable")])
      try await withRunner(store: store, graph: graph) { runner in
        let uploaded = try await upload(store, key: "ac/lh.txt", "earn ac-aeroplan LH J business 150\n")
        runner.wake()
        let run = try await waitFor(.done, run: uploaded.run.runID, in: store)
        #expect(run.attempts == 0 && graph.batches.count == 1)
      }
    }
  }

  @Test func aRunGivesUpAfterItsAttemptsAndARetryLoadsIt() async throws {
    try await withTemporaryDirectory { directory in
      let store = try openStore(in: directory)
      let graph = FakeGraph(existing: seededNodes)
      graph.fail(with: Array(repeating: .transient("graph-service is unavailable"), count: 3))
      try await withRunner(store: store, graph: graph, maxAttempts: 3) { runner in
        let uploaded = try await upload(store, key: "ac/lh.txt", "earn ac-aeroplan LH J business 150\n")
        runner.wake()
        let failed = try await waitFor(.failed, run: uploaded.run.runID, in: store)
        #expect(failed.stage == .transform && failed.reason.contains("gave up after 3 attempts"))
        #expect(graph.batches.isEmpty)
        _ = try await store.update(failed.runID) { run in
          run.state = run.stage.entryState
          run.attempts = 0
        }
        runner.wake()
        _ = try await waitFor(.done, run: uploaded.run.runID, in: store)
        #expect(graph.batches.count == 1)
      }
    }
  }

  @Test func permanentFailuresFailTheRunWithTheReasonAndLoadNothing() async throws {
    try await withTemporaryDirectory { directory in
      let store = try openStore(in: directory)
      let graph = FakeGraph(existing: seededNodes)
      graph.fail(with: [.permanent("graph-service refused the batch (invalidArgument): nodes[0].properties.code: bad")])
      try await withRunner(store: store, graph: graph) { runner in
        let refused = try await upload(store, key: "ac/lh.txt", "earn ac-aeroplan LH J business 150\n")
        let empty = try await upload(store, key: "ac/none.txt", "nothing to see here\n")
        runner.wake()
        let failed = try await waitFor(.failed, run: refused.run.runID, in: store)
        #expect(failed.reason.contains("refused the batch"))
        let nothing = try await waitFor(.failed, run: empty.run.runID, in: store)
        #expect(nothing.stage == .validate && nothing.reason.contains("no facts"))
        #expect(graph.batches.isEmpty)
      }
    }
  }

  @Test func uncertainFactsWaitForACuratorWhoApprovesOrRejects() async throws {
    try await withTemporaryDirectory { directory in
      let store = try openStore(in: directory)
      let graph = FakeGraph(existing: seededNodes)
      try await withRunner(store: store, graph: graph) { runner in
        let first = try await upload(store, key: "ac/a.txt", "earn ac-aeroplan LH J business 150 0.5\n")
        let second = try await upload(store, key: "ac/b.txt", "earn ac-aeroplan LH C business 150 0.5\n")
        runner.wake()
        let waiting = try await waitFor(.needsReview, run: first.run.runID, in: store)
        #expect(waiting.factsFlagged == 1 && !waiting.reason.isEmpty)
        _ = try await waitFor(.needsReview, run: second.run.runID, in: store)
        #expect(graph.batches.isEmpty)

        _ = try await store.update(first.run.runID) { run in
          run.state = .approved
          run.reviewedBy = "curator-1"
        }
        _ = try await store.update(second.run.runID) { $0.state = .rejected }
        runner.wake()
        _ = try await waitFor(.done, run: first.run.runID, in: store)
        #expect(graph.batches.count == 1)
        #expect(try await store.run(second.run.runID).state == .rejected)
      }
    }
  }

  @Test func aRestartedPipelineResumesWhereItStopped() async throws {
    try await withTemporaryDirectory { directory in
      let store = try openStore(in: directory)
      let graph = FakeGraph(existing: seededNodes)
      // The graph is down while the first runner works, so runs stop before loading.
      graph.fail(with: Array(repeating: .transient("graph-service is unavailable"), count: 1_000))
      var uploads: [IngestionStore.StoredUpload] = []
      try await withRunner(store: store, graph: graph, maxAttempts: 1_000) { runner in
        for index in 0..<5 { uploads.append(try await upload(store, key: "ac/\(index).txt", "earn ac-aeroplan LH J business \(100 + index)\n")) }
        runner.wake()
        #expect(try await eventually { try await store.runs(state: .validated, documentKey: nil, beforeRunID: nil, limit: 10).count == 5 })
      }
      graph.fail(with: [])
      try await withRunner(store: store, graph: graph) { runner in
        for uploaded in uploads { _ = try await waitFor(.done, run: uploaded.run.runID, in: store) }
      }
      #expect(graph.batches.count == 5)
    }
  }

  @Test func aNewVersionLoadsAfterTheOneBeforeAndSupersedesIt() async throws {
    try await withTemporaryDirectory { directory in
      let store = try openStore(in: directory)
      let graph = FakeGraph(existing: seededNodes)
      try await withRunner(store: store, graph: graph) { runner in
        let first = try await upload(store, key: "ac/lh.txt", "earn ac-aeroplan LH J business 150\n")
        let second = try await upload(store, key: "ac/lh.txt", "earn ac-aeroplan LH J business 125\n")
        runner.wake()
        let firstRun = try await waitFor(.done, run: first.run.runID, in: store)
        let secondRun = try await waitFor(.done, run: second.run.runID, in: store)
        #expect(secondRun.supersedesRunID == firstRun.runID)
        let rules = graph.batches.flatMap(\.nodes).filter { $0.label == .earningRule }
        let oldRule = try #require(rules.last { $0["accrual_percent"] == .number(150) })
        #expect(oldRule["expiration_date"] != nil)
      }
    }
  }
}
