/// How long automated recovery points are kept: every second of the last `windowDays` days
/// stays restorable, and automated snapshots and journal segments no longer needed for that
/// are deleted by `RetentionSweeper`.
public struct RetentionPolicy: Sendable, Hashable {
  public static let defaultWindowDays = 7
  public static let allowedWindowDays = 1...35

  public let windowDays: Int

  /// - Throws: `RetentionPolicyError.windowOutOfRange` for a window outside 1–35 days.
  public init(windowDays: Int = RetentionPolicy.defaultWindowDays) throws(RetentionPolicyError) {
    guard Self.allowedWindowDays.contains(windowDays) else {
      throw .windowOutOfRange(days: windowDays, allowed: Self.allowedWindowDays)
    }
    self.windowDays = windowDays
  }

  public var windowMicros: Int64 { Int64(windowDays) * 86_400_000_000 }

  /// The oldest time that must stay restorable at `nowMicros`.
  public func cutoffMicros(nowMicros: Int64) -> Int64 { nowMicros - windowMicros }
}

public enum RetentionPolicyError: Error, Equatable, CustomStringConvertible {
  case windowOutOfRange(days: Int, allowed: ClosedRange<Int>)

  public var description: String {
    switch self {
    case .windowOutOfRange(let days, let allowed):
      "retention window (retention.windowDays) must be \(allowed.lowerBound)–\(allowed.upperBound) days, not \(days)"
    }
  }
}
