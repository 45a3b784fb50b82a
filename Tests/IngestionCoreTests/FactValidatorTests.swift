import Foundation
import GraphModel
import IngestionCore
import Testing

@Suite struct FactValidatorTests {
  private func rate(_ percent: Double, classes: [String] = ["J"], carrier: String = "LH", confidence: Double = 0.95) -> ExtractedFact {
    ExtractedFact(
      .earningRate(EarningRate(program: "ac-aeroplan", carrier: carrier, fareClasses: classes, cabin: .business, accrualPercent: percent)),
      confidence: confidence)
  }

  @Test func acceptsSoundFacts() {
    let validation = FactValidator().validate(ExtractedFacts(pageType: .earningChart, facts: [rate(125), rate(100, classes: ["Y"])]))
    #expect(validation.accepted.count == 2)
    #expect(!validation.needsReview)
    #expect(validation.errors.isEmpty)
  }

  @Test func flagsLowConfidenceUnknownNamesAndRanges() {
    let facts = [
      rate(125, confidence: 0.5),
      rate(125, classes: ["C"], carrier: "ZZ"),
      rate(1500, classes: ["D"]),
      ExtractedFact(.awardPrice(AwardPrice(program: "xx-unknown", chart: "zone", originRegion: .europe, cabin: .economy, points: 0, operatedBy: "own")), confidence: 0.9),
      ExtractedFact(.awardPrice(AwardPrice(program: "ba-executive-club", chart: "distance", minDistance: 2000, maxDistance: 1000, cabin: .economy, points: 9000, operatedBy: "own", effectiveDate: "2027-02-30")), confidence: 0.9),
      ExtractedFact(.eliteTier(EliteTierFact(program: "aa-aadvantage", name: "Gold", rank: 25, qualification: [:])), confidence: 0.9),
      ExtractedFact(.transferRatio(TransferRatio(fromProgram: "amex-membership-rewards", toProgram: "ba-executive-club", fromPoints: 2, toPoints: 2, minimum: 0, increment: 1)), confidence: 0.9),
    ]
    let validation = FactValidator().validate(ExtractedFacts(pageType: .earningChart, facts: facts))
    #expect(validation.accepted.isEmpty)
    #expect(validation.flagged.count == facts.count)
    let reasons = validation.flagged.map { $0.reasons.joined(separator: " ") }
    #expect(reasons[0].contains("only 50% sure"))
    #expect(reasons[1].contains("\"ZZ\" is not in the airline directory"))
    #expect(reasons[2].contains("1500% is outside"))
    #expect(reasons[3].contains("not a program the directory knows"))
    #expect(reasons[3].contains("needs both an origin and a destination"))
    #expect(reasons[3].contains("0 points is outside"))
    #expect(reasons[4].contains("starts above where it ends"))
    #expect(reasons[4].contains("not a real date"))
    #expect(reasons[5].contains("rank 25 is outside"))
    #expect(reasons[6].contains("not in lowest terms"))
    #expect(reasons[6].contains("minimum (0) is outside"))
  }

  @Test func flagsContradictoryRates() {
    let validation = FactValidator().validate(ExtractedFacts(pageType: .earningChart, facts: [rate(125, classes: ["J", "C"]), rate(150), rate(100, classes: ["Y"])]))
    #expect(validation.accepted.count == 1)
    #expect(validation.flagged.count == 2)
    #expect(validation.flagged[0].reasons == ["The ac-aeroplan earning rate for fare class J on LH differs between facts on this page: 125% and 150%."])
  }

  @Test func reportsStructuralErrors() {
    #expect(FactValidator().validate(ExtractedFacts(pageType: .unknown, facts: [])).errors == ["no facts found"])
    let future = FactValidator().validate(ExtractedFacts(schemaVersion: 9, pageType: .earningChart, facts: [rate(100)]))
    #expect(future.errors.count == 1)
    #expect(future.errors[0].contains("schema version 9"))
  }
}
