/// What a `LogShipper` has achieved so far, for metrics and the status table. Times are
/// microseconds since 1970, like the journal's commit times.
public struct LogShipperStatus: Sendable, Equatable {
  public var service: String
  /// The highest sequence durably stored in a segment (nil before anything is stored).
  public var lastStoredSeq: Int64?
  /// The commit time of that record; nil until this shipper stores its first segment (at
  /// start the catalog gives the last stored sequence, not its commit time).
  public var lastStoredCommitTimeMicros: Int64?
  /// Records received but not yet stored.
  public var pendingRecords: Int
  /// The commit time of the oldest record not yet stored.
  public var oldestPendingCommitTimeMicros: Int64?
  /// Whether the shipper is following the service's journal right now.
  public var isStreaming: Bool
  /// The last failure (a dropped stream, a failed upload, a gap), cleared by the next success.
  public var lastError: String?
  /// Set when the shipper stopped for good: it found a gap in the journal.
  public var stoppedBecause: String?

  public init(service: String) {
    self.service = service
    pendingRecords = 0
    isStreaming = false
  }

  /// Whether everything the shipper knows of is stored: it is following the journal and
  /// holds nothing unstored. While it is not following, changes may be committing unseen.
  public var isCaughtUp: Bool { isStreaming && pendingRecords == 0 && stoppedBecause == nil }

  /// `backup_lag_seconds`: now − the commit time of the newest stored change, or 0 when
  /// nothing is pending. Before this shipper stores anything, the oldest pending change stands
  /// in; with neither known it is 0.
  public func lagSeconds(nowMicros: Int64) -> Double {
    guard !isCaughtUp, let reference = lastStoredCommitTimeMicros ?? oldestPendingCommitTimeMicros else { return 0 }
    return Double(max(0, nowMicros - reference)) / 1_000_000
  }
}
