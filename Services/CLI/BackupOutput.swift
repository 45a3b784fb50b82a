import Foundation
import LoyaltyAPI
import SwiftProtobuf

/// Terminal renderings of backup-service answers; `--json` goes through `ProfileOutput.printJSON`.
enum BackupOutput {
  static func printStatus(_ status: Loyalty_Backup_V1_BackupStatus) {
    ProfileOutput.printTable(
      header: ["SERVICE", "SHIPPING", "LAST SEQ", "LAG (s)", "LAST SNAPSHOT", "WINDOW", "LAST DRILL", "DR LAG (s)"],
      rows: status.services.map { service in
        [
          service.service,
          service.shipping ? "yes" : "no",
          "\(service.lastStoredSeq)",
          seconds(service.lagSeconds),
          service.hasLastSnapshot ? "\(age(service.lastSnapshotAgeSeconds)) ago" : "none",
          window(earliest: service.hasWindowEarliest ? service.windowEarliest : nil, latest: service.hasWindowLatest ? service.windowLatest : nil),
          service.hasLastDrill ? drillSummary(service.lastDrill) : "never",
          status.drTarget.isEmpty ? "-" : seconds(service.drLagSeconds),
        ]
      })
    for service in status.services {
      if !service.stoppedReason.isEmpty { print("\(service.service): shipping stopped: \(service.stoppedReason)") }
      if !service.lastError.isEmpty { print("\(service.service): last error: \(service.lastError)") }
    }
    print("")
    printFields([
      ("primary target", status.primaryTarget),
      ("dr target", status.drTarget.isEmpty ? "none" : status.drTarget),
      ("cold target", status.coldTarget.isEmpty ? "none" : status.coldTarget),
      ("retention", "\(status.retentionDays) days"),
      (
        "schedule",
        "snapshots every \(duration(status.snapshotIntervalSeconds)), "
          + (status.drillIntervalSeconds > 0 ? "drills every \(duration(status.drillIntervalSeconds))" : "no scheduled drills")
      ),
    ])
  }

  static func printSnapshots(_ snapshots: [Loyalty_Backup_V1_Snapshot]) {
    ProfileOutput.printTable(
      header: ["ID", "SERVICE", "KIND", "LAST SEQ", "SIZE"],
      rows: snapshots.map { [$0.id, $0.service, kind($0.kind), "\($0.lastSeq)", bytes($0.sizeBytes)] })
  }

  static func printRecoveryPoints(_ response: Loyalty_Backup_V1_ListRecoveryPointsResponse) {
    for (index, service) in response.services.enumerated() {
      if index > 0 { print("") }
      let restorable = window(
        earliest: service.hasWindowEarliest ? service.windowEarliest : nil,
        latest: service.hasWindowLatest ? service.windowLatest : nil)
      print("\(service.service)  restorable: \(restorable)")
      if service.snapshots.isEmpty {
        print("no snapshots")
      } else {
        ProfileOutput.printTable(
          header: ["ID", "KIND", "TAKEN", "LAST SEQ", "SIZE", "TARGETS"],
          rows: service.snapshots.map {
            [
              $0.id, kind($0.kind), $0.hasTakenAt ? RecoveryTime.iso8601($0.takenAt, fractionalSeconds: false) : "",
              "\($0.lastSeq)", bytes($0.sizeBytes), $0.targets.joined(separator: ","),
            ]
          })
      }
      let range = service.segmentCount > 0 ? ", seq \(service.firstSegmentSeq)–\(service.lastSegmentSeq)" : ""
      print("journal segments: \(service.segmentCount)\(range), \(bytes(service.segmentBytes))")
    }
  }

  static func printRestore(_ response: Loyalty_Backup_V1_RestoreResponse) {
    var fields: [(String, String)] = [
      ("service", response.service),
      ("mode", response.mode == .inPlace ? "in place" : "new database"),
      ("restored seq", "\(response.restoredSeq)"),
      ("last commit", response.hasLastCommitTime ? RecoveryTime.iso8601(response.lastCommitTime) : "none"),
      ("target time", response.hasTargetTime ? RecoveryTime.iso8601(response.targetTime) : "latest"),
      ("snapshot", response.snapshotID.isEmpty ? "none" : response.snapshotID),
      ("applied changes", "\(response.appliedChanges)"),
    ]
    if !response.databasePath.isEmpty { fields.append(("path", response.databasePath)) }
    fields.append(("RTO", "\(seconds(response.rtoSeconds)) s"))
    printFields(fields)
    for note in response.notes { print("note: \(note)") }
  }

  static func printDrillResults(_ drills: [Loyalty_Backup_V1_Drill]) {
    ProfileOutput.printTable(
      header: ["SERVICE", "OUTCOME", "RTO s", "RPO s", "SEQ", "SNAPSHOT", "REASON"],
      rows: drills.map {
        [$0.service, outcome($0.outcome), seconds($0.rtoSeconds), seconds($0.rpoSeconds), "\($0.restoredSeq)", $0.snapshotID, $0.reason]
      })
    for drill in drills {
      for note in drill.notes { print("\(drill.service): note: \(note)") }
    }
  }

  static func printDrillHistory(_ drills: [Loyalty_Backup_V1_Drill]) {
    guard !drills.isEmpty else { return print("no drills recorded") }
    ProfileOutput.printTable(
      header: ["STARTED", "SERVICE", "OUTCOME", "TARGET", "RTO s", "RPO s", "SEQ", "SNAPSHOT", "REASON"],
      rows: drills.map {
        [
          $0.hasStartedAt ? RecoveryTime.iso8601($0.startedAt, fractionalSeconds: false) : "",
          $0.service, outcome($0.outcome),
          $0.targetIsLatest || !$0.hasTargetTime ? "latest" : RecoveryTime.iso8601($0.targetTime),
          seconds($0.rtoSeconds), seconds($0.rpoSeconds), "\($0.restoredSeq)", $0.snapshotID, $0.reason,
        ]
      })
  }

  static func printVerification(_ response: Loyalty_Backup_V1_VerifyResponse) {
    print("objects checked: \(response.objectsChecked)")
    print("bytes checked: \(response.bytesChecked) (\(bytes(response.bytesChecked)))")
    for problem in response.problems { print("problem: \(problem)") }
    for line in response.restorable { print("restorable: \(line)") }
    print(response.ok ? "verification passed" : "verification FAILED: \(response.problems.count) problem(s)")
  }

  static func printLifecycleRules(_ response: Loyalty_Backup_V1_ListLifecycleRulesResponse) {
    if response.rules.isEmpty {
      print("no lifecycle rules: stored objects stay on their targets until retention deletes them")
    } else {
      ProfileOutput.printTable(
        header: ["OBJECT CLASS", "COLD AFTER (days)", "DELETE AFTER (days)"],
        rows: response.rules.map { [$0.objectClass, "\($0.coldAfterDays)", "\($0.deleteAfterDays)"] })
    }
    print("cold target: \(response.coldTarget.isEmpty ? "none" : response.coldTarget)")
  }

  static func printRecovery(_ response: Loyalty_Backup_V1_RecoverResponse) {
    if response.drill { print("drill: restored into scratch locations; the services were not touched") }
    ProfileOutput.printTable(
      header: ["PRIORITY", "SERVICE", "OK", "SEQ", "RTO s", response.drill ? "SCRATCH PATH" : "HEALTHY", "ERROR"],
      rows: response.services.map {
        [
          "\($0.priority)", $0.service, $0.ok ? "yes" : "no", "\($0.restoredSeq)", seconds($0.rtoSeconds),
          response.drill ? $0.databasePath : ($0.healthy ? "yes" : "no"), $0.error,
        ]
      })
    for service in response.services {
      for note in service.notes { print("\(service.service): note: \(note)") }
    }
    print("overall RTO: \(seconds(response.totalRtoSeconds)) s")
    if !response.ok { print("recovery FAILED") }
  }

  static func printFields(_ fields: [(String, String)]) {
    let width = (fields.map(\.0.count).max() ?? 0) + 2
    for (label, value) in fields {
      print(label.padding(toLength: width, withPad: " ", startingAt: 0) + value)
    }
  }

  static func kind(_ kind: Loyalty_Backup_V1_SnapshotKind) -> String {
    switch kind {
    case .manual: "manual"
    case .automated: "automated"
    default: "\(kind)"
    }
  }

  static func outcome(_ outcome: Loyalty_Backup_V1_DrillOutcome) -> String {
    switch outcome {
    case .successful: "SUCCESSFUL"
    case .failed: "FAILED"
    default: "\(outcome)"
    }
  }

  /// `2026-12-05T08:00:00Z … 2026-12-05T10:00:00.123456Z`, or `none`.
  static func window(earliest: Google_Protobuf_Timestamp?, latest: Google_Protobuf_Timestamp?) -> String {
    guard let earliest, let latest else { return "none" }
    return "\(RecoveryTime.iso8601(earliest)) … \(RecoveryTime.iso8601(latest))"
  }

  static func drillSummary(_ drill: Loyalty_Backup_V1_Drill) -> String {
    let time = drill.hasFinishedAt ? drill.finishedAt : drill.startedAt
    return "\(outcome(drill.outcome)) \(RecoveryTime.iso8601(time, fractionalSeconds: false))"
  }

  static func seconds(_ value: Double) -> String { String(format: "%.2f", value) }

  /// `42s`, `3m`, `2h 5m`, `3d 4h`.
  static func age(_ seconds: Double) -> String {
    let total = Int64(max(0, seconds.rounded(.down)))
    switch total {
    case ..<60: return "\(total)s"
    case ..<3600: return "\(total / 60)m"
    case ..<86_400: return total % 3600 / 60 == 0 ? "\(total / 3600)h" : "\(total / 3600)h \(total % 3600 / 60)m"
    default: return total % 86_400 / 3600 == 0 ? "\(total / 86_400)d" : "\(total / 86_400)d \(total % 86_400 / 3600)h"
    }
  }

  /// `1h`, `15m`, `1d 12h`, `1m 30s`.
  static func duration(_ seconds: Int64) -> String {
    let units: [(Int64, String)] = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")]
    var remaining = seconds
    var parts: [String] = []
    for (size, suffix) in units where remaining >= size {
      parts.append("\(remaining / size)\(suffix)")
      remaining %= size
    }
    return parts.isEmpty ? "0s" : parts.joined(separator: " ")
  }

  static func bytes(_ count: Int64) -> String {
    guard count >= 1024 else { return "\(count) B" }
    var value = Double(count)
    for unit in ["KiB", "MiB", "GiB", "TiB"] {
      value /= 1024
      if value < 1024 || unit == "TiB" { return String(format: "%.1f", value) + " " + unit }
    }
    return "\(count) B"
  }
}
