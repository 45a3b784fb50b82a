import Foundation
import IngestionCore
import Testing

@Suite struct TransferPartnerExtractorTests {
  private func ratios(_ text: String, title: String? = nil) -> [TransferRatio] {
    TransferPartnerExtractor().facts(in: ProcessedText(title: title, text: text)).compactMap {
      if case .transferRatio(let ratio) = $0.body { return ratio }
      return nil
    }
  }

  @Test func readsAPartnerTable() {
    let text = """
      # Membership Rewards transfer partners

      | Airline partner | Transfer ratio | Minimum transfer |
      | --- | --- | --- |
      | British Airways Club | 1,000 : 1,000 | 1,000 |
      | Air France KLM Flying Blue | 1,000 points = 800 Miles | 1,000 |
      | Delta SkyMiles | 1:1 | 1,000 |
      | Aer Lingus AerClub | 1:1 | 1,000 |
      | Marriott Bonvoy | 1:1 | 1,000 |
      """
    let found = ratios(text)
    #expect(found.count == 3)
    #expect(found.allSatisfy { $0.fromProgram == "amex-membership-rewards" })
    let flyingBlue = found.first { $0.toProgram == "af-flying-blue" }
    #expect(flyingBlue?.fromPoints == 5)
    #expect(flyingBlue?.toPoints == 4)
    #expect(flyingBlue?.minimum == 1000)
    #expect(flyingBlue?.increment == 1000)
    let delta = found.first { $0.toProgram == "dl-skymiles" }
    #expect(delta?.fromPoints == 1 && delta?.toPoints == 1)
    #expect(delta?.minimum == 1000)
    #expect(delta?.increment == 1)
  }

  @Test func readsPhrasesWithTheirLimits() {
    let text = """
      # Chase Ultimate Rewards: airline partners

      ## United MileagePlus

      Transfer at 1:1. Transfers must be in increments of 1,000 points.

      ## Other partners

      - 1,000 Ultimate Rewards points = 1,000 British Airways Avios
      - Transfer points to Emirates Skywards at 2:1
      """
    let found = ratios(text)
    #expect(found.count == 3)
    let united = found.first { $0.toProgram == "ua-mileageplus" }
    #expect(united?.fromProgram == "chase-ultimate-rewards")
    #expect(united?.fromPoints == 1 && united?.toPoints == 1)
    #expect(united?.increment == 1000)
    #expect(united?.minimum == 1)
    let british = found.first { $0.toProgram == "ba-executive-club" }
    #expect(british?.minimum == 1000 && british?.increment == 1000)
    let emirates = found.first { $0.toProgram == "ek-skywards" }
    #expect(emirates?.fromPoints == 2 && emirates?.toPoints == 1 && emirates?.minimum == 2)
  }

  @Test func readsAConversionSentence() {
    let text = """
      # Membership Rewards

      1,000 Membership Rewards points convert to 800 Flying Blue Miles. Transfers usually arrive within 1 to 2 days.
      """
    let found = ratios(text)
    #expect(found == [TransferRatio(fromProgram: "amex-membership-rewards", toProgram: "af-flying-blue", fromPoints: 5, toPoints: 4, minimum: 1000, increment: 1000)])
  }

  @Test func avoidsAviosAloneAndPromotions() {
    let text = """
      # Bilt Rewards

      Transfer 1:1 to Avios.
      For a limited time, get a 30% bonus: 1,000 points = 1,300 Flying Blue Miles.
      """
    #expect(ratios(text).isEmpty)
  }

  @Test func readsListsUnderATransferHeadingAndAmountColumns() {
    let text = """
      # Capital One Miles

      Transfers are processed in 100-mile increments with a 1,000-mile minimum.

      ## Transfer partners

      - Air Canada Aeroplan — 1:1
      - Emirates Skywards — 2:1.5

      ## More partners

      | Partner | Capital One miles | Partner miles |
      | --- | --- | --- |
      | Singapore Airlines KrisFlyer | 1,000 | 750 |
      """
    let found = ratios(text)
    #expect(found.count == 3)
    #expect(found.allSatisfy { $0.fromProgram == "capital-one-miles" && $0.minimum == 1000 && $0.increment == 100 })
    #expect(found.contains { $0.toProgram == "ek-skywards" && $0.fromPoints == 4 && $0.toPoints == 3 })
    #expect(found.contains { $0.toProgram == "sq-krisflyer" && $0.fromPoints == 4 && $0.toPoints == 3 })
  }

  @Test func readsTransfersInEitherDirection() {
    let text = """
      # Combine Avios

      You can move Avios in either direction between any two of these programmes: the British Airways Club, Iberia Club and
      Qatar Airways Privilege Club. Avios move at 1:1.
      """
    let found = ratios(text)
    #expect(found.count == 6)
    #expect(found.contains { $0.fromProgram == "qr-privilege-club" && $0.toProgram == "ib-iberia-plus" && $0.minimum == 1 })
  }
}

