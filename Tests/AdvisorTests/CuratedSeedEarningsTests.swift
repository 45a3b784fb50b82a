import Advisor
import Foundation
import GraphModel
import LoyaltyAPI
import Testing

/// The curated seed shipped with graph-service, read from the repository.
enum CuratedSeed {
  static let url = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Services/Graph/GraphService/Seed/curated-seed.json")

  static let batch: Result<GraphBatch, any Error> = Result {
    try SeedFile.decode(try Data(contentsOf: url))
  }

  static let facts: LoyaltyFacts? = (try? batch.get()).map { LoyaltyFacts(nodes: $0.nodes, edges: $0.edges) }

  /// Whether the seed holds AAdvantage's revenue-based earning on American-marketed flights.
  static var hasAAdvantageRevenueRule: Bool {
    facts?.earningRules(program: "aa-aadvantage").contains { $0.basis == .revenue && $0.carriers.contains("AA") && $0.state == .effective } == true
  }
}

@Suite struct CuratedSeedEarningsTests {
  @Test func everySeedFactIsReadable() throws {
    let batch = try CuratedSeed.batch.get()
    let facts = try #require(CuratedSeed.facts)
    #expect(facts.ignored == [], "facts the advisor cannot read")
    #expect(facts.nodeCount == batch.nodes.count)
    for rule in facts.earningRules.values.joined() {
      #expect(facts.program(rule.programID) != nil, "\(rule.id) names unknown program \(rule.programID)")
      #expect(facts.document(rule.sourceDocumentID) != nil, "\(rule.id) cites unknown document \(rule.sourceDocumentID)")
    }
  }

  /// AA's published example: DFW–LHR round trip, $1,436 base fare + $458 carrier-imposed fees
  /// ($1,894; taxes never earn) at 5/7/8/9/11 miles per dollar.
  @Test(
    .enabled(if: CuratedSeed.hasAAdvantageRevenueRule, "the curated seed has no AAdvantage revenue-based rule for American flights yet"),
    arguments: [("", 9_470), ("Gold", 13_258), ("Platinum", 15_152), ("Platinum Pro", 17_046), ("Executive Platinum", 20_834)])
  func americanExampleAgainstTheShippedSeed(tier: String, miles: Int64) throws {
    let calculator = EarningsCalculator(facts: try #require(CuratedSeed.facts))
    let request = FactsFixture.earningsRequest(
      [
        FactsFixture.segment("AA", "DFW", "LHR", fareClass: "Q", date: "2025-06-10", flight: "AA80"),
        FactsFixture.segment("AA", "LHR", "DFW", fareClass: "Q", date: "2025-06-24", flight: "AA81"),
      ],
      fare: ("USD", 1_436, 458, 260.35), statuses: ["aa-aadvantage": tier])
    let response = try calculator.calculate(request)
    let aa = try #require(response.earnings(of: "aa-aadvantage"))
    #expect(aa.redeemableMiles == miles)
    #expect(aa.statusBonusMiles == miles - 9_470)
    #expect(aa.metricAmount("Loyalty Points") == Double(miles))
    #expect(aa.segments.allSatisfy { $0.eligibleRevenue == 947 && !$0.sourceURL.isEmpty && $0.noEarningReason.isEmpty })
    #expect(response.citations.contains { citation in citation.factIds.contains(aa.segments[0].ruleID) && !citation.url.isEmpty })
  }
}
