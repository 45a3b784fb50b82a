/// The point a restore should reach.
public enum RecoveryTarget: Sendable, Hashable, CustomStringConvertible {
  /// The newest change stored.
  case latest
  /// The state after the last transaction committed at or before this time (microseconds
  /// since 1970).
  case time(micros: Int64)

  public var description: String {
    switch self {
    case .latest: "latest"
    case .time(let micros): "\(micros) µs"
    }
  }
}

/// The times a service can be restored to: from its oldest snapshot to its newest stored
/// change (microseconds since 1970, inclusive).
public struct RecoveryWindow: Sendable, Hashable {
  public var earliestMicros: Int64
  public var latestMicros: Int64

  public init(earliestMicros: Int64, latestMicros: Int64) {
    self.earliestMicros = earliestMicros
    self.latestMicros = latestMicros
  }

  public func contains(_ micros: Int64) -> Bool { micros >= earliestMicros && micros <= latestMicros }
}

/// How to rebuild a service's database as of a target time: restore `snapshot`, then replay
/// the records of `segments` (in order, continuous after the snapshot) that committed at or
/// before `targetMicros`.
public struct RecoveryPlan: Sendable, Hashable {
  public var service: String
  public var target: RecoveryTarget
  /// The resolved bound: records committed at or before it are replayed.
  public var targetMicros: Int64
  public var snapshot: SnapshotEntry
  public var segments: [SegmentEntry]
  public var window: RecoveryWindow
  /// Why the plan is not the obvious one (a newer snapshot skipped, and why), for operators.
  public var notes: [String]

  public init(
    service: String, target: RecoveryTarget, targetMicros: Int64, snapshot: SnapshotEntry, segments: [SegmentEntry],
    window: RecoveryWindow, notes: [String]
  ) {
    self.service = service
    self.target = target
    self.targetMicros = targetMicros
    self.snapshot = snapshot
    self.segments = segments
    self.window = window
    self.notes = notes
  }
}

public enum RecoveryError: Error, Equatable, CustomStringConvertible {
  /// The service has no usable snapshot to start from.
  case noRecoveryPoint(service: String)
  /// The requested time is before the oldest recoverable point or after the newest stored
  /// change (microseconds since 1970).
  case outsideWindow(earliest: Int64, latest: Int64)
  /// Journal records after sequence `after` are missing; `next` is the first sequence of the
  /// next stored segment, nil when none is stored.
  case gap(after: Int64, next: Int64?)
  /// Two stored segments hold the same sequences, so which history is right is unknown.
  case overlap(SequenceRange, SequenceRange)

  public var description: String {
    switch self {
    case .noRecoveryPoint(let service):
      "\(service) has no usable snapshot to restore from"
    case .outsideWindow(let earliest, let latest):
      "the requested time is outside the recovery window, which runs from \(RecoveryError.format(earliest)) to \(RecoveryError.format(latest))"
    case .gap(let after, let next?):
      "journal records are missing after sequence \(after): the next stored segment starts at \(next)"
    case .gap(let after, nil):
      "journal records are missing after sequence \(after): no later segment is stored"
    case .overlap(let first, let second):
      first == second
        ? "two stored segments both hold sequences \(first)"
        : "stored segments \(first) and \(second) overlap"
    }
  }

  /// An ISO 8601 time with microseconds, plus the raw value.
  static func format(_ micros: Int64) -> String {
    MicrosFormat.iso8601(micros) + " (\(micros) µs)"
  }
}
