import Foundation
import LoyaltyRuntime
import Testing

@Suite struct CivilDateTests {
  @Test func knownDatesAndTheirDayNumbers() {
    #expect(CivilDate.daysSinceEpoch(year: 1970, month: 1, day: 1) == 0)
    #expect(CivilDate.daysSinceEpoch(year: 2000, month: 3, day: 1) == 11_017)
    #expect(CivilDate.daysSinceEpoch(year: 1969, month: 12, day: 31) == -1)
    #expect(CivilDate.date(daysSinceEpoch: 20_792) == (2026, 12, 5))
    #expect(CivilDate.date(daysSinceEpoch: -719_162) == (1, 1, 1))
  }

  /// From 1601 on: Foundation's calendar is Julian before the Gregorian reform of 1582.
  @Test func fourCenturiesOfDaysRoundTripAndAgreeWithFoundation() {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let first = CivilDate.daysSinceEpoch(year: 1601, month: 1, day: 1)
    for days in stride(from: first, through: first + 146_097, by: 37) {
      let (year, month, day) = CivilDate.date(daysSinceEpoch: days)
      #expect(CivilDate.daysSinceEpoch(year: year, month: month, day: day) == days)
      let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
      #expect([Int64(parts.year!), Int64(parts.month!), Int64(parts.day!)] == [year, month, day])
    }
  }

  @Test func flooringDivisionAndPadding() {
    #expect(CivilDate.floorDivide(-1, 86_400) == -1)
    #expect(CivilDate.floorDivide(86_399, 86_400) == 0)
    #expect(CivilDate.padded(7, 3) == "007")
    #expect(CivilDate.padded(12_345, 3) == "12345")
  }
}
