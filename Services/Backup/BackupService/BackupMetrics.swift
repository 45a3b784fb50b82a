import BackupCore
import CoreMetrics
import Foundation
import Metrics

/// The Prometheus series the alert rules in `Services/Backup/alerts` are written against.
/// Series are labelled by `service` (and `target`, `kind`); each gauge is created on first use.
struct BackupMetrics: Sendable {
  let factory: any MetricsFactory

  private func gauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
    Gauge(label: label, dimensions: dimensions, factory: factory)
  }

  func shipping(_ status: LogShipperStatus, nowMicros: Int64) {
    let service = [("service", status.service)]
    gauge("backup_lag_seconds", service).record(status.lagSeconds(nowMicros: nowMicros))
    gauge("backup_shipping", service).record(status.isStreaming ? 1 : 0)
    gauge("backup_pending_records", service).record(status.pendingRecords)
    if let seq = status.lastStoredSeq { gauge("backup_last_stored_sequence", service).record(seq) }
  }

  func snapshot(service: String, kind: SnapshotKind, takenAtMicros: Int64) {
    gauge("backup_last_snapshot_timestamp_seconds", [("service", service), ("kind", kind.rawValue)])
      .record(Double(takenAtMicros) / 1_000_000)
  }

  func snapshotInterval(service: String, seconds: Int64) {
    gauge("backup_snapshot_interval_seconds", [("service", service)]).record(seconds)
  }

  func drill(_ result: DrillResult) {
    let service = [("service", result.service)]
    gauge("backup_drill_last_result", service).record(result.outcome == .successful ? 1 : 0)
    gauge("backup_drill_last_timestamp_seconds", service).record(Double(result.finishedAtMicros) / 1_000_000)
    if result.outcome == .successful {
      gauge("backup_drill_last_success_timestamp_seconds", service).record(Double(result.finishedAtMicros) / 1_000_000)
    }
    if let rto = result.rtoSeconds { gauge("backup_drill_rto_seconds", service).record(rto) }
    if let rpo = result.rpoSeconds { gauge("backup_drill_rpo_seconds", service).record(rpo) }
  }

  func copyLag(_ lag: ReplicaLag, target: String) {
    gauge("backup_copy_lag_seconds", [("service", lag.service), ("target", target)]).record(lag.seconds)
  }

  func window(service: String, _ window: RecoveryWindow?) {
    guard let window else { return }
    gauge("backup_window_earliest_timestamp_seconds", [("service", service)]).record(Double(window.earliestMicros) / 1_000_000)
    gauge("backup_window_latest_timestamp_seconds", [("service", service)]).record(Double(window.latestMicros) / 1_000_000)
  }
}
