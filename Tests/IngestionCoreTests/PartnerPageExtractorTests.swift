import Foundation
import IngestionCore
import Testing

@Suite struct PartnerPageExtractorTests {
  private func partners(_ text: String, title: String? = nil) -> [Partner] {
    PartnerPageExtractor().facts(in: ProcessedText(title: title, text: text)).compactMap {
      if case .partner(let partner) = $0.body { return partner }
      return nil
    }
  }

  @Test func readsEarnAndRedeemColumns() {
    let text = """
      # Aeroplan partner airlines

      | Airline | Earn points | Redeem points |
      | --- | --- | --- |
      | United Airlines | ✓ | ✓ |
      | Lufthansa | Yes | Yes |
      | Emirates | ✓ | ✗ |
      | Air Canada | ✓ | ✓ |
      | Unknown Air | ✓ | ✓ |
      """
    let found = partners(text)
    #expect(found.count == 3)
    #expect(found.contains(Partner(program: "ac-aeroplan", airline: "UA", earn: true, redeem: true)))
    #expect(found.contains(Partner(program: "ac-aeroplan", airline: "EK", earn: true, redeem: false)))
  }

  @Test func readsListsAndColonLines() {
    let text = """
      # Alaska Airlines Mileage Plan partners

      Earn and redeem on: American Airlines, British Airways, Cathay Pacific and Japan Airlines.

      ## Earn miles only

      - Aer Lingus
      - Hawaiian Airlines

      ## Also

      - Icelandair — redeem only
      - Condor — redeem only
      - Qantas (earn only)
      """
    let found = partners(text)
    #expect(found.contains(Partner(program: "as-mileage-plan", airline: "JL", earn: true, redeem: true)))
    #expect(found.contains(Partner(program: "as-mileage-plan", airline: "CX", earn: true, redeem: true)))
    #expect(found.contains(Partner(program: "as-mileage-plan", airline: "HA", earn: true, redeem: false)))
    #expect(found.contains(Partner(program: "as-mileage-plan", airline: "QF", earn: true, redeem: false)))
    #expect(!found.contains { $0.airline == "AS" })
    #expect(found.count == 6)
  }

  @Test func readsAParagraphListingAirlinesAfterItsIntroduction() {
    let text = """
      # Iberia Plus partner airlines

      Collect and spend Avios with Iberia Plus on these airlines:

      British Airways, American Airlines and Finnair.

      - Codeshare flights with an American Airlines flight number that are operated by Iberia earn according to the American chart.
      """
    let found = partners(text)
    #expect(found == [
      Partner(program: "ib-iberia-plus", airline: "BA", earn: true, redeem: true),
      Partner(program: "ib-iberia-plus", airline: "AA", earn: true, redeem: true),
      Partner(program: "ib-iberia-plus", airline: "AY", earn: true, redeem: true),
    ])
  }
}

