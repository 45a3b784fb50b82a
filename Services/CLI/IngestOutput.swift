import Foundation
import LoyaltyAPI
import SwiftProtobuf

/// Terminal renderings of ingestion-service answers; `--json` goes through `ProfileOutput.printJSON`.
enum IngestOutput {
  static func printRuns(_ runs: [Loyalty_Ingestion_V1_Run]) {
    guard !runs.isEmpty else { return print("no runs") }
    ProfileOutput.printTable(
      header: ["RUN", "KEY", "STATE", "STAGE", "FACTS", "FLAGGED", "UPDATED", "REASON"],
      rows: runs.map {
        [
          $0.runID, $0.documentKey, state($0.state), stage($0.stage), "\($0.factsExtracted)", "\($0.factsFlagged)",
          time($0.hasUpdateTime ? $0.updateTime : nil), truncated($0.reason, to: 60),
        ]
      })
  }

  static func printRun(_ run: Loyalty_Ingestion_V1_Run) {
    var fields: [(String, String)] = [
      ("run", run.runID),
      ("document", "\(run.documentKey) (version \(run.documentVersionID))"),
      ("state", state(run.state)),
      ("stage", stage(run.stage)),
      ("attempts", "\(run.attempts)"),
      ("facts", "\(run.factsExtracted) extracted, \(run.factsFlagged) flagged"),
      ("extractor", run.extractor),
      ("created", time(run.hasCreateTime ? run.createTime : nil)),
      ("updated", time(run.hasUpdateTime ? run.updateTime : nil)),
    ]
    if run.hasNextAttemptTime { fields.append(("next attempt", time(run.nextAttemptTime))) }
    if !run.reason.isEmpty { fields.append(("reason", run.reason)) }
    if !run.reviewedBy.isEmpty { fields.append(("reviewed by", run.reviewedBy)) }
    if !run.sourceDocumentID.isEmpty { fields.append(("source document", run.sourceDocumentID)) }
    if run.graphSequence > 0 { fields.append(("graph sequence", "\(run.graphSequence)")) }
    BackupOutput.printFields(fields)
    guard !run.outputs.isEmpty else { return }
    print("")
    ProfileOutput.printTable(
      header: ["STAGE", "OUTPUT KEY", "VERSION", "DURATION"],
      rows: run.outputs.map { [stage($0.stage), $0.key, $0.versionID, duration(micros: $0.durationMicros)] })
  }

  /// One line per change of a run, as `watch` and `submit --wait` print them.
  static func runChange(_ run: Loyalty_Ingestion_V1_Run) -> String {
    var line = "\(time(run.hasUpdateTime ? run.updateTime : nil))  \(run.runID)  \(run.documentKey)  \(state(run.state))"
    // The stage is the one that runs next, or the one that failed; a loaded run has none left.
    switch run.state {
    case .failed where run.stage != .unspecified: line += " (at \(stage(run.stage)))"
    case .done, .failed, .rejected, .loaded: break
    default: if run.stage != .unspecified { line += " (next: \(stage(run.stage)))" }
    }
    if run.factsExtracted > 0 || run.factsFlagged > 0 {
      line += "  facts \(run.factsExtracted), flagged \(run.factsFlagged)"
    }
    if !run.reason.isEmpty { line += "  — \(truncated(run.reason, to: 120))" }
    return line
  }

  static func printUpload(file: String, _ response: Loyalty_Ingestion_V1_UploadDocumentResponse) {
    let version = response.version
    print("\(file) → \(version.key)")
    var fields: [(String, String)] = [
      ("  version", version.versionID),
      ("  sha256", version.sha256),
      ("  size", "\(BackupOutput.bytes(version.size)), \(documentType(version.type))"),
      ("  deduplicated", response.deduplicated ? "yes (the content was already stored)" : "no"),
    ]
    fields.append(("  run", response.hasRun ? "\(response.run.runID) (\(state(response.run.state)))" : "none"))
    BackupOutput.printFields(fields)
  }

  static func printVersions(_ versions: [Loyalty_Ingestion_V1_DocumentVersion]) {
    guard !versions.isEmpty else { return print("no versions") }
    ProfileOutput.printTable(
      header: ["VERSION", "CURRENT", "TYPE", "SIZE", "SHA256", "UPLOADED", "BY", "NOTES"],
      rows: versions.map {
        [
          $0.versionID, $0.isCurrent ? "yes" : "", $0.isDeleteMarker ? "delete marker" : documentType($0.type),
          $0.isDeleteMarker ? "" : BackupOutput.bytes($0.size), String($0.sha256.prefix(12)), time($0.hasCreateTime ? $0.createTime : nil),
          $0.uploadedBy, truncated($0.notes, to: 40),
        ]
      })
  }

  static func printDocuments(_ documents: [Loyalty_Ingestion_V1_DocumentVersion]) {
    guard !documents.isEmpty else { return print("no documents") }
    ProfileOutput.printTable(
      header: ["KEY", "VERSION", "KIND", "TYPE", "SIZE", "UPLOADED", "BY"],
      rows: documents.map {
        [
          $0.key, $0.versionID, $0.kind, $0.isDeleteMarker ? "deleted" : documentType($0.type),
          $0.isDeleteMarker ? "" : BackupOutput.bytes($0.size), time($0.hasCreateTime ? $0.createTime : nil), $0.uploadedBy,
        ]
      })
  }

  static func printLifecycle(_ response: Loyalty_Ingestion_V1_GetLifecycleResponse) {
    let rules = response.rules
    BackupOutput.printFields([
      (
        "keep non-current",
        rules.keepNoncurrentVersions > 0 ? "\(rules.keepNoncurrentVersions) versions per key" : "no limit"
      ),
      (
        "expire non-current",
        rules.noncurrentExpirationDays > 0 ? "after \(rules.noncurrentExpirationDays) days" : "never"
      ),
      ("runs every", rules.intervalSeconds > 0 ? BackupOutput.duration(rules.intervalSeconds) : "never (on demand only)"),
      ("last sweep", response.hasLastSweep ? sweep(response.lastSweep) : "none yet"),
    ])
  }

  static func sweep(_ sweep: Loyalty_Ingestion_V1_LifecycleSweep) -> String {
    "\(time(sweep.hasTime ? sweep.time : nil)): \(sweep.versionsExpired) versions expired, \(sweep.blobsDeleted) blobs deleted"
  }

  // MARK: Names

  static func isFinished(_ state: Loyalty_Ingestion_V1_RunState) -> Bool {
    state == .done || state == .failed || state == .rejected
  }

  static func state(_ state: Loyalty_Ingestion_V1_RunState) -> String {
    RunStateOption.allCases.first { $0.proto == state }?.rawValue ?? "unknown(\(state.rawValue))"
  }

  static func stage(_ stage: Loyalty_Ingestion_V1_Stage) -> String {
    if stage == .unspecified { return "-" }
    return StageOption.allCases.first { $0.proto == stage }?.rawValue ?? "unknown(\(stage.rawValue))"
  }

  static func documentType(_ type: Loyalty_Ingestion_V1_DocumentType) -> String {
    switch type {
    case .html: "html"
    case .text: "text"
    case .pdf: "pdf"
    case .unspecified: "-"
    case .UNRECOGNIZED(let value): "unknown(\(value))"
    }
  }

  // MARK: Formatting

  static func time(_ timestamp: Google_Protobuf_Timestamp?) -> String {
    timestamp.map { ProfileOutput.formatted($0.date) } ?? ""
  }

  static func duration(micros: Int64) -> String {
    micros >= 1_000_000 ? String(format: "%.1f s", Double(micros) / 1_000_000) : String(format: "%.1f ms", Double(micros) / 1000)
  }

  static func truncated(_ text: String, to length: Int) -> String {
    let line = text.replacingOccurrences(of: "\n", with: " ")
    return line.count <= length ? line : String(line.prefix(length - 1)) + "…"
  }
}
