import Foundation
import GraphModel
import IngestionCore
import Testing

@Suite struct EarningChartExtractorTests {
  private func rates(_ text: String, title: String? = nil) -> [EarningRate] {
    EarningChartExtractor().facts(in: ProcessedText(title: title, text: text)).compactMap {
      if case .earningRate(let rate) = $0.body { return rate }
      return nil
    }
  }

  @Test func readsAPartnerTableWithItsCarrierMinimumAndDate() {
    let text = """
      # Earn Aeroplan points on United

      Flights operated by United earn Aeroplan points based on the distance flown and the fare class.

      | Fare class | Cabin | % of miles flown |
      | --- | --- | --- |
      | J, C, D, Z | Business | 150% |
      | O/A/R | Premium Economy | 125% |
      | Y B | Economy | 100% |
      | N, S, T | Economy | 25 % |
      | G | Economy | — |

      A minimum of 500 points is awarded per flight. These rates are effective March 1, 2027.
      """
    let found = rates(text)
    #expect(found.count == 4)
    let business = found.first { $0.cabin == .business }
    #expect(business?.program == "ac-aeroplan")
    #expect(business?.carrier == "UA")
    #expect(business?.fareClasses == ["C", "D", "J", "Z"])
    #expect(business?.accrualPercent == 150)
    #expect(business?.carrierMatch == "operating")
    #expect(business?.minimumMiles == 500)
    #expect(business?.effectiveDate == "2027-03-01")
    #expect(found.contains { $0.fareClasses == ["A", "O", "R"] && $0.cabin == .premiumEconomy && $0.accrualPercent == 125 })
    #expect(found.contains { $0.fareClasses == ["N", "S", "T"] && $0.accrualPercent == 25 })
  }

  @Test func takesTheCarrierFromEachSectionHeading() {
    let text = """
      # Earning Avios on partner airlines

      Members of the British Airways Club earn Avios on these partners.

      ## Iberia

      | Booking code | Avios |
      | --- | --- |
      | J, C, D | 150% |
      | Y, B, H | 100% |

      ## Finnair

      | Booking code | Avios |
      | --- | --- |
      | J, C | 125% |
      """
    let found = rates(text)
    #expect(found.count == 3)
    #expect(found.allSatisfy { $0.program == "ba-executive-club" })
    #expect(found.filter { $0.carrier == "IB" }.count == 2)
    #expect(found.first { $0.carrier == "AY" }?.accrualPercent == 125)
    #expect(found.first { $0.carrier == "AY" }?.carrierMatch == "marketing")
    #expect(found.first { $0.carrier == "IB" && $0.accrualPercent == 100 }?.cabin == .economy)
  }

  @Test func readsPlainTextLinesAndAlignedColumns() {
    let text = """
      EARNING MILEAGEPLUS MILES ON LUFTHANSA

      Fare class: F, A — 150%
      Fare class: J, C, D, Z, P — 125%

      Cabin        Fare classes    Earn
      Economy      Y, B, M         100%
      Economy      U, H, Q, V      50%
      """
    let found = rates(text, title: "MileagePlus: earning on Lufthansa")
    #expect(found.count == 4)
    #expect(found.allSatisfy { $0.program == "ua-mileageplus" && $0.carrier == "LH" })
    #expect(found.contains { $0.fareClasses == ["A", "F"] && $0.cabin == .first && $0.accrualPercent == 150 })
    #expect(found.contains { $0.fareClasses == ["B", "M", "Y"] && $0.cabin == .economy && $0.accrualPercent == 100 })
    #expect(found.contains { $0.fareClasses == ["H", "Q", "U", "V"] && $0.accrualPercent == 50 })
  }

  @Test func readsATransposedTable() {
    let text = """
      # Delta SkyMiles: earning on Air France

      | Fare class | J, C | W, S | Y, B |
      | Cabin | Business | Premium Economy | Economy |
      | Miles earned | 150% | 110% | 100% |
      """
    let found = rates(text)
    #expect(found.count == 3)
    #expect(found.contains { $0.carrier == "AF" && $0.fareClasses == ["S", "W"] && $0.cabin == .premiumEconomy && $0.accrualPercent == 110 })
  }

  @Test func readsRevenueRatesByTier() {
    let text = """
      # Earning MileagePlus miles on United

      MileagePlus members earn 5 miles per US dollar spent on United and United Express fares.
      Premier Silver members earn 7, Premier Gold members earn 8 and Premier Platinum members earn 9.

      Effective from 1 February 2027.
      """
    let facts = EarningChartExtractor().facts(in: ProcessedText(title: nil, text: text))
    let revenue = facts.compactMap { fact -> RevenueRate? in
      if case .revenueRate(let rate) = fact.body { return rate }
      return nil
    }
    #expect(revenue.count == 1)
    #expect(revenue.first?.program == "ua-mileageplus")
    #expect(revenue.first?.carriers == ["UA"])
    #expect(revenue.first?.currency == "USD")
    #expect(revenue.first?.rates == ["": 5, "Premier Silver": 7, "Premier Gold": 8, "Premier Platinum": 9])
    #expect(revenue.first?.effectiveDate == "2027-02-01")
  }

  @Test func readsARevenueTableInPounds() {
    let text = """
      # British Airways Club: Avios on British Airways flights

      | Status | Avios per £1 |
      | --- | --- |
      | Blue | 6 |
      | Bronze | 7 |
      | Silver | 8 |
      | Gold | 9 |
      """
    let facts = EarningChartExtractor().facts(in: ProcessedText(title: nil, text: text))
    guard case .revenueRate(let rate)? = facts.first?.body else {
      Issue.record("no revenue rate")
      return
    }
    #expect(rate.currency == "GBP")
    #expect(rate.carriers == ["BA"])
    #expect(rate.rates == ["": 6, "Bronze": 7, "Silver": 8, "Gold": 9])
  }

  @Test func ignoresPromotions() {
    let text = """
      # AAdvantage

      Earn 60,000 bonus miles with the AAdvantage credit card after you spend $3,000.
      Earn up to 5x miles on dining. Cardmembers earn 2 miles per $1 spent on purchases.
      """
    #expect(EarningChartExtractor().facts(in: ProcessedText(title: nil, text: text)).isEmpty)
  }

  @Test func readsKeyValueCardsUnderCabinHeadings() {
    let text = """
      # Earn KrisFlyer miles on Lufthansa

      Earn KrisFlyer miles on flights operated by Lufthansa.

      ### Business

      - Booking classes: J, C, D
      - Miles earned: 125% of distance flown

      - Booking classes: Z, P
      - Miles earned: 100% of distance flown

      ### Economy

      - Booking classes: Y, B
      - Miles earned: 100% of distance flown
      """
    let found = rates(text)
    #expect(found.count == 3)
    #expect(found.contains { $0.fareClasses == ["P", "Z"] && $0.cabin == .business && $0.accrualPercent == 100 && $0.carrier == "LH" })
    #expect(found.contains { $0.fareClasses == ["B", "Y"] && $0.cabin == .economy && $0.carrierMatch == "operating" })
  }

  @Test func readsPairedColumnsAndRowsNamingTwoAirlines() {
    let text = """
      # SkyMiles: partner earning

      |  | Business | Economy |
      | --- | --- | --- |
      | Booking codes (full fares) | J, C | Y, B |
      | Miles (full fares) | 150% | 100% |
      | Booking codes (discounted fares) | I, Z | M, K |
      | Miles (discounted fares) | 125% | 50% |

      ## Air France and KLM

      | Airline | Cabin | Fare classes | Miles |
      | --- | --- | --- | --- |
      | Air France and KLM | Economy | Y, B | 100% |
      """
    let found = rates(text)
    #expect(found.contains { $0.fareClasses == ["I", "Z"] && $0.cabin == .business && $0.accrualPercent == 125 })
    #expect(found.contains { $0.fareClasses == ["K", "M"] && $0.cabin == .economy && $0.accrualPercent == 50 })
    #expect(found.filter { $0.fareClasses == ["B", "Y"] && $0.accrualPercent == 100 }.map(\.carrier).sorted() == ["AF", "DL", "KL"])
  }

  @Test func appliesAMinimumOnlyToTheCabinsItNames() {
    let text = """
      # Mileage Plan: earning on Finnair

      | Cabin | Fare classes | Base miles | Class-of-service bonus |
      | Business | J/C/D | 100% | 50% |
      | Economy | Y/B | 100% | — |

      A minimum of 500 miles is awarded per flight in Business (fare classes J/C/D). Economy flights have no minimum.
      """
    let found = rates(text)
    #expect(found.first { $0.cabin == .business }?.minimumMiles == 500)
    #expect(found.first { $0.cabin == .business }?.cabinBonusPercent == 50)
    #expect(found.first { $0.cabin == .economy }?.minimumMiles == nil)
    #expect(found.first { $0.cabin == .economy }?.cabinBonusPercent == nil)
  }

  @Test func readsNumberTilesAndTiersSharingARate() {
    let text = """
      # Earn TrueBlue points

      On flights marketed by JetBlue, you earn points for every dollar you spend.

      3

      points per dollar for TrueBlue members

      6

      points per dollar for Mosaic members

      ## Tiers in a table

      | Tier | Points per USD |
      | --- | --- |
      | Mosaic 1 and Mosaic 2 | 6 |
      """
    let facts = EarningChartExtractor().facts(in: ProcessedText(title: nil, text: text))
    let revenue = facts.compactMap { fact -> RevenueRate? in
      if case .revenueRate(let rate) = fact.body { return rate }
      return nil
    }
    #expect(revenue.first?.rates == ["": 3, "Mosaic": 6])
    #expect(revenue.first?.carriers == ["B6"])
    #expect(revenue.last?.rates == ["Mosaic 1": 6, "Mosaic 2": 6])
  }

  @Test func leavesBankCardEarningAlone() {
    let text = """
      # Chase Ultimate Rewards

      Earn 5 points per $1 on flights booked through Chase Travel and 3 points per $1 on other travel.
      """
    #expect(EarningChartExtractor().facts(in: ProcessedText(title: nil, text: text)).isEmpty)
  }
}

