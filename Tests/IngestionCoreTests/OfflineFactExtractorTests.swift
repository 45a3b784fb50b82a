import Foundation
import IngestionCore
import Testing

@Suite struct OfflineFactExtractorTests {
  @Test func namesProgramsAndAirlinesWithoutConfusingThem() {
    #expect(ProgramDirectory.program(named: "American Express Membership Rewards")?.id == "amex-membership-rewards")
    #expect(ProgramDirectory.program(named: "Virgin Atlantic Flying Club")?.id == "vs-flying-club")
    #expect(ProgramDirectory.program(named: "Air France KLM Flying Blue")?.id == "af-flying-blue")
    #expect(ProgramDirectory.program(named: "Lufthansa Miles & More")?.id == "lh-miles-and-more")
    #expect(ProgramDirectory.program(named: "Miles&More")?.id == "lh-miles-and-more")
    #expect(ProgramDirectory.program(named: "1,000 Avios") == nil)
    #expect(ProgramDirectory.program(named: "more miles") == nil)
    #expect(AirlineDirectory.mentions(in: "American Express cardmembers").isEmpty)
    #expect(AirlineDirectory.mentions(in: "Fly American to the United States").map(\.code) == ["AA"])
    #expect(AirlineDirectory.mentions(in: "Air China, China Airlines and China Eastern").map(\.code) == ["CA", "CI"])
    #expect(AirlineDirectory.mentions(in: "Tap to book a lot of flights").isEmpty)
    #expect(AirlineDirectory.airline(named: "Aeroméxico")?.code == "AM")
    #expect(AirlineDirectory.airline(named: "LH")?.code == "LH")
  }

  @Test func classifiesAndExtractsAPage() async throws {
    let text = """
      # Earn Aeroplan points on Lufthansa

      | Fare class | Cabin | Earn |
      | --- | --- | --- |
      | F, A | First | 150% |
      | J, C | Business | 125% |

      Earn 50,000 bonus points with the Aeroplan credit card.
      """
    let extractor = OfflineFactExtractor()
    #expect(extractor.name == "offline-v1")
    let facts = try await extractor.extract(
      from: ProcessedText(title: nil, text: text), context: ExtractionContext(documentKey: "programs/ac/lh.html", retrievedDate: "2027-01-10"))
    #expect(facts.pageType == .earningChart)
    #expect(facts.facts.count == 2)
    #expect(facts.facts.allSatisfy { $0.confidence >= 0.9 && !$0.evidence.isEmpty })
    #expect(PageClassifier().classify(ProcessedText(title: nil, text: text)).pageType == .earningChart)
  }

  @Test func classifiesPagesByTheirWording() {
    let classifier = PageClassifier()
    #expect(classifier.classify(ProcessedText(title: "Transfer partners", text: "Transfer your points at a 1:1 ratio.")).pageType == .transferPartners)
    #expect(classifier.classify(ProcessedText(title: "Award chart", text: "One-way award prices by zone.")).pageType == .awardChart)
    #expect(classifier.classify(ProcessedText(title: "Elite status", text: "Qualify for Gold with 40,000 Loyalty Points.")).pageType == .eliteTiers)
    #expect(classifier.classify(ProcessedText(title: nil, text: "")).pageType == .unknown)
  }
}
