import BackupStorage
import Foundation

/// Deletes what the retention window no longer needs: automated snapshots and journal
/// segments older than the window, while every second inside it stays restorable.
///
/// For each service the *anchor* is the newest snapshot (of either kind) whose point is at or
/// before `now − window`: it and every segment after it are kept, so a restore to any time in
/// the window starts from the anchor or a newer snapshot. Older automated snapshots, and
/// segments whose records all precede the anchor, are deleted. Manual snapshots are kept
/// until deleted explicitly, with the one segment that follows each (so each can still be
/// restored to its own point); a time between an older manual snapshot and the anchor is
/// reported as a journal gap by the planner, since the other segments after it are gone.
///
/// Deletion goes through `ObjectRetirement`: entries leave the catalog first, and the data
/// objects are deleted only after a grace period, so a restore that planned before the sweep
/// still reads every object of its plan. Each sweep also purges what earlier sweeps retired
/// once their grace period has passed.
public struct RetentionSweeper: Sendable {
  public let policy: RetentionPolicy
  public let catalog: BackupCatalog
  public let retirement: ObjectRetirement

  public init(policy: RetentionPolicy, catalog: BackupCatalog, retirement: ObjectRetirement) {
    self.policy = policy
    self.catalog = catalog
    self.retirement = retirement
  }

  /// Sweeps one service as of `now`, then purges objects whose grace period has passed.
  public func sweep(service: String, now: Date) async throws -> RetentionReport {
    let nowMicros = Int64((now.timeIntervalSince1970 * 1_000_000).rounded())
    let cutoff = policy.cutoffMicros(nowMicros: nowMicros)
    let snapshots = try await catalog.snapshots(service: service)
    let segments = try await catalog.segments(service: service)
    var report = RetentionReport(service: service, cutoffMicros: cutoff)

    let anchor = snapshots.filter { $0.pointMicros <= cutoff }
      .max { ($0.lastSeq, $0.takenAtMicros, $0.id) < ($1.lastSeq, $1.takenAtMicros, $1.id) }
    var retired: [ObjectRetirement.Entry] = []
    if let anchor {
      report.kept.append(.init(objectKey: anchor.objectKey, reason: .anchorsWindow))
      for snapshot in snapshots where snapshot.id != anchor.id && snapshot.pointMicros <= cutoff {
        if snapshot.kind == .manual {
          report.kept.append(.init(objectKey: snapshot.objectKey, reason: .manual))
        } else if snapshot.lastSeq <= anchor.lastSeq {
          retired.append(.snapshot(snapshot))
          report.deletedSnapshots.append(snapshot.id)
        }
      }
      // The planner needs the segment after a snapshot to know its journal ends there, so one
      // segment is kept after each older manual snapshot to keep it restorable on its own.
      let manualEnds = snapshots.filter { $0.kind == .manual && $0.lastSeq < anchor.lastSeq }.map { $0.lastSeq + 1 }
      for segment in segments {
        if manualEnds.contains(where: { segment.firstSeq <= $0 && $0 <= segment.lastSeq }) {
          report.kept.append(.init(objectKey: segment.objectKey, reason: .endsManualSnapshot))
        } else if segment.lastSeq <= anchor.lastSeq {
          retired.append(.segment(segment))
          report.deletedSegments.append(segment.objectKey)
        } else if segment.lastCommitTimeMicros < cutoff {
          report.kept.append(.init(objectKey: segment.objectKey, reason: .continuesAnchor))
        }
      }
    } else if let oldest = snapshots.first {
      report.notes.append(
        "no snapshot is older than the window, so nothing is deleted; the oldest is \(oldest.id) at \(MicrosFormat.iso8601(oldest.pointMicros))")
    }
    report.deletedBytes = retired.reduce(0) { $0 + $1.sealedSizeBytes }
    report.notes += try await retirement.retire(retired, from: catalog, nowMicros: nowMicros)
    report.purgedObjects = try await retirement.purge(nowMicros: nowMicros)
    return report
  }
}

/// What a retention sweep of one service did.
public struct RetentionReport: Sendable, Hashable {
  /// Why an entry older than the window was kept.
  public enum KeptReason: String, Sendable, Hashable {
    /// The newest snapshot at or before the window's start: restores inside the window begin here.
    case anchorsWindow = "anchors the recovery window"
    /// A segment holding records after the anchor snapshot.
    case continuesAnchor = "holds changes after the snapshot anchoring the window"
    /// A manual snapshot, kept until deleted explicitly.
    case manual = "manual snapshot, kept until deleted explicitly"
    /// The segment following an older manual snapshot, which shows where its journal ends.
    case endsManualSnapshot = "follows a manual snapshot, marking where its journal ends"
  }

  public struct Kept: Sendable, Hashable {
    public var objectKey: String
    public var reason: KeptReason
  }

  public var service: String
  /// `now − window`: every time from here on stays restorable.
  public var cutoffMicros: Int64
  /// Ids of the automated snapshots removed from the catalog (objects follow after the grace period).
  public var deletedSnapshots: [String] = []
  /// Object keys of the segments removed from the catalog.
  public var deletedSegments: [String] = []
  /// Sealed bytes of everything removed by this sweep.
  public var deletedBytes: Int64 = 0
  /// Data objects of this and earlier sweeps actually deleted from the targets.
  public var purgedObjects = 0
  /// Entries older than the window that were kept, and why.
  public var kept: [Kept] = []
  public var notes: [String] = []

  public init(service: String, cutoffMicros: Int64) {
    self.service = service
    self.cutoffMicros = cutoffMicros
  }
}
