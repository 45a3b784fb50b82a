/// Chooses what to restore for a target time: the newest snapshot at or before it, and the
/// journal segments that continue that snapshot without a hole, overlap or duplicate up to the
/// last transaction committed at or before the target.
///
/// Segments only record their first and last commit times, so a chain is complete once it
/// reaches a record committed after the target, or the newest stored change. When the newest
/// snapshot's chain is broken, older snapshots are tried and the plan's notes say so.
public enum RecoveryPlanner {
  /// The times `service` can be restored to, nil when it has no usable snapshot.
  public static func window(
    snapshots: [SnapshotEntry], segments: [SegmentEntry], excludingSnapshots excluded: Set<String> = []
  ) -> RecoveryWindow? {
    let usable = snapshots.filter { !excluded.contains($0.id) }
    guard let earliest = usable.map(\.pointMicros).min() else { return nil }
    let latest = max(usable.map(\.pointMicros).max() ?? earliest, segments.map(\.lastCommitTimeMicros).max() ?? earliest)
    return RecoveryWindow(earliestMicros: earliest, latestMicros: latest)
  }

  /// Plans a restore of `service` to `target` from the given catalog entries (entries of
  /// other services are ignored).
  ///
  /// - Parameter excluded: ids of snapshots not to use, e.g. one whose object failed
  ///   verification; the plan's notes mention the ones it skipped.
  /// - Throws: `RecoveryError.outsideWindow` for a time before the oldest snapshot or after
  ///   the newest stored change; `.gap` or `.overlap` when no snapshot's chain reaches the
  ///   target (the error of the newest candidate); `.noRecoveryPoint` without snapshots.
  public static func plan(
    service: String, target: RecoveryTarget, snapshots: [SnapshotEntry], segments: [SegmentEntry],
    excludingSnapshots excluded: Set<String> = []
  ) throws(RecoveryError) -> RecoveryPlan {
    let snapshots = snapshots.filter { $0.service == service }
    let segments = segments.filter { $0.service == service }.sorted {
      ($0.firstSeq, $0.lastSeq, $0.objectKey) < ($1.firstSeq, $1.lastSeq, $1.objectKey)
    }
    guard let window = window(snapshots: snapshots, segments: segments, excludingSnapshots: excluded) else {
      throw .noRecoveryPoint(service: service)
    }
    let targetMicros: Int64
    switch target {
    case .latest:
      targetMicros = window.latestMicros
    case .time(let micros):
      guard window.contains(micros) else {
        throw .outsideWindow(earliest: window.earliestMicros, latest: window.latestMicros)
      }
      targetMicros = micros
    }

    // Newest first: the fewest records to replay.
    let candidates = snapshots
      .filter { $0.pointMicros <= targetMicros }
      .sorted { ($0.lastSeq, $0.takenAtMicros, $0.id) > ($1.lastSeq, $1.takenAtMicros, $1.id) }
    var notes: [String] = []
    var firstFailure: RecoveryError?
    for snapshot in candidates {
      if excluded.contains(snapshot.id) {
        notes.append("snapshot \(snapshot.id) (up to sequence \(snapshot.lastSeq)) was excluded")
        continue
      }
      switch chain(after: snapshot, segments: segments, targetMicros: targetMicros) {
      case .success(let chain):
        if !notes.isEmpty {
          notes.append("restoring from the older snapshot \(snapshot.id) (up to sequence \(snapshot.lastSeq)) instead")
        }
        return RecoveryPlan(
          service: service, target: target, targetMicros: targetMicros, snapshot: snapshot, segments: chain,
          window: window, notes: notes)
      case .failure(let error):
        firstFailure = firstFailure ?? error
        notes.append("snapshot \(snapshot.id) (up to sequence \(snapshot.lastSeq)) cannot reach the target: \(error)")
      }
    }
    // The window starts at the oldest usable snapshot, so a candidate always exists.
    throw firstFailure ?? .noRecoveryPoint(service: service)
  }

  /// The segments continuing `snapshot` until every record committed at or before
  /// `targetMicros` is covered. `segments` are in sequence order.
  private static func chain(
    after snapshot: SnapshotEntry, segments: [SegmentEntry], targetMicros: Int64
  ) -> Result<[SegmentEntry], RecoveryError> {
    let relevant = segments.filter { $0.lastSeq > snapshot.lastSeq }
    var chain: [SegmentEntry] = []
    var next = snapshot.lastSeq + 1
    var coveredUpTo = snapshot.pointMicros
    var index = relevant.startIndex
    while coveredUpTo <= targetMicros {
      var starting: [SegmentEntry] = []
      while index < relevant.endIndex, relevant[index].firstSeq <= next {
        starting.append(relevant[index])
        index += 1
      }
      guard let segment = starting.first else {
        let following = index < relevant.endIndex ? relevant[index] : nil
        // Records after the chain commit no earlier than `coveredUpTo`; with nothing stored
        // after it, the chain ends at the newest stored change.
        if following == nil, coveredUpTo >= targetMicros { break }
        return .failure(.gap(after: next - 1, next: following?.firstSeq))
      }
      if starting.count > 1 {
        return .failure(.overlap(starting[0].range, starting[1].range))
      }
      if let previous = chain.last, segment.firstSeq < next {
        return .failure(.overlap(previous.range, segment.range))
      }
      if segment.firstSeq == next, segment.firstCommitTimeMicros > targetMicros {
        break
      }
      chain.append(segment)
      next = segment.lastSeq + 1
      coveredUpTo = segment.lastCommitTimeMicros
    }
    if let last = chain.last, index < relevant.endIndex, relevant[index].firstSeq <= last.lastSeq {
      return .failure(.overlap(last.range, relevant[index].range))
    }
    return .success(chain)
  }
}

extension BackupCatalog {
  /// Plans a restore of `service` from this catalog; see `RecoveryPlanner.plan`.
  public func plan(
    service: String, target: RecoveryTarget, excludingSnapshots excluded: Set<String> = []
  ) async throws -> RecoveryPlan {
    try RecoveryPlanner.plan(
      service: service, target: target, snapshots: try await snapshots(service: service),
      segments: try await segments(service: service), excludingSnapshots: excluded)
  }

  /// The times `service` can be restored to, nil when it has no snapshot.
  public func window(service: String) async throws -> RecoveryWindow? {
    RecoveryPlanner.window(snapshots: try await snapshots(service: service), segments: try await segments(service: service))
  }
}
