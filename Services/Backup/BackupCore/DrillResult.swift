/// The outcome of one restore drill (`RestoreDrill`). Times are microseconds since 1970.
public struct DrillResult: Sendable, Hashable, Codable {
  public enum Outcome: String, Sendable, Hashable, Codable {
    case successful = "SUCCESSFUL"
    case failed = "FAILED"
  }

  public var id: String
  public var service: String
  /// The point the drill restored to: the requested time, or for "latest" the time the drill
  /// started (so that the achieved RPO is what a loss at that moment would have cost).
  public var targetMicros: Int64
  /// True when the drill asked for the newest stored change rather than a given time.
  public var targetIsLatest: Bool
  public var outcome: Outcome
  /// Why the drill failed; nil when it succeeded.
  public var reason: String?
  /// Seconds the restore took (the recovery time objective achieved); nil when no restore
  /// completed.
  public var rtoSeconds: Double?
  /// Target time minus the commit time of the last restored change (the recovery point
  /// achieved); nil when no restore completed or the restored journal is empty.
  public var rpoSeconds: Double?
  /// The journal sequence the restore reached.
  public var restoredSeq: Int64?
  /// The snapshot the restore started from.
  public var snapshotID: String?
  /// What the restore did differently from the obvious plan (e.g. an unusable snapshot
  /// skipped) and how the content was checked.
  public var notes: [String]
  public var startedAtMicros: Int64
  public var finishedAtMicros: Int64

  public init(
    id: String, service: String, targetMicros: Int64, targetIsLatest: Bool, outcome: Outcome, reason: String?,
    rtoSeconds: Double?, rpoSeconds: Double?, restoredSeq: Int64?, snapshotID: String?, notes: [String],
    startedAtMicros: Int64, finishedAtMicros: Int64
  ) {
    self.id = id
    self.service = service
    self.targetMicros = targetMicros
    self.targetIsLatest = targetIsLatest
    self.outcome = outcome
    self.reason = reason
    self.rtoSeconds = rtoSeconds
    self.rpoSeconds = rpoSeconds
    self.restoredSeq = restoredSeq
    self.snapshotID = snapshotID
    self.notes = notes
    self.startedAtMicros = startedAtMicros
    self.finishedAtMicros = finishedAtMicros
  }
}
