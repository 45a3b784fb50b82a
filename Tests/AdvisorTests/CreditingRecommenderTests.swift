import Advisor
import GraphModel
import LoyaltyAPI
import SwiftProtobuf
import Testing

@Suite struct CreditingRecommenderTests {
  typealias F = FactsFixture
  typealias Request = Loyalty_Advisor_V1_RecommendCreditingProgramRequest

  let recommender = CreditingRecommender(facts: FactsFixture.facts)

  static func roundTrip() -> Loyalty_Advisor_V1_Itinerary {
    F.earningsRequest(
      [F.segment("AA", "DFW", "LHR", fareClass: "Y"), F.segment("AA", "LHR", "DFW", fareClass: "Y", date: "2025-03-10")],
      fare: ("USD", 1_436, 458, 300)
    ).itinerary
  }

  static func request(_ program: String, _ tier: String, itineraries: [Loyalty_Advisor_V1_Itinerary] = [roundTrip()], statuses: [String: String] = [:]) -> Request {
    var request = Request()
    request.itineraries = itineraries
    request.goal.programID = program
    request.goal.tier = tier
    request.statuses = F.earningsRequest([], statuses: statuses).statuses
    return request
  }

  /// A member's round trip: AAdvantage earns 9,470 Loyalty Points of 200,000 (4.7%);
  /// Executive Club, whose Gold shares Executive Platinum's Oneworld Emerald, earns 2 × 40
  /// Tier Points of 1,500 (5.3%) and ranks first.
  @Test func ranksByProgressTowardTheMappedTier() throws {
    let response = try recommender.recommend(Self.request("aa-aadvantage", "Executive Platinum"))
    #expect(response.options.map(\.programID) == ["ba-executive-club", "aa-aadvantage"])

    let ba = response.options[0]
    #expect(ba.targetTier == "Gold")
    #expect(ba.metric == "Tier Points")
    #expect(ba.threshold == 1_500)
    #expect(ba.earned == 80)
    #expect(abs(ba.progress - 80.0 / 1_500) < 1e-12)
    #expect(ba.redeemableMiles == 2 * Int64((Double(F.greatCircleMiles("DFW", "LHR")) * 0.25 + 0.5).rounded(.down)))
    #expect(ba.explanation.contains("Target: Gold, the Executive Club tier with the goal's alliance status (Oneworld Emerald)"))
    #expect(ba.explanation.contains("Tier Points: 80 / 1,500 = 5.33%"))

    let aa = response.options[1]
    #expect(aa.targetTier == "Executive Platinum")
    #expect(aa.metric == "Loyalty Points")
    #expect(aa.earned == 9_470)
    #expect(aa.threshold == 200_000)
    #expect(aa.progress == 9_470.0 / 200_000)
    #expect(aa.redeemableMiles == 9_470)
    #expect(aa.explanation.first == "Goal: Executive Platinum in AAdvantage")
    #expect(aa.explanation.contains("Earned as a base member: 9,470 miles, 9,470 Loyalty Points"))
    #expect(aa.explanation.contains("Loyalty Points: 9,470 / 200,000 = 4.74%"))

    #expect(response.citations.map(\.documentID) == ["doc:aa-earning", "doc:aa-elite", "doc:ba-earning", "doc:ba-elite"])
    #expect(response.citations.first { $0.documentID == "doc:ba-elite" }?.factIds == ["tier:ba-executive-club:gold"])
  }

  /// At Executive Platinum the same trip earns 20,834 Loyalty Points (10.4%), ahead of BA.
  @Test func currentStatusChangesTheRanking() throws {
    let response = try recommender.recommend(Self.request("aa-aadvantage", "executive platinum", statuses: ["aa-aadvantage": "Executive Platinum"]))
    #expect(response.options.map(\.programID) == ["aa-aadvantage", "ba-executive-club"])
    #expect(response.options[0].earned == 20_834)
    #expect(response.options[0].explanation.contains("Earned at your tier Executive Platinum: 20,834 miles, 20,834 Loyalty Points"))
  }

  /// Four round trips earn 320 Tier Points, past Bronze's 300: progress is capped at 1.
  @Test func progressIsCappedAndItinerariesAreSummed() throws {
    let response = try recommender.recommend(Self.request("ba-executive-club", "Bronze", itineraries: Array(repeating: Self.roundTrip(), count: 4)))
    let ba = try #require(response.options.first)
    #expect(ba.programID == "ba-executive-club")
    #expect(ba.earned == 320)
    #expect(ba.progress == 1)
    #expect(ba.explanation.contains("Itinerary 4: \(grouped(ba.redeemableMiles / 4)) Avios"))
    let aa = try #require(response.options.last)
    #expect(aa.targetTier == "Gold")
    #expect(aa.earned == 4 * 9_470)
    #expect(aa.progress == 4 * 9_470.0 / 40_000)
  }

  @Test func goalFromTheProfileWhenTheRequestHasNone() throws {
    var request = Self.request("", "")
    request.clearGoal()
    var goal = Loyalty_Advisor_V1_StatusGoal()
    goal.programID = "ba-executive-club"
    goal.tier = "Silver"
    let response = try recommender.recommend(request, profileGoal: goal)
    #expect(response.options.first { $0.programID == "ba-executive-club" }?.targetTier == "Silver")
    #expect(response.options.first { $0.programID == "aa-aadvantage" }?.targetTier == "Platinum")
  }

  /// Without alliance tiers the goal maps by rank, or to the nearest rank the program has.
  @Test func mapsByRankWithoutAllianceTiers() throws {
    let nodes = F.nodes.map { node -> GraphNode in
      guard node.label == .eliteTier, node["program_id"] == "ba-executive-club" else { return node }
      var plain = node
      plain.properties["alliance_tier"] = nil
      return plain
    }
    let recommender = CreditingRecommender(facts: LoyaltyFacts(nodes: nodes, edges: F.edges))
    let platinum = try recommender.recommend(Self.request("aa-aadvantage", "Platinum")).options.first { $0.programID == "ba-executive-club" }
    #expect(platinum?.targetTier == "Silver")
    #expect(platinum?.explanation.contains { $0.contains("same rank (2)") } == true)
    let executive = try recommender.recommend(Self.request("aa-aadvantage", "Executive Platinum")).options.first { $0.programID == "ba-executive-club" }
    #expect(executive?.targetTier == "Gold")
    #expect(executive?.explanation.contains { $0.contains("nearest in rank (3)") } == true)
  }

  @Test func badGoalsAndItinerariesNameTheField() {
    var noGoal = Self.request("", "")
    noGoal.clearGoal()
    #expect(throws: AdvisorError.self) { try recommender.recommend(noGoal) }
    #expect(failure(of: noGoal) == "invalidArgument goal")
    #expect(failure(of: Self.request("nope", "Gold")) == "notFound goal.program_id")
    #expect(failure(of: Self.request("aa-aadvantage", "Diamond")) == "invalidArgument goal.tier")
    #expect(failure(of: Self.request("aa-aadvantage", "")) == "invalidArgument goal.tier")
    #expect(failure(of: Self.request("aa-aadvantage", "Gold", itineraries: [])) == "invalidArgument itineraries")
    var bad = Self.roundTrip()
    bad.segments[0].origin = "QQQ"
    #expect(failure(of: Self.request("aa-aadvantage", "Gold", itineraries: [Self.roundTrip(), bad])) == "invalidArgument itineraries[1].segments[0].origin")
    #expect(failure(of: Self.request("aa-aadvantage", "Gold", statuses: ["aa-aadvantage": "Bronze"])) == "invalidArgument statuses[0].tier")
  }

  /// The error's kind and field, e.g. "invalidArgument goal.tier"; nil when the call succeeds.
  private func failure(of request: Request) -> String? {
    do {
      _ = try recommender.recommend(request)
      return nil
    } catch {
      return "\(error.kind) \(error.message.prefix { $0 != ":" })"
    }
  }
}

/// Whole numbers as explanations write them.
private func grouped(_ value: Int64) -> String {
  var digits = String(value)
  var index = digits.count - 3
  while index > 0 {
    digits.insert(",", at: digits.index(digits.startIndex, offsetBy: index))
    index -= 3
  }
  return digits
}
