import Foundation
import Logging
import Metrics
import Synchronization

/// Moves runs through the pipeline: up to `workers` runs at a time, each carried from stage
/// to stage until it waits for a curator, ends, or fails transiently. Every state is stored
/// before the next stage starts, so after a restart runs continue from the stage they were
/// in (that stage runs again; stages are repeatable). A transient failure waits with
/// exponential backoff (0.5 s doubling up to `maxBackoff`) and gives up after `maxAttempts`;
/// a permanent one fails the run with the reason.
public final class PipelineRunner: Sendable {
  public struct Settings: Sendable {
    public var workers: Int
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(workers: Int = 4, maxAttempts: Int = 12, initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(30)) {
      self.workers = max(1, workers)
      self.maxAttempts = max(1, maxAttempts)
      self.initialBackoff = initialBackoff
      self.maxBackoff = max(initialBackoff, maxBackoff)
    }
  }

  private struct State {
    var wakeRequested = true
    var inFlight: Set<String> = []
    /// Keys with a run in the transform or load stage: one at a time per key, so versions
    /// of one document never load over each other.
    var busyKeys: Set<String> = []
    /// Runs held back (their key busy, or an older version ahead of them) until this time;
    /// kept in memory, since waiting is no change of the run worth a journal record.
    var heldUntil: [String: Int64] = [:]
    var nextDueMicros: Int64?
  }

  private let store: IngestionStore
  private let stages: PipelineStages
  private let events: RunEvents
  private let settings: Settings
  private let logger: Logger
  private let state = Mutex(State())
  private let stageTimers: [String: Metrics.Timer]
  private let finishedRuns: [String: Counter]

  init(store: IngestionStore, stages: PipelineStages, events: RunEvents, settings: Settings, logger: Logger, metrics: any MetricsFactory) {
    self.store = store
    self.stages = stages
    self.events = events
    self.settings = settings
    self.logger = logger
    stageTimers = Dictionary(
      uniqueKeysWithValues: PipelineStage.allCases.map {
        ($0.rawValue, Metrics.Timer(label: "ingestion_stage_duration_seconds", dimensions: [("stage", $0.rawValue)], factory: metrics))
      })
    finishedRuns = Dictionary(
      uniqueKeysWithValues: [RunState.done, .failed, .needsReview, .rejected].map {
        ($0.rawValue, Counter(label: "ingestion_runs_total", dimensions: [("state", $0.rawValue)], factory: metrics))
      })
  }

  /// Asks the loop to look for due runs now (after an upload, approval or retry).
  public func wake() {
    state.withLock { $0.wakeRequested = true }
  }

  /// Runs until the task is cancelled; runs in flight then stop between stages.
  public func run() async {
    await withDiscardingTaskGroup { group in
      while !Task.isCancelled {
        let now = IngestionStore.nowMicros()
        let shouldLook = state.withLock { state in
          defer { state.wakeRequested = false }
          return state.wakeRequested || (state.nextDueMicros.map { $0 <= now } ?? false)
        }
        if shouldLook { await startDueRuns(in: &group, now: now) }
        try? await Task.sleep(for: .milliseconds(20))
      }
    }
  }

  private func startDueRuns(in group: inout DiscardingTaskGroup, now: Int64) async {
    let free = settings.workers - state.withLock { $0.inFlight.count }
    guard free > 0 else { return }
    let due: [RunRecord]
    let nextDue: Int64?
    do {
      due = try await store.dueRuns(nowMicros: now, limit: settings.workers * 4)
      nextDue = try await store.nextDueMicros()
    } catch {
      logger.warning("cannot read the runs due; trying again shortly", metadata: ["error": "\(error)"])
      state.withLock { $0.nextDueMicros = now + 1_000_000 }
      return
    }
    var started = 0
    var held: Int64?
    for run in due where started < free {
      let claimed = state.withLock { state -> Bool in
        if let until = state.heldUntil[run.runID] {
          guard until <= now else {
            held = min(held ?? until, until)
            return false
          }
          state.heldUntil[run.runID] = nil
        }
        guard !state.inFlight.contains(run.runID) else { return false }
        state.inFlight.insert(run.runID)
        return true
      }
      guard claimed else { continue }
      started += 1
      group.addTask {
        await self.process(run.runID)
        self.state.withLock { state in
          state.inFlight.remove(run.runID)
          state.wakeRequested = true
        }
      }
    }
    state.withLock { state in
      // Holds long past belong to runs that moved on meanwhile.
      state.heldUntil = state.heldUntil.filter { $0.value > now - 60_000_000 }
      // Due runs left for lack of a free worker are looked at again when one frees up.
      var next = nextDue.map { max($0, now + 1_000) }
      if let held { next = min(next ?? held, held) }
      if due.count > started + state.heldUntil.count { next = now }
      state.nextDueMicros = next
    }
  }

  /// Carries one run through its stages for as long as it can move on without waiting.
  private func process(_ runID: String) async {
    guard var run = try? await store.run(runID) else { return }
    while !Task.isCancelled, let stage = run.state.nextStage, run.nextAttemptAtMicros <= IngestionStore.nowMicros() {
      let needsKey = stage == .transform || stage == .load
      if stage == .transform, (try? await store.hasOlderRunInProgress(than: run)) ?? true {
        await postpone(run, by: .milliseconds(50))
        return
      }
      if needsKey {
        let acquired = state.withLock { state in state.busyKeys.insert(run.documentKey).inserted }
        guard acquired else {
          await postpone(run, by: .milliseconds(50))
          return
        }
      }
      let started = ContinuousClock.now
      let result: Result<StageOutcome, StageFailure>
      do {
        result = .success(try await stages.perform(stage, on: run))
      } catch {
        result = .failure(error)
      }
      if needsKey { _ = state.withLock { $0.busyKeys.remove(run.documentKey) } }
      stageTimers[stage.rawValue]?.recordNanoseconds(Int64((ContinuousClock.now - started).inMicroseconds * 1_000))

      let stored: RunRecord?
      switch result {
      case .success(let outcome):
        stored = await store(outcome, of: run, stage: stage)
      case .failure(.transient(let reason)):
        stored = await retryLater(run, stage: stage, reason: reason)
      case .failure(.permanent(let reason)):
        stored = await fail(run, stage: stage, reason: reason)
      }
      guard let stored else { return }
      events.publish(stored)
      if stored.state != run.state, let counter = finishedRuns[stored.state.rawValue] { counter.increment() }
      run = stored
    }
  }

  private func store(_ outcome: StageOutcome, of run: RunRecord, stage: PipelineStage) async -> RunRecord? {
    let update = outcome.update
    let next = outcome.state
    return await write(run) {
      try await self.store.advance(run.runID, from: run.state, outputs: outcome.outputs) { record in
        record.reason = ""
        update(&record)
        record.state = next
        record.stage = next.nextStage ?? stage
        record.attempts = 0
        record.nextAttemptAtMicros = IngestionStore.nowMicros()
      }
    }
  }

  private func retryLater(_ run: RunRecord, stage: PipelineStage, reason: String) async -> RunRecord? {
    let attempts = run.attempts + 1
    guard attempts < settings.maxAttempts else {
      return await fail(run, stage: stage, reason: "gave up after \(attempts) attempts: \(reason)")
    }
    let wait = backoff(afterAttempts: attempts)
    logger.warning(
      "stage failed; retrying",
      metadata: ["run": "\(run.runID)", "stage": "\(stage.rawValue)", "attempt": "\(attempts)", "retry_in": "\(wait)", "reason": "\(reason)"])
    return await write(run) {
      try await self.store.advance(run.runID, from: run.state) { record in
        record.attempts = attempts
        record.stage = stage
        record.reason = "attempt \(attempts) of \(stage.rawValue) failed: \(reason); retrying"
        record.nextAttemptAtMicros = IngestionStore.nowMicros() + wait.inMicroseconds
      }
    }
  }

  private func fail(_ run: RunRecord, stage: PipelineStage, reason: String) async -> RunRecord? {
    logger.notice("run failed", metadata: ["run": "\(run.runID)", "stage": "\(stage.rawValue)", "reason": "\(reason)"])
    return await write(run) {
      try await self.store.advance(run.runID, from: run.state) { record in
        record.state = .failed
        record.stage = stage
        record.reason = reason
      }
    }
  }

  /// Leaves the run for later without counting an attempt (its key is busy).
  private func postpone(_ run: RunRecord, by delay: Duration) async {
    let until = IngestionStore.nowMicros() + delay.inMicroseconds
    state.withLock { state in
      state.heldUntil[run.runID] = until
      state.nextDueMicros = min(state.nextDueMicros ?? until, until)
    }
  }

  private func write(_ run: RunRecord, _ body: @escaping @Sendable () async throws -> RunRecord?) async -> RunRecord? {
    do {
      return try await body()
    } catch {
      // The run stays as stored; it is due again and the stage repeats.
      logger.warning("cannot store the run's progress", metadata: ["run": "\(run.runID)", "error": "\(error)"])
      state.withLock { $0.nextDueMicros = IngestionStore.nowMicros() + 1_000_000 }
      return nil
    }
  }

  func backoff(afterAttempts attempts: Int) -> Duration {
    var wait = settings.initialBackoff
    for _ in 1..<max(1, attempts) where wait < settings.maxBackoff { wait *= 2 }
    return min(wait, settings.maxBackoff)
  }
}
