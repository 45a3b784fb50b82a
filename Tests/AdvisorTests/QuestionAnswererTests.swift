import Advisor
import Foundation
import GraphModel
import LoyaltyAPI
import SwiftProtobuf
import Testing

@Suite struct QuestionAnswererTests {
  let facts = AdvisorSampleGraph.facts
  let answerer = QuestionAnswerer(facts: AdvisorSampleGraph.facts, today: AdvisorSampleGraph.today)

  func ask(_ question: String, profile: TravellerContext? = nil, phraser: (any AnswerPhrasing)? = nil) async throws -> Loyalty_Advisor_V1_AskResponse {
    try await answerer.answer(.with { $0.question = question }, profile: profile, phraser: phraser)
  }

  func nodes(_ response: Loyalty_Advisor_V1_AskResponse) -> Set<String> { Set(response.entities.map(\.nodeID)) }

  /// What the calculator itself says for one BA-marketed LHR–JFK segment in I, crediting to AAdvantage.
  func calculatorMiles() throws -> Int64 {
    let request = Loyalty_Advisor_V1_CalculateEarningsRequest.with {
      $0.itinerary.segments = [
        .with {
          $0.marketingCarrier = "BA"
          $0.origin = "LHR"
          $0.destination = "JFK"
          $0.fareClass = "I"
          $0.departureDate = AdvisorSampleGraph.today.text
        }
      ]
      $0.programIds = ["aa-aadvantage"]
    }
    return try #require(try EarningsCalculator(facts: facts).calculate(request).programs.first).redeemableMiles
  }

  @Test func theAAdvantageOnBritishAirwaysExample() async throws {
    let response = try await ask("How many AAdvantage miles do I earn on BA from LHR to JFK in I class?")

    #expect(response.intent == "earnings")
    #expect(response.clarification.isEmpty)
    #expect(nodes(response).isSuperset(of: ["program:aa-aadvantage", "airline:BA", "airport:LHR", "airport:JFK", "fare:BA:I"]))
    #expect(response.entities.contains { $0.text == "I class" && $0.label == "FareClass" })
    #expect(response.toolsUsed == ["CalculateEarnings"])

    // The tool's number, which is 3,451 mi × 250% = 8,627.5 → 8,628, is the one the answer states.
    let miles = try calculatorMiles()
    #expect(miles == 8_628)
    let program = try #require(response.earnings.programs.first)
    #expect(program.programID == "aa-aadvantage")
    #expect(program.redeemableMiles == miles)
    let segment = try #require(program.segments.first)
    #expect((segment.origin, segment.destination, segment.marketingCarrier, segment.fareClass) == ("LHR", "JFK", "BA", "I"))
    #expect(response.answer.contains("8,628 American Airlines AAdvantage miles"))
    #expect(response.answer.contains("British Airways-marketed business (J, I): 250% of distance"))
    #expect(response.answer.contains("AAdvantage partner earning (fixture)"))
    #expect(response.phrasedBy == "offline")

    let citation = try #require(response.citations.first { $0.documentID == "doc:fixture-aa-partner-earning" })
    #expect(citation.url == "https://example.com/aa-partners")
    #expect(citation.factIds.contains("rule:aa:ba-business"))

    // The subgraph around the entities, with the rule the calculator used.
    #expect(Set(response.contextNodeIds).isSuperset(of: ["program:aa-aadvantage", "airline:BA", "rule:aa:ba-business"]))
    #expect(response.contextEdges.contains("program:aa-aadvantage -PARTNERS_WITH-> airline:BA (earn true, redeem true)"))
  }

  @Test func otherPhrasingsOfAnEarningsQuestion() async throws {
    let miles = Figures(try calculatorMiles())
    let questions = [
      "I'm flying British Airways from London Heathrow to New York JFK in fare class I. How many AAdvantage miles will I get?",
      "how many aa miles would i earn on ba from lhr to jfk, booking code i?",
      "AAdvantage earning for BA117 LHR-JFK in I-class",
    ]
    for question in questions {
      let response = try await ask(question)
      #expect(response.intent == "earnings", "\(question)")
      #expect(response.clarification.isEmpty, "\(question): \(response.clarification)")
      #expect(nodes(response).isSuperset(of: ["program:aa-aadvantage", "airline:BA", "airport:LHR", "airport:JFK"]), "\(question)")
      #expect(response.earnings.programs.first?.segments.first?.origin == "LHR", "\(question)")
      #expect(response.answer.contains("\(miles.text) American Airlines AAdvantage miles"), "\(question): \(response.answer)")
    }
  }

  @Test func revenueBasedEarningWithStatusAndFare() async throws {
    let response = try await ask(
      "As an Executive Platinum, how many AAdvantage miles do I earn on AA from DFW to LHR round trip in Y class with a $1,436 base fare and $458 carrier fees?"
    )
    #expect(response.intent == "earnings")
    #expect(response.entities.contains { $0.nodeID == "tier:aa-aadvantage:executive-platinum" })
    let program = try #require(response.earnings.programs.first)
    #expect(program.tier == "Executive Platinum")
    #expect(program.tierSource == "request")
    #expect(program.segments.count == 2)
    // (1,436 + 458) × 11 = 20,834, split between two segments of equal distance.
    #expect(program.redeemableMiles == 20_834)
    #expect(response.answer.contains("20,834"))
  }

  @Test func revenueBasedEarningWithoutAFareAsksForIt() async throws {
    let response = try await ask("How many AAdvantage miles do I earn on AA from DFW to LHR in Y class?")
    #expect(response.intent == "earnings")
    #expect(response.clarification.contains("base fare"))
    #expect(response.toolsUsed.isEmpty)
    #expect(!response.hasEarnings)
  }

  @Test func missingOriginIsAskedForNotGuessed() async throws {
    let response = try await ask("How many AAdvantage miles do I earn on BA to JFK in I class?")
    #expect(response.clarification.contains("origin"))
    #expect(response.answer == response.clarification)
    #expect(!response.hasEarnings)

    // With a profile, the home airport is the origin, and the answer says so.
    let personal = try await ask("How many AAdvantage miles do I earn on BA to JFK in I class?", profile: TravellerContext(homeAirport: "LHR"))
    #expect(personal.clarification.isEmpty)
    #expect(personal.earnings.programs.first?.segments.first?.origin == "LHR")
    #expect(personal.answer.contains("from your home airport LHR"))
  }

  @Test func ambiguousCityAndUnknownFareClassAreClarified() async throws {
    let springfield = try await ask("How many AAdvantage miles do I earn on BA from Springfield to JFK in I class?")
    #expect(springfield.clarification.contains("SGF (Springfield Branson National Airport, Springfield)"))
    #expect(springfield.clarification.contains("SPI"))
    #expect(springfield.clarification.contains("origin"))
    #expect(nodes(springfield).isSuperset(of: ["airport:SGF", "airport:SPI"]))

    // A city with a well-known main airport is taken as it, and the answer says so.
    let london = try await ask("How many AAdvantage miles do I earn on BA from London to JFK in I class?")
    #expect(london.clarification.isEmpty)
    #expect(london.earnings.programs.first?.segments.first?.origin == "LHR")
    #expect(london.answer.contains("London taken as LHR, London Heathrow Airport; name LGW"))

    let noFareClass = try await ask("How many AAdvantage miles do I earn on BA from LHR to JFK in economy?")
    #expect(noFareClass.clarification.contains("fare class"))
    #expect(noFareClass.clarification.contains("O, Y"))

    let noCarrier = try await ask("How many AAdvantage miles do I earn from LHR to JFK in I class?")
    #expect(noCarrier.clarification.contains("Which airline"))
  }

  @Test func awardQuestionWithBalances() async throws {
    let response = try await ask("Can I book JFK to LHR in business with 40,000 Amex points and 12,300 Avios?")
    #expect(response.intent == "award")
    #expect(response.toolsUsed == ["FindAwardPathways"])
    #expect(response.entities.contains { $0.label == "Balance" && $0.nodeID == "program:amex-membership-rewards" && $0.text.hasPrefix("40,000") })
    #expect(response.entities.contains { $0.label == "Balance" && $0.nodeID == "program:ba-executive-club" })
    let best = try #require(response.awardPathways.pathways.first)
    #expect(best.programID == "ba-executive-club")
    #expect(best.feasible)
    #expect(best.transfers.map(\.pointsTransferred) == [38_000])
    #expect(response.answer.hasPrefix("Yes: JFK–LHR one way in business for 1 passenger with British Airways Executive Club, 50,000 Avios"))
    #expect(response.answer.contains("transfer 38,000 American Express Membership Rewards points at 1:1 for 38,000 Avios"))
    #expect(response.citations.contains { $0.documentID == "doc:fixture-transfers" })
  }

  @Test func awardQuestionUsesProfileBalancesAndAsksForTheCabin() async throws {
    let profile = TravellerContext(balances: ["ba-executive-club": 200_000])
    let response = try await ask("How many Avios do I need for two passengers from JFK to LHR round trip in business?", profile: profile)
    #expect(response.intent == "award")
    #expect(response.awardPathways.pathways.first?.pointsRequired == 200_000)
    #expect(response.awardPathways.pathways.first?.feasible == true)
    #expect(response.answer.contains("round trip in business for 2 passengers"))

    let noCabin = try await ask("Can I book an award from JFK to LHR with my Avios?", profile: profile)
    #expect(noCabin.clarification.contains("Which cabin"))
  }

  @Test func transferQuestions() async throws {
    let terms = try await ask("How do Amex points transfer to Avios?")
    #expect(terms.intent == "transfer")
    #expect(terms.answer.contains("at 1:1, at least 1,000 at a time, in increments of 1,000"))
    #expect(terms.citations.first?.factIds == ["TRANSFERS_TO|program:amex-membership-rewards|program:ba-executive-club|"])

    let amount = try await ask("If I transfer 50,500 Amex points to Flying Blue, how many miles do I get?")
    #expect(amount.intent == "transfer")
    #expect(amount.toolsUsed == ["TransferPlanner"])
    #expect(amount.answer.contains("50,000 × 1 / 1 = 50,000 miles"))
    #expect(amount.answer.contains("500 of your 50,500 stay behind"))
  }

  @Test func routeAndFactsQuestions() async throws {
    let route = try await ask("How far is it from Boston to London Heathrow?")
    #expect(route.intent == "route")
    #expect(nodes(route).isSuperset(of: ["airport:BOS", "airport:LHR"]))
    #expect(route.answer.contains("is 3,265 miles great-circle"))

    let tiers = try await ask("What are the AAdvantage elite tiers?")
    #expect(tiers.intent == "facts")
    #expect(tiers.answer.contains("Gold (40,000 Loyalty Points), Executive Platinum (200,000 Loyalty Points)"))
    #expect(tiers.citations.contains { $0.documentID == "doc:fixture-programs" && $0.factIds.contains("tier:aa-aadvantage:gold") })

    let nothing = try await ask("What is the meaning of life?")
    #expect(!nothing.clarification.isEmpty)
  }

  @Test func creditingQuestion() async throws {
    let response = try await ask("Where should I credit BA LHR-JFK in I class to reach Executive Platinum?")
    #expect(response.intent == "crediting")
    #expect(response.toolsUsed == ["RecommendCreditingProgram"])
    #expect(response.answer.contains("For Executive Platinum in American Airlines AAdvantage"))
    #expect(response.answer.contains("200,000"))
  }

  @Test func intentsOfDifferentPhrasings() async throws {
    let expected: [(String, String)] = [
      ("How many AAdvantage miles do I earn on BA from LHR to JFK in I class?", "earnings"),
      ("AAdvantage earning for BA117 LHR-JFK in I-class", "earnings"),
      ("Can I book JFK to LHR in business with 40,000 Amex points?", "award"),
      ("How many Avios for JFK to LHR in business?", "award"),
      ("How do Amex points transfer to Avios?", "transfer"),
      ("What does Citi ThankYou transfer to?", "transfer"),
      ("What is the distance between JFK and LHR?", "route"),
      ("How far is it from Boston to London Heathrow?", "route"),
      ("What are the AAdvantage elite tiers?", "facts"),
      ("Which airlines partner with AAdvantage?", "facts"),
      ("Where should I credit BA LHR-JFK in I class to reach Executive Platinum?", "crediting"),
      ("Which program should I credit BA117 LHR-JFK in J class to for Oneworld Emerald?", "crediting"),
    ]
    for (question, intent) in expected {
      let response = try await ask(question)
      #expect(response.intent == intent, "\(question)")
    }
  }

  @Test func allianceStatusGoalAndTravelDate() async throws {
    let emerald = try await ask("Which program should I credit BA117 LHR-JFK in J class to for Oneworld Emerald?")
    #expect(emerald.entities.contains { $0.text == "Oneworld Emerald" && $0.nodeID == "tier:aa-aadvantage:executive-platinum" })
    #expect(emerald.answer.hasPrefix("For Oneworld Emerald (Executive Platinum in American Airlines AAdvantage), crediting"))

    // A date in the question is the travel date; before the rule took effect nothing is earned.
    let dated = try await ask("How many AAdvantage miles do I earn on BA from LHR to JFK in I class on 2023-06-01?")
    #expect(dated.earnings.programs.first?.redeemableMiles == 0)
    #expect(dated.answer.contains("earns no American Airlines AAdvantage miles"))
    #expect(!dated.answer.contains("travel date taken as today"))
  }

  @Test func aPhraserThatInventsANumberIsRejected() async throws {
    let question = "How many AAdvantage miles do I earn on BA from LHR to JFK in I class?"
    let inventing = try await ask(question, phraser: FixedPhraser(name: "test-model", reply: "You would earn about 9,000 miles."))
    #expect(inventing.phrasedBy == "offline")
    #expect(inventing.answer.contains("8,628"))
    #expect(inventing.answer.contains("9,000"))  // named as the rejected number
    #expect(inventing.answer.contains("did not produce"))

    let faithful = try await ask(question, phraser: FixedPhraser(name: "test-model", reply: "That flight earns 8628 AAdvantage miles (3,451 mi × 250%)."))
    #expect(faithful.phrasedBy == "test-model")
    #expect(faithful.answer == "That flight earns 8628 AAdvantage miles (3,451 mi × 250%).")

    let failing = try await ask(question, phraser: FixedPhraser(name: "test-model", reply: nil))
    #expect(failing.phrasedBy == "offline")
    #expect(failing.answer.contains("8,628"))
  }

  @Test func emptyQuestionIsInvalid() async {
    do {
      _ = try await answerer.answer(.with { $0.question = "   " })
      Issue.record("expected an error")
    } catch {
      #expect(error.kind == .invalidArgument)
      #expect(error.message.hasPrefix("question:"))
    }
  }

  @Test func numberCheckNormalisesSeparators() {
    #expect(NumberCheck.numbers(in: "8,605 miles, 20.50% and 3 442") == ["8605", "20.5", "3", "442"])
    #expect(NumberCheck.unsupportedNumbers(in: "earns 8605", sources: ["8,605 miles"]).isEmpty)
    #expect(NumberCheck.unsupportedNumbers(in: "earns 8,606", sources: ["8,605 miles"]) == ["8,606"])
  }
}

/// Formats like the advisor's answers ("8,605").
private struct Figures {
  var text: String
  init(_ value: Int64) {
    let digits = String(value)
    var grouped = ""
    for (offset, digit) in digits.enumerated() {
      if offset > 0, (digits.count - offset) % 3 == 0 { grouped.append(",") }
      grouped.append(digit)
    }
    text = grouped
  }
}

/// A phraser that returns a fixed reply, or fails when there is none.
private struct FixedPhraser: AnswerPhrasing {
  struct Unavailable: Error {}
  var name: String
  var reply: String?

  func phrase(question: String, draft: String, facts: [String]) async throws -> String {
    guard let reply else { throw Unavailable() }
    return reply
  }
}
