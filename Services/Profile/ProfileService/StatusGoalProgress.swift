import Foundation
import LoyaltyAPI
import SwiftProtobuf

/// How far each status goal is, by the rules documented on `loyalty.profile.v2.GoalProgress`:
/// calendar-year qualification, progress expected to accrue evenly from January 1 to the
/// target date, percentages in basis points. Integer arithmetic throughout, so the rules
/// hold exactly (no floating-point rounding at the edges).
public enum StatusGoalProgress {
  /// One entry per goal of `profile`, in order, evaluated on `today`.
  public static func evaluate(_ profile: Loyalty_Profile_V2_Profile, on today: CalendarDate) -> [Loyalty_Profile_V2_GoalProgress] {
    profile.statusGoals.map { goal in
      evaluate(goal, membership: profile.memberships.first { $0.programID == goal.programID }, on: today)
    }
  }

  public static func evaluate(
    _ goal: Loyalty_Profile_V2_StatusGoal,
    membership: Loyalty_Profile_V2_Membership?,
    on today: CalendarDate
  ) -> Loyalty_Profile_V2_GoalProgress {
    var progress = Loyalty_Profile_V2_GoalProgress.with {
      $0.programID = goal.programID
      $0.targetTier = goal.targetTier
      $0.metric = goal.metric
      $0.targetAmount = goal.targetAmount
    }
    let targetDate = CalendarDate(goal.targetDate)
    if let targetDate {
      progress.daysLeft = Int32(clamping: max(0, today.days(until: targetDate)))
    }
    guard !goal.metric.isEmpty, goal.targetAmount > 0 else {
      progress.status = .targetNotSet
      return progress
    }
    guard let membership else {
      progress.status = .noMembership
      return progress
    }
    guard let balance = membership.qualifying.first(where: { $0.metric == goal.metric }) else {
      progress.status = .metricNotRecorded
      return progress
    }

    let (current, target) = (max(0, balance.amount), goal.targetAmount)
    let remaining = max(0, target - current)
    progress.status = remaining == 0 ? .reached : .inProgress
    progress.currentAmount = current
    if balance.hasAsOf { progress.currentAsOf = balance.asOf }
    progress.remainingAmount = remaining
    progress.percentCompleteBp = remaining == 0 ? 10_000 : Int32(multiplyDivide(current, 10_000, by: target, roundingUp: false))

    guard let targetDate else { return progress }
    let yearStart = today.startOfYear
    let elapsed = Int64(yearStart.days(until: today))
    let span = Int64(yearStart.days(until: targetDate))
    // Before the target date, span > elapsed >= 0.
    let expected = today >= targetDate ? target : multiplyDivide(target, elapsed, by: span, roundingUp: true)
    progress.expectedByNow = expected
    if current >= expected {
      progress.pace = .onTrack
    } else {
      progress.pace = today > targetDate ? .missed : .behind
    }
    let daysLeft = Int64(max(0, today.days(until: targetDate)))
    if remaining == 0 {
      progress.requiredPer30Days = 0
    } else if daysLeft > 0 {
      progress.requiredPer30Days = multiplyDivide(remaining, 30, by: daysLeft, roundingUp: true)
    }
    return progress
  }

  /// a × b / divisor for non-negative operands whose result fits, without overflowing on
  /// the intermediate product.
  static func multiplyDivide(_ a: Int64, _ b: Int64, by divisor: Int64, roundingUp: Bool) -> Int64 {
    let (quotient, remainder) = divisor.dividingFullWidth(a.multipliedFullWidth(by: b))
    return roundingUp && remainder > 0 ? quotient + 1 : quotient
  }
}

/// A day of the proleptic Gregorian calendar, without time zone; goal arithmetic counts
/// whole days between them.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let year: Int
  public let month: Int
  public let day: Int

  /// Nil when the components are not a real date.
  public init?(year: Int, month: Int, day: Int) {
    guard (1...12).contains(month), (1...31).contains(day) else { return nil }
    let date = CalendarDate(dayNumber: Self.dayNumber(year: year, month: month, day: day))
    guard date.year == year, date.month == month, date.day == day else { return nil }
    self = date
  }

  /// Parses `YYYY-MM-DD`; nil for anything else, including the empty string.
  public init?(_ text: String) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }),
      let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
    else { return nil }
    self.init(year: year, month: month, day: day)
  }

  /// The UTC day `date` falls on.
  public init(_ date: Date) {
    self.init(dayNumber: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
  }

  /// The current UTC day.
  public static func today() -> CalendarDate { CalendarDate(Date()) }

  /// Days since 1970-01-01.
  public var dayNumber: Int { Self.dayNumber(year: year, month: month, day: day) }

  public var startOfYear: CalendarDate { CalendarDate(year: year, month: 1, day: 1)! }

  /// Whole days from this date to `other`; negative when `other` is earlier.
  public func days(until other: CalendarDate) -> Int { other.dayNumber - dayNumber }

  public var description: String {
    func padded(_ value: Int, _ width: Int) -> String {
      let digits = String(value)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
  }

  public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

  // Howard Hinnant's days_from_civil and civil_from_days
  // (https://howardhinnant.github.io/date_algorithms.html).

  private static func dayNumber(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  private init(dayNumber: Int) {
    let z = dayNumber + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let month = mp < 10 ? mp + 3 : mp - 9
    year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    self.month = month
    day = dayOfYear - (153 * mp + 2) / 5 + 1
  }
}
