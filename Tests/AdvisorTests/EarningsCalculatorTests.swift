import Advisor
import Foundation
import GraphModel
import LoyaltyAPI
import SwiftProtobuf
import Testing

@Suite struct EarningsCalculatorTests {
  let calculator = EarningsCalculator(facts: FactsFixture.facts)
  typealias F = FactsFixture

  /// AA's own example: DFW–LHR round trip, $1,436 base + $458 carrier fees = $1,894; taxes
  /// never earn. Each way is half the fare (equal distances): $947.00.
  @Test(arguments: [("", 5, 9_470), ("Gold", 7, 13_258), ("Platinum", 8, 15_152), ("Platinum Pro", 9, 17_046), ("Executive Platinum", 11, 20_834)])
  func americanRevenueRoundTripAtEachStatus(tier: String, rate: Int, expected: Int64) throws {
    let request = F.earningsRequest(
      [F.segment("AA", "DFW", "LHR", fareClass: "Y", flight: "AA50"), F.segment("AA", "LHR", "DFW", fareClass: "Y", date: "2025-03-10")],
      fare: ("USD", 1_436, 458, 312.45), statuses: ["aa-aadvantage": tier])
    let aa = try #require(try calculator.calculate(request).earnings(of: "aa-aadvantage"))

    #expect(Int64(1_894 * rate) == expected)
    #expect(aa.redeemableMiles == expected)
    #expect(aa.statusBonusMiles == expected - 9_470)
    #expect(aa.metricAmount("Loyalty Points") == Double(expected))
    #expect(aa.tier == tier)
    #expect(aa.tierSource == "request")
    #expect(aa.earningSegments == 2)
    #expect(aa.currencyName == "miles")
    for segment in aa.segments {
      #expect(segment.ruleID == "rule:aa-revenue")
      #expect(segment.sourceDocumentID == "doc:aa-earning")
      #expect(segment.sourceURL == "https://example.com/aa-earning")
      #expect(segment.eligibleRevenue == 947)
      #expect(segment.baseMiles == 947 * 5)
      #expect(segment.statusBonusMiles == Int64(947 * (rate - 5)))
      #expect(segment.redeemableMiles == Int64(947 * rate))
      #expect(segment.distanceMiles == Int32(F.greatCircleMiles("DFW", "LHR")))
      #expect(segment.distanceSource == "great-circle")
      #expect(segment.noEarningReason.isEmpty)
      #expect(segment.steps.contains { $0.contains("1,894.00 USD") && $0.contains("947.00 USD") })
      #expect(segment.steps.contains { $0.hasPrefix("Base: 947.00 USD × 5 miles/USD = 4,735") })
    }
  }

  @Test func memberWithoutStatusUsesTheDefaultTierAndProfileFillsIn() throws {
    let segments = [F.segment("AA", "DFW", "LHR", fareClass: "Y"), F.segment("AA", "LHR", "DFW", fareClass: "Y")]
    let plain = try #require(try calculator.calculate(F.earningsRequest(segments, fare: ("USD", 1_436, 458, 0))).earnings(of: "aa-aadvantage"))
    #expect(plain.redeemableMiles == 9_470)
    #expect(plain.tier == "")
    #expect(plain.tierSource == "default")

    let profile = try #require(
      try calculator.calculate(F.earningsRequest(segments, fare: ("USD", 1_436, 458, 0)), profileStatuses: ["aa-aadvantage": "executive platinum"])
        .earnings(of: "aa-aadvantage"))
    #expect(profile.redeemableMiles == 20_834)
    #expect(profile.tier == "Executive Platinum")
    #expect(profile.tierSource == "profile")

    let overridden = try #require(
      try calculator.calculate(
        F.earningsRequest(segments, fare: ("USD", 1_436, 458, 0), statuses: ["aa-aadvantage": "Gold"]),
        profileStatuses: ["aa-aadvantage": "Executive Platinum"]
      ).earnings(of: "aa-aadvantage"))
    #expect(overridden.redeemableMiles == 13_258)
    #expect(overridden.tierSource == "request")

    let stale = try #require(
      try calculator.calculate(F.earningsRequest(segments, fare: ("USD", 1_436, 458, 0)), profileStatuses: ["aa-aadvantage": "Diamond", "gone": "Gold"])
        .earnings(of: "aa-aadvantage"))
    #expect(stale.tierSource == "default")
    #expect(stale.redeemableMiles == 9_470)
  }

  /// BA-marketed I class earns AAdvantage's BA business rule: 150% of distance, and the
  /// Executive Platinum bonus is 120% of those base miles.
  @Test func britishAirwaysPartnerFareClassWithEliteBonus() throws {
    let request = F.earningsRequest([F.segment("BA", "LHR", "JFK", fareClass: "I", flight: "BA117")], statuses: ["aa-aadvantage": "Executive Platinum"])
    let aa = try #require(try calculator.calculate(request).earnings(of: "aa-aadvantage"))
    let distance = F.greatCircleMiles("LHR", "JFK")
    let base = Double(distance) * 1.5
    let total = Int64((base + base * 1.2 + 0.5).rounded(.down))
    let segment = try #require(aa.segments.first)

    #expect(segment.ruleID == "rule:aa-ba-business")
    #expect(segment.cabin == "business")
    #expect(segment.distanceMiles == Int32(distance))
    #expect(segment.baseMiles == Int64((base + 0.5).rounded(.down)))
    #expect(segment.minimumCreditMiles == 0)
    #expect(segment.cabinBonusMiles == 0)
    #expect(segment.redeemableMiles == total)
    #expect(segment.statusBonusMiles == total - segment.baseMiles)
    #expect(aa.redeemableMiles == total)
    #expect(aa.metricAmount("Loyalty Points") == Double(total))
    #expect(segment.steps.contains { $0.hasPrefix("Accrual: \(distance / 1_000),\(String(format: "%03d", distance % 1_000)) mi × 150%") })
  }

  /// QR business: 100% of distance plus a 50% cabin bonus; Gold's 40% applies to the base only.
  @Test func qatarPartnerFareClassWithCabinAndEliteBonus() throws {
    let request = F.earningsRequest([F.segment("QR", "DOH", "JFK", fareClass: "J")], statuses: ["aa-aadvantage": "Gold"])
    let segment = try #require(try calculator.calculate(request).earnings(of: "aa-aadvantage")?.segments.first)
    let distance = F.greatCircleMiles("DOH", "JFK")
    let exact = Double(distance) * (1 + 0.5 + 0.4)

    #expect(segment.ruleID == "rule:aa-qr-business")
    #expect(segment.baseMiles == Int64(distance))
    #expect(segment.cabinBonusMiles == Int64((Double(distance) * 1.5 + 0.5).rounded(.down)) - Int64(distance))
    #expect(segment.redeemableMiles == Int64((exact + 0.5).rounded(.down)))
    #expect(segment.baseMiles + segment.minimumCreditMiles + segment.cabinBonusMiles + segment.statusBonusMiles == segment.redeemableMiles)
  }

  /// LHR–AMS is about 230 miles: 25% is well under the 500-mile minimum, which is topped up
  /// before the status bonus (40% of 500 for Gold).
  @Test func shortHaulMinimumComesBeforeTheStatusBonus() throws {
    let distance = F.greatCircleMiles("LHR", "AMS")
    let accrual = Double(distance) * 0.25
    #expect(accrual < 500)

    let gold = try #require(
      try calculator.calculate(F.earningsRequest([F.segment("BA", "LHR", "AMS", fareClass: "O")], statuses: ["aa-aadvantage": "Gold"]))
        .earnings(of: "aa-aadvantage")?.segments.first)
    #expect(gold.ruleID == "rule:aa-ba-discount")
    #expect(gold.baseMiles == Int64((accrual + 0.5).rounded(.down)))
    #expect(gold.minimumCreditMiles == 500 - gold.baseMiles)
    #expect(gold.statusBonusMiles == 200)
    #expect(gold.redeemableMiles == 700)
    #expect(gold.steps.contains { $0.contains("below the 500-mile minimum") })

    let member = try #require(
      try calculator.calculate(F.earningsRequest([F.segment("BA", "LHR", "AMS", fareClass: "O")])).earnings(of: "aa-aadvantage")?.segments.first)
    #expect(member.redeemableMiles == 500)
    #expect(member.statusBonusMiles == 0)
  }

  /// The 2024 QR economy rule expired on 2024-12-31; the 2026 one is only announced.
  @Test func ruleDatesAndStatesAgainstTheTravelDate() throws {
    let distance = F.greatCircleMiles("DOH", "JFK")
    func aaSegment(_ date: String, _ fareClass: String = "Y") throws -> Loyalty_Advisor_V1_SegmentEarning {
      let response = try calculator.calculate(F.earningsRequest([F.segment("QR", "DOH", "JFK", fareClass: fareClass, date: date)]))
      return try #require(response.earnings(of: "aa-aadvantage")?.segments.first)
    }

    let inWindow = try aaSegment("2024-06-01")
    #expect(inWindow.ruleID == "rule:aa-qr-economy-2024")
    #expect(inWindow.redeemableMiles == Int64((Double(distance) * 0.5 + 0.5).rounded(.down)))

    let lastDay = try aaSegment("2024-12-31")
    #expect(lastDay.ruleID == "rule:aa-qr-economy-2024")

    let expired = try aaSegment("2025-03-01")
    #expect(expired.ruleID.isEmpty)
    #expect(expired.redeemableMiles == 0)
    #expect(expired.noEarningReason.contains("rule:aa-qr-economy-2024"))
    #expect(expired.noEarningReason.contains("expired on 2024-12-31, before the departure date 2025-03-01"))
    #expect(expired.noEarningReason.contains("rule:aa-qr-economy-2026 (Qatar Airways economy fares from 2026) is announced for 2026-01-01 and not yet in effect"))
    #expect(expired.distanceMiles == Int32(distance))

    let beforeStart = try aaSegment("2022-12-31")
    #expect(beforeStart.noEarningReason.contains("takes effect on 2023-01-01, after the departure date 2022-12-31"))

    let cancelled = try aaSegment("2025-03-01", "F")
    #expect(cancelled.noEarningReason == "rule:aa-qr-first (Qatar Airways first fares) was cancelled")
    #expect(cancelled.cabin == "first")

    let response = try calculator.calculate(F.earningsRequest([F.segment("QR", "DOH", "JFK", fareClass: "Y")]))
    let aa = try #require(response.earnings(of: "aa-aadvantage"))
    #expect(aa.earningSegments == 0)
    #expect(aa.redeemableMiles == 0)
    #expect(response.citations.contains { $0.documentID == "doc:aa-partners" && $0.factIds.contains("rule:aa-qr-economy-2024") })
  }

  @Test func fareClassOutsideEveryRuleSaysWhich() throws {
    let economy = try #require(
      try calculator.calculate(F.earningsRequest([F.segment("BA", "LHR", "JFK", fareClass: "Y")])).earnings(of: "aa-aadvantage")?.segments.first)
    #expect(economy.ruleID.isEmpty)
    #expect(economy.noEarningReason.contains("fare class Y is not eligible under rule:aa-ba-business (British Airways business fares), which covers J, C, D, R, I"))
    #expect(economy.noEarningReason.contains("rule:aa-ba-discount"))

    let unknown = try #require(
      try calculator.calculate(F.earningsRequest([F.segment("BA", "LHR", "JFK", fareClass: "Z")])).earnings(of: "aa-aadvantage")?.segments.first)
    #expect(unknown.noEarningReason.contains("fare class Z is not a booking code of BA the graph knows"))
    #expect(unknown.cabin == "")
  }

  /// AA-marketed, BA-operated earns AAdvantage's revenue rule (it follows the marketing
  /// carrier); BA-marketed, AA-operated earns the BA partner fare-class rule.
  @Test func codesharesFollowTheMarketingCarrier() throws {
    let aaOnBA = try calculator.calculate(
      F.earningsRequest([F.segment("AA", "LHR", "JFK", fareClass: "J", operating: "BA", flight: "AA6132")], fare: ("USD", 2_500, 500, 120)))
    let aaSegment = try #require(aaOnBA.earnings(of: "aa-aadvantage")?.segments.first)
    #expect(aaSegment.ruleID == "rule:aa-revenue")
    #expect(aaSegment.marketingCarrier == "AA")
    #expect(aaSegment.operatingCarrier == "BA")
    #expect(aaSegment.redeemableMiles == 15_000)
    #expect(aaSegment.cabin == "business")
    // Executive Club earns on AA-marketed flights by distance.
    let baSegment = try #require(aaOnBA.earnings(of: "ba-executive-club")?.segments.first)
    #expect(baSegment.ruleID == "rule:ba-on-aa")
    #expect(baSegment.redeemableMiles == Int64((Double(F.greatCircleMiles("LHR", "JFK")) * 0.25 + 0.5).rounded(.down)))

    let baOnAA = try calculator.calculate(
      F.earningsRequest([F.segment("BA", "DFW", "LHR", fareClass: "I", operating: "AA", flight: "BA1521")], fare: ("USD", 3_000, 0, 0),
                        statuses: ["aa-aadvantage": "Executive Platinum"]))
    let partner = try #require(baOnAA.earnings(of: "aa-aadvantage")?.segments.first)
    let base = Double(F.greatCircleMiles("DFW", "LHR")) * 1.5
    #expect(partner.ruleID == "rule:aa-ba-business")
    #expect(partner.redeemableMiles == Int64((base * 2.2 + 0.5).rounded(.down)))
    #expect(partner.eligibleRevenue == 0)
    // Executive Club's own rule is in GBP: a USD fare earns nothing there, and says so.
    let ba = try #require(baOnAA.earnings(of: "ba-executive-club")?.segments.first)
    #expect(ba.ruleID == "rule:ba-revenue")
    #expect(ba.redeemableMiles == 0)
    #expect(ba.noEarningReason == "the fare is in USD but rule:ba-revenue earns on GBP fares (currencies are not converted)")
    #expect(baOnAA.programs.first?.programID == "aa-aadvantage")
  }

  @Test func revenueRuleWithoutAFareExplains() throws {
    let segment = try #require(
      try calculator.calculate(F.earningsRequest([F.segment("AA", "DFW", "LHR", fareClass: "Y")])).earnings(of: "aa-aadvantage")?.segments.first)
    #expect(segment.ruleID == "rule:aa-revenue")
    #expect(segment.redeemableMiles == 0)
    #expect(segment.noEarningReason.contains("gives no fare"))
  }

  /// AAdvantage publishes 3,300 miles for LHR–DOH, used in both directions instead of the
  /// great-circle figure.
  @Test func publishedDistanceOverridesGreatCircle() throws {
    #expect(F.greatCircleMiles("LHR", "DOH") != 3_300)
    for (origin, destination) in [("LHR", "DOH"), ("DOH", "LHR")] {
      let response = try calculator.calculate(F.earningsRequest([F.segment("QR", origin, destination, fareClass: "C")]))
      let segment = try #require(response.earnings(of: "aa-aadvantage")?.segments.first)
      #expect(segment.distanceMiles == 3_300)
      #expect(segment.distanceSource == "published by AAdvantage")
      #expect(segment.baseMiles == 3_300)
      #expect(segment.cabinBonusMiles == 1_650)
      #expect(segment.redeemableMiles == 4_950)
      #expect(response.citations.contains { $0.documentID == "doc:aa-partners" && $0.factIds.contains("program:aa-aadvantage") })
    }
    let facts = FactsFixture.facts
    #expect(facts.distance(from: "DOH", to: "LHR", program: "aa-aadvantage") == FlightDistance(miles: 3_300, source: "published by AAdvantage", isPublished: true))
    #expect(facts.distance(from: "DOH", to: "LHR")?.miles == F.greatCircleMiles("LHR", "DOH"))
    #expect(facts.distance(from: "DOH", to: "LHR", program: "ba-executive-club")?.source == "great-circle")
  }

  /// The fare is split by great-circle distance over the whole ticket; the AA segment earns on
  /// its share only, and the QR segment earns by distance (the published one).
  @Test func revenueShareWhenAnotherSegmentEarnsByDistance() throws {
    let request = F.earningsRequest(
      [F.segment("AA", "DFW", "LHR", fareClass: "Y"), F.segment("QR", "LHR", "DOH", fareClass: "J")], fare: ("USD", 2_000, 0, 0))
    let aa = try #require(try calculator.calculate(request).earnings(of: "aa-aadvantage"))
    let first = F.greatCircleMiles("DFW", "LHR"), second = F.greatCircleMiles("LHR", "DOH")
    let shareCents = 200_000 * first / (first + second)
    #expect(aa.segments[0].eligibleRevenue == Double(shareCents) / 100)
    #expect(aa.segments[0].redeemableMiles == Int64((Double(shareCents) * 5 / 100 + 0.5).rounded(.down)))
    #expect(aa.segments[1].ruleID == "rule:aa-qr-business")
    #expect(aa.segments[1].redeemableMiles == 4_950)
    #expect(aa.redeemableMiles == aa.segments[0].redeemableMiles + 4_950)
  }

  @Test func responseStatesPolicyOrderAndSortsPrograms() throws {
    let response = try calculator.calculate(
      F.earningsRequest([F.segment("AA", "DFW", "LHR", fareClass: "Y"), F.segment("AA", "LHR", "DFW", fareClass: "Y")], fare: ("USD", 1_436, 458, 0)))
    #expect(response.orderOfOperations == ["distance", "accrual", "minimum", "bonuses"])
    #expect(response.roundingPolicy.hasPrefix("per segment, half up to whole miles"))
    #expect(response.programs.map(\.programID) == ["aa-aadvantage", "ba-executive-club"])
    #expect(response.programs.map(\.redeemableMiles) == response.programs.map(\.redeemableMiles).sorted(by: >))
    let ba = try #require(response.earnings(of: "ba-executive-club"))
    #expect(ba.metricAmount("Tier Points") == 80)
    #expect(ba.currencyName == "Avios")
    #expect(response.citations.map(\.documentID) == ["doc:aa-earning", "doc:ba-earning"])
    #expect(response.citations.first?.factIds == ["rule:aa-revenue"])
    #expect(response.citations.first?.url == "https://example.com/aa-earning")
    #expect(response.citations.first?.title == "Source aa-earning")
  }

  @Test func onlyRequestedProgramsAndCarriersWithoutRules() throws {
    let united = F.segment("UA", "JFK", "LHR", fareClass: "Y")
    #expect(try calculator.calculate(F.earningsRequest([united])).programs.isEmpty)

    let asked = try calculator.calculate(F.earningsRequest([united], programs: ["aa-aadvantage"]))
    let segment = try #require(asked.earnings(of: "aa-aadvantage")?.segments.first)
    #expect(asked.programs.count == 1)
    #expect(segment.noEarningReason == "AAdvantage has no earning rule for UA flights")
    #expect(segment.distanceMiles == Int32(F.greatCircleMiles("JFK", "LHR")))

    let codeshare = try calculator.calculate(
      F.earningsRequest([F.segment("UA", "JFK", "LHR", fareClass: "Y", operating: "QR")], programs: ["program:aa-aadvantage"]))
    #expect(codeshare.programs.first?.segments.first?.noEarningReason == "AAdvantage has no earning rule for flights marketed by UA and operated by QR")
  }
}
