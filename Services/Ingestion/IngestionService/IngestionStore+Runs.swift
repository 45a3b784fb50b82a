import Foundation
import GRDB
import LoyaltyRuntime

extension IngestionStore {
  /// A stage output to store with a run's change.
  struct OutputToStore: Sendable {
    var stage: PipelineStage
    var name: String
    var content: Data
    var kind: DocumentVersionRecord.Kind
    var durationMicros: Int64
  }

  public func run(_ runID: String) async throws -> RunRecord {
    try await database.read { db in try Self.run(runID, db: db) }
  }

  static func run(_ runID: String, db: Database) throws -> RunRecord {
    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE run_id = ?", arguments: [runID]) else {
      throw IngestionError.runNotFound(runID: runID)
    }
    return RunRecord(row: row)
  }

  /// Runs newest first, before `beforeRunID` (a page token), optionally of one state or key.
  public func runs(state: RunState?, documentKey: String?, beforeRunID: String?, limit: Int) async throws -> [RunRecord] {
    try await database.read { db in
      var conditions: [String] = []
      var arguments: StatementArguments = []
      if let state {
        conditions.append("state = ?")
        arguments += [state.rawValue]
      }
      if let documentKey {
        conditions.append("document_key = ?")
        arguments += [documentKey]
      }
      if let beforeRunID {
        conditions.append("run_id < ?")
        arguments += [beforeRunID]
      }
      let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
      arguments += [limit]
      return try Row.fetchAll(db, sql: "SELECT * FROM runs \(filter) ORDER BY run_id DESC LIMIT ?", arguments: arguments)
        .map(RunRecord.init(row:))
    }
  }

  /// Runs a stage could move on now, the longest waiting first.
  func dueRuns(nowMicros: Int64, limit: Int) async throws -> [RunRecord] {
    let states = RunState.allCases.filter { $0.nextStage != nil }.map(\.rawValue)
    return try await database.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT * FROM runs WHERE state IN (\(states.map { _ in "?" }.joined(separator: ", "))) AND next_attempt_at <= ?
          ORDER BY next_attempt_at, run_id LIMIT ?
          """,
        arguments: StatementArguments(states) + [nowMicros, limit]
      ).map(RunRecord.init(row:))
    }
  }

  /// When the next waiting run becomes due, if any run is waiting.
  func nextDueMicros() async throws -> Int64? {
    let states = RunState.allCases.filter { $0.nextStage != nil }.map(\.rawValue)
    return try await database.read { db in
      try Int64.fetchOne(
        db, sql: "SELECT min(next_attempt_at) FROM runs WHERE state IN (\(states.map { _ in "?" }.joined(separator: ", ")))",
        arguments: StatementArguments(states))
    }
  }

  /// The last load of `key` other than `runID` (loads of one key never overlap, so the
  /// highest graph sequence is the last): the facts a new version supersedes.
  func latestLoadedRun(documentKey: String, excluding runID: String) async throws -> RunRecord? {
    try await database.read { db in
      try Row.fetchOne(
        db,
        sql: "SELECT * FROM runs WHERE document_key = ? AND run_id != ? AND state IN ('loaded', 'done') ORDER BY graph_sequence DESC, run_id DESC LIMIT 1",
        arguments: [documentKey, runID]
      ).map(RunRecord.init(row:))
    }
  }

  /// Whether a newer version of the run's key has loaded already (the run is then outdated).
  func newerLoadedRun(than run: RunRecord) async throws -> RunRecord? {
    try await database.read { db in
      try Row.fetchOne(
        db,
        sql: "SELECT * FROM runs WHERE document_key = ? AND document_version_id > ? AND state IN ('loaded', 'done') ORDER BY run_id DESC LIMIT 1",
        arguments: [run.documentKey, run.documentVersionID]
      ).map(RunRecord.init(row:))
    }
  }

  /// Whether an older version of the run's key is still on its way through the pipeline (not
  /// finished and not waiting for a curator): versions load in upload order.
  func hasOlderRunInProgress(than run: RunRecord) async throws -> Bool {
    try await database.read { db in
      try Bool.fetchOne(
        db,
        sql: """
          SELECT 1 FROM runs WHERE document_key = ? AND document_version_id < ?
            AND state NOT IN ('done', 'failed', 'rejected', 'needs_review') LIMIT 1
          """,
        arguments: [run.documentKey, run.documentVersionID]) ?? false
    }
  }

  /// Applies `change` to the run if it is still in `expectedState` and stores `outputs` as
  /// versions of "runs/<run id>/<name>", all in one transaction. Returns nil (and changes
  /// nothing) when someone else moved the run meanwhile.
  func advance(
    _ runID: String, from expectedState: RunState, outputs: [OutputToStore] = [],
    _ change: @escaping @Sendable (inout RunRecord) -> Void
  ) async throws -> RunRecord? {
    try await database.write { db, journal in
      var run = try Self.run(runID, db: db)
      guard run.state == expectedState else { return nil }
      for output in outputs {
        let key = "\(Self.stageOutputPrefix)\(runID)/\(output.name)"
        let version = try Self.putStageOutput(key: key, content: output.content, kind: output.kind, db: db, journal: journal)
        run.outputs.append(
          StageOutputRecord(stage: output.stage.rawValue, key: key, versionID: version.versionID, durationMicros: output.durationMicros))
      }
      change(&run)
      run.updatedAtMicros = Self.nowMicros()
      try journal.upsert(Self.runsTable.name, run.row)
      return run
    }
  }

  /// Applies a curator's or operator's change: `change` checks the state and throws when the
  /// action is not allowed.
  func update(_ runID: String, _ change: @escaping @Sendable (inout RunRecord) throws -> Void) async throws -> RunRecord {
    try await database.write { db, journal in
      var run = try Self.run(runID, db: db)
      try change(&run)
      run.updatedAtMicros = Self.nowMicros()
      try journal.upsert(Self.runsTable.name, run.row)
      return run
    }
  }

  /// 1 for the first upload of the version's key, 2 for the next…; a version whose content an
  /// earlier upload of the key already had takes that upload's number, so that uploading a
  /// page again describes it exactly as before.
  func versionNumber(key: String, versionID: String) async throws -> Int {
    try await database.read { db in
      try Int.fetchOne(
        db,
        sql: """
          SELECT count(*) FROM document_versions
          WHERE key = ?1 AND sha256 IS NOT NULL AND kind = 'document' AND version_id <= (
            SELECT min(v.version_id) FROM document_versions v
            WHERE v.key = ?1 AND v.sha256 = (SELECT sha256 FROM document_versions WHERE version_id = ?2))
          """,
        arguments: [key, versionID]) ?? 1
    }
  }

  /// The content of a stage output the run stored.
  func stageOutput(_ output: StageOutputRecord) async throws -> Data {
    try await document(key: output.key, versionID: output.versionID).1
  }
}
