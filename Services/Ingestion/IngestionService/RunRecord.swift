import Foundation
import GRDB
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// Where a run is in the pipeline. The state is what has been achieved; the stage is what
/// runs next (or failed).
public enum RunState: String, Sendable, CaseIterable {
  case received, textExtracted = "text_extracted", factsExtracted = "facts_extracted", validated
  case needsReview = "needs_review", approved, rejected, transformed, loaded, done, failed

  /// The stage that moves a run on from this state; nil when it waits for a person or is over.
  public var nextStage: PipelineStage? {
    switch self {
    case .received: .extractText
    case .textExtracted: .extractFacts
    case .factsExtracted: .validate
    case .validated, .approved: .transform
    case .transformed: .load
    case .loaded: .finish
    case .needsReview, .rejected, .done, .failed: nil
    }
  }

  public var isFinal: Bool { self == .done || self == .failed || self == .rejected }

  var message: Loyalty_Ingestion_V1_RunState {
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

  init?(_ message: Loyalty_Ingestion_V1_RunState) {
    guard let state = Self.allCases.first(where: { $0.message == message }) else { return nil }
    self = state
  }
}

/// The pipeline's stages in order. `finish` closes a loaded run.
public enum PipelineStage: String, Sendable, CaseIterable, Comparable {
  case extractText = "extract_text", extractFacts = "extract_facts", validate, transform, load, finish

  /// The state a run must be in for this stage to run next (how a retry rewinds it).
  var entryState: RunState {
    switch self {
    case .extractText: .received
    case .extractFacts: .textExtracted
    case .validate: .factsExtracted
    case .transform: .validated
    case .load: .transformed
    case .finish: .loaded
    }
  }

  var message: Loyalty_Ingestion_V1_Stage {
    switch self {
    case .extractText: .extractText
    case .extractFacts: .extractFacts
    case .validate: .validate
    case .transform: .transform
    case .load, .finish: .load
    }
  }

  init?(_ message: Loyalty_Ingestion_V1_Stage) {
    switch message {
    case .extractText: self = .extractText
    case .extractFacts: self = .extractFacts
    case .validate: self = .validate
    case .transform: self = .transform
    case .load: self = .load
    default: return nil
    }
  }

  public static func < (lhs: PipelineStage, rhs: PipelineStage) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }
}

/// A stage's stored output: a version in the landing zone.
public struct StageOutputRecord: Codable, Sendable, Equatable {
  public var stage: String
  public var key: String
  public var versionID: String
  public var durationMicros: Int64

  enum CodingKeys: String, CodingKey {
    case stage, key
    case versionID = "version_id"
    case durationMicros = "duration_micros"
  }
}

/// One pass of one document version through the pipeline, as stored.
public struct RunRecord: Sendable, Equatable {
  public var runID: String
  public var documentKey: String
  public var documentVersionID: String
  public var state: RunState
  /// The stage that runs next, or that failed (for a failed run).
  public var stage: PipelineStage
  public var attempts: Int
  public var reason: String
  public var outputs: [StageOutputRecord]
  public var factsExtracted: Int
  public var factsFlagged: Int
  public var graphSequence: Int64
  public var extractor: String
  public var sourceDocumentID: String
  public var reviewedBy: String
  /// The loaded run whose facts this run's batch supersedes ("" for none), fixed by the
  /// transform; a load finding another run loaded meanwhile transforms again.
  public var supersedesRunID: String
  public var createdAtMicros: Int64
  public var updatedAtMicros: Int64
  public var nextAttemptAtMicros: Int64

  public static func runID(forVersion versionID: String) -> String { "run-\(versionID)" }

  /// The newest output of `stage`.
  public func output(of stage: PipelineStage) -> StageOutputRecord? {
    outputs.last { $0.stage == stage.rawValue }
  }

  var row: [String: DatabaseValue] {
    let outputsJSON = (try? JSONEncoder().encode(outputs)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    return [
      "run_id": runID.databaseValue, "document_key": documentKey.databaseValue,
      "document_version_id": documentVersionID.databaseValue, "state": state.rawValue.databaseValue,
      "stage": stage.rawValue.databaseValue, "attempts": attempts.databaseValue, "reason": reason.databaseValue,
      "outputs": outputsJSON.databaseValue, "facts_extracted": factsExtracted.databaseValue,
      "facts_flagged": factsFlagged.databaseValue, "graph_sequence": graphSequence.databaseValue,
      "extractor": extractor.databaseValue, "source_document_id": sourceDocumentID.databaseValue,
      "reviewed_by": reviewedBy.databaseValue, "supersedes_run_id": supersedesRunID.databaseValue,
      "created_at": createdAtMicros.databaseValue,
      "updated_at": updatedAtMicros.databaseValue, "next_attempt_at": nextAttemptAtMicros.databaseValue,
    ]
  }

  init(row: Row) {
    runID = row["run_id"]
    documentKey = row["document_key"]
    documentVersionID = row["document_version_id"]
    state = RunState(rawValue: row["state"]) ?? .failed
    stage = PipelineStage(rawValue: row["stage"]) ?? .extractText
    attempts = row["attempts"]
    reason = row["reason"]
    outputs = (try? JSONDecoder().decode([StageOutputRecord].self, from: Data((row["outputs"] as String).utf8))) ?? []
    factsExtracted = row["facts_extracted"]
    factsFlagged = row["facts_flagged"]
    graphSequence = row["graph_sequence"]
    extractor = row["extractor"]
    sourceDocumentID = row["source_document_id"]
    reviewedBy = row["reviewed_by"]
    supersedesRunID = row["supersedes_run_id"]
    createdAtMicros = row["created_at"]
    updatedAtMicros = row["updated_at"]
    nextAttemptAtMicros = row["next_attempt_at"]
  }

  init(runID: String, documentKey: String, documentVersionID: String, nowMicros: Int64) {
    self.runID = runID
    self.documentKey = documentKey
    self.documentVersionID = documentVersionID
    state = .received
    stage = .extractText
    attempts = 0
    reason = ""
    outputs = []
    factsExtracted = 0
    factsFlagged = 0
    graphSequence = 0
    extractor = ""
    sourceDocumentID = ""
    reviewedBy = ""
    supersedesRunID = ""
    createdAtMicros = nowMicros
    updatedAtMicros = nowMicros
    nextAttemptAtMicros = nowMicros
  }

  public var message: Loyalty_Ingestion_V1_Run {
    .with {
      $0.runID = runID
      $0.documentKey = documentKey
      $0.documentVersionID = documentVersionID
      $0.state = state.message
      $0.stage = stage.message
      $0.attempts = Int32(clamping: attempts)
      $0.reason = reason
      $0.outputs = outputs.map { output in
        .with {
          $0.stage = PipelineStage(rawValue: output.stage)?.message ?? .unspecified
          $0.key = output.key
          $0.versionID = output.versionID
          $0.durationMicros = output.durationMicros
        }
      }
      $0.factsExtracted = Int32(clamping: factsExtracted)
      $0.factsFlagged = Int32(clamping: factsFlagged)
      $0.graphSequence = graphSequence
      $0.extractor = extractor
      $0.createTime = .init(micros: createdAtMicros)
      $0.updateTime = .init(micros: updatedAtMicros)
      if !state.isFinal, state != .needsReview { $0.nextAttemptTime = .init(micros: nextAttemptAtMicros) }
      $0.reviewedBy = reviewedBy
      $0.sourceDocumentID = sourceDocumentID
    }
  }
}
