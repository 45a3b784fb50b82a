import Foundation
import LoyaltyAPI
import ProfileService
import SwiftProtobuf
import Testing

@Suite struct StatusGoalProgressTests {
  static let day = CalendarDate(year: 2026, month: 7, day: 2)!

  func goal(target: Int64 = 100_000, by date: String = "2026-12-31", metric: String = "loyalty_points") -> Loyalty_Profile_V2_StatusGoal {
    .with { $0.programID = "aa-aadvantage"; $0.targetTier = "Platinum"; $0.targetDate = date; $0.metric = metric; $0.targetAmount = target }
  }

  func membership(_ amounts: [String: Int64]) -> Loyalty_Profile_V2_Membership {
    .with { membership in
      membership.programID = "aa-aadvantage"
      membership.qualifying = amounts.sorted { $0.key < $1.key }.map { entry in .with { $0.metric = entry.key; $0.amount = entry.value } }
    }
  }

  func progress(_ current: Int64, target: Int64 = 100_000, by date: String = "2026-12-31", on today: CalendarDate = day) -> Loyalty_Profile_V2_GoalProgress {
    StatusGoalProgress.evaluate(goal(target: target, by: date), membership: membership(["loyalty_points": current]), on: today)
  }

  /// The example in the proto's documentation of GoalProgress.
  @Test func theDocumentedExampleIsBehind() {
    let result = progress(40_000)
    #expect(result.status == .inProgress)
    #expect(result.currentAmount == 40_000)
    #expect(result.targetAmount == 100_000)
    #expect(result.remainingAmount == 60_000)
    #expect(result.percentCompleteBp == 4_000)
    #expect(result.daysLeft == 182)
    #expect(result.expectedByNow == 50_000)
    #expect(result.pace == .behind)
    #expect(result.requiredPer30Days == 9_891)
  }

  @Test func onTrackMeansAtLeastTheProRataShareOfTheYearSoFar() {
    #expect(progress(50_000).pace == .onTrack)
    #expect(progress(49_999).pace == .behind)
    // Rounded up: 100 × 182 / 364 is exactly 50, 7 × 182 / 364 = 3.5 needs 4.
    #expect(progress(4, target: 7).pace == .onTrack)
    #expect(progress(3, target: 7).pace == .behind)
    #expect(progress(3, target: 7).expectedByNow == 4)
  }

  @Test func onJanuaryFirstNothingIsExpectedYet() {
    let result = progress(0, on: CalendarDate(year: 2026, month: 1, day: 1)!)
    #expect(result.status == .inProgress)
    #expect(result.percentCompleteBp == 0)
    #expect(result.expectedByNow == 0)
    #expect(result.pace == .onTrack)
    #expect(result.daysLeft == 364)
    #expect(result.requiredPer30Days == 8_242)  // ceil(100000 × 30 / 364)
  }

  @Test func aReachedGoalIsCompleteWithNothingRemaining() {
    for current: Int64 in [100_000, 250_000] {
      let result = progress(current)
      #expect(result.status == .reached)
      #expect(result.percentCompleteBp == 10_000)
      #expect(result.remainingAmount == 0)
      #expect(result.requiredPer30Days == 0)
      #expect(result.pace == .onTrack)
    }
    let late = progress(100_000, by: "2026-03-01")
    #expect(late.status == .reached && late.pace == .onTrack && late.daysLeft == 0 && late.requiredPer30Days == 0)
  }

  @Test func percentagesRoundDownSoOnlyAReachedGoalShowsOneHundred() {
    #expect(progress(99_999).percentCompleteBp == 9_999)
    #expect(progress(1).percentCompleteBp == 0)
    #expect(progress(2, target: 3).percentCompleteBp == 6_666)
  }

  @Test func theTargetDateItselfStillCountsAfterItTheGoalIsMissed() {
    let due = progress(90_000, by: "2026-07-02")
    #expect(due.daysLeft == 0)
    #expect(due.expectedByNow == 100_000)
    #expect(due.pace == .behind)
    #expect(!due.hasRequiredPer30Days)

    let missed = progress(90_000, by: "2026-06-30")
    #expect(missed.status == .inProgress)
    #expect(missed.daysLeft == 0)
    #expect(missed.pace == .missed)
    #expect(!missed.hasRequiredPer30Days)

    let lastYear = progress(90_000, by: "2025-12-31")
    #expect(lastYear.pace == .missed && lastYear.expectedByNow == 100_000)

    let tomorrow = progress(90_000, by: "2026-07-03")
    #expect(tomorrow.daysLeft == 1 && tomorrow.pace == .behind && tomorrow.requiredPer30Days == 300_000)
  }

  @Test func aTargetInALaterYearSpreadsTheTargetFromThisJanuaryFirst() {
    // 2026-01-01 to 2027-06-30 is 545 days; 182 have passed.
    let result = progress(34_000, by: "2027-06-30")
    #expect(result.daysLeft == 363)
    #expect(result.expectedByNow == 33_395)  // ceil(100000 × 182 / 545)
    #expect(result.pace == .onTrack)
  }

  @Test func withoutATargetDateThereIsNoPace() {
    let result = progress(40_000, by: "")
    #expect(result.status == .inProgress && result.percentCompleteBp == 4_000)
    #expect(!result.hasDaysLeft && !result.hasExpectedByNow && !result.hasRequiredPer30Days)
    #expect(result.pace == .unspecified)
  }

  @Test func aGoalWithoutMembershipSaysSoInsteadOfZeroPercent() {
    let result = StatusGoalProgress.evaluate(goal(), membership: nil, on: Self.day)
    #expect(result.status == .noMembership)
    #expect(result.targetAmount == 100_000)
    #expect(!result.hasCurrentAmount && !result.hasPercentCompleteBp && !result.hasRemainingAmount)
    #expect(!result.hasExpectedByNow && !result.hasRequiredPer30Days && result.pace == .unspecified)
    #expect(result.daysLeft == 182)
  }

  @Test func aGoalWhoseMetricIsNotRecordedSaysSo() {
    let result = StatusGoalProgress.evaluate(goal(), membership: membership(["segments": 30]), on: Self.day)
    #expect(result.status == .metricNotRecorded)
    #expect(!result.hasCurrentAmount && !result.hasPercentCompleteBp && result.pace == .unspecified)
    let none = StatusGoalProgress.evaluate(goal(), membership: membership([:]), on: Self.day)
    #expect(none.status == .metricNotRecorded)
  }

  @Test func aGoalWithoutMetricOrTargetCannotBeMeasured() {
    var written = goal()
    written.metric = ""
    written.targetAmount = 0
    let result = StatusGoalProgress.evaluate(written, membership: membership(["loyalty_points": 5]), on: Self.day)
    #expect(result.status == .targetNotSet)
    #expect(!result.hasCurrentAmount && !result.hasPercentCompleteBp)
  }

  @Test func aProfileGetsOneEntryPerGoalMatchedByProgram() {
    let profile = Loyalty_Profile_V2_Profile.with {
      $0.memberships = [membership(["loyalty_points": 75_000])]
      $0.statusGoals = [goal(target: 75_000), .with { $0.programID = "ua-mileageplus"; $0.targetTier = "Gold"; $0.metric = "pqp"; $0.targetAmount = 12_000 }]
    }
    let results = StatusGoalProgress.evaluate(profile, on: Self.day)
    #expect(results.map(\.status) == [.reached, .noMembership])
    #expect(results.map(\.programID) == ["aa-aadvantage", "ua-mileageplus"])
  }

  @Test func calendarDatesCountWholeDays() throws {
    let leap = try #require(CalendarDate("2028-02-29"))
    #expect(leap.description == "2028-02-29")
    #expect(CalendarDate("2027-02-29") == nil)
    #expect(CalendarDate("2026-13-01") == nil)
    #expect(CalendarDate("2026-7-02") == nil)
    #expect(CalendarDate("+026-07-02") == nil)
    #expect(CalendarDate("") == nil)
    #expect(CalendarDate("2028-01-01")!.days(until: CalendarDate("2029-01-01")!) == 366)
    #expect(CalendarDate("1970-01-01")!.dayNumber == 0)
    #expect(CalendarDate(year: 2000, month: 3, day: 1)!.dayNumber == 11_017)
    #expect(Self.day.startOfYear.description == "2026-01-01")
    #expect(CalendarDate(Date(timeIntervalSince1970: 1_782_950_399)).description == "2026-07-01")
    #expect(CalendarDate(Date(timeIntervalSince1970: 1_782_950_400)).description == "2026-07-02")
  }
}
