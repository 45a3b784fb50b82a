import Advisor
import GraphModel
import Testing

@Suite struct LoyaltyFactsTests {
  let facts = FactsFixture.facts

  @Test func typedViews() throws {
    #expect(facts.airports.count == FactsFixture.airportCoordinates.count)
    let lhr = try #require(facts.airport("LHR"))
    #expect(lhr.name == "LHR airport")
    #expect(lhr.region == .europe)
    #expect(lhr.latitude == 51.4706)

    #expect(facts.airline("BA")?.alliance == "oneworld")
    #expect(facts.airline("UA")?.allianceID == "alliance:star")
    #expect(facts.airline("AA")?.programIDs == ["aa-aadvantage"])
    #expect(facts.alliances["alliance:oneworld"]?.members == ["AA", "BA", "QR"])

    let aa = try #require(facts.program("aa-aadvantage"))
    #expect(facts.program("program:aa-aadvantage") == aa)
    #expect(aa.name == "AAdvantage")
    #expect(aa.kind == .airline)
    #expect(aa.awardPricing == .dynamic)
    #expect(aa.eliteMetrics == ["Loyalty Points"])
    #expect(aa.publishedDistances == ["DOH-LHR": 3_300])
    #expect(aa.partnerAirlines == ["BA", "QR"])
    #expect(aa.partners.first == ProgramPartner(airline: "BA", earn: true, redeem: false, sourceDocumentID: nil))
    #expect(aa.owningAirlines == ["AA"])
    #expect(facts.program("amex-membership-rewards")?.kind == .bank)

    #expect(facts.fareClass(carrier: "BA", code: "I")?.cabin == .business)
    #expect(facts.fareClasses(carrier: "QR").map(\.code) == ["A", "B", "C", "F", "J", "Y"])
    #expect(facts.eliteTiers(program: "aa-aadvantage").map(\.name) == ["Gold", "Platinum", "Platinum Pro", "Executive Platinum"])
    #expect(facts.eliteTier(program: "ba-executive-club", name: "Gold")?.qualification == ["Tier Points": 1_500])

    let transfer = try #require(facts.transfers(from: "amex-membership-rewards").first)
    #expect(transfer.toProgramID == "ba-executive-club")
    #expect(transfer.ratio == "1:1")
    #expect(transfer.minimum == 1_000)
    #expect(transfer.increment == 1_000)
    #expect(facts.transfers(to: "ba-executive-club") == [transfer])
    #expect(facts.document("doc:aa-earning")?.url == "https://example.com/aa-earning")
  }

  @Test func earningRulesAreDecodedAndIndexedByCarrier() throws {
    let rule = try #require(facts.earningRules(program: "aa-aadvantage").first { $0.id == "rule:aa-revenue" })
    #expect(rule.basis == .revenue)
    #expect(rule.carriers == ["AA"])
    #expect(rule.carrierMatch == .marketing)
    #expect(rule.fareClasses == nil)
    #expect(rule.revenueRates["Executive Platinum"] == 11)
    #expect(rule.revenueCurrency == "USD")
    #expect(rule.eliteMetrics == [EarningRuleFact.EliteMetric(name: "Loyalty Points", per: .redeemableMile, amount: 1)])
    #expect(rule.state == .effective)
    #expect(rule.effectiveDate == CalendarDate("2022-03-01"))
    #expect(rule.priority == 0)

    let expiring = try #require(facts.earningRules(program: "aa-aadvantage").first { $0.id == "rule:aa-qr-economy-2024" })
    #expect(expiring.expirationDate == CalendarDate("2024-12-31"))
    #expect(expiring.isInForce(on: CalendarDate("2024-12-31")!))
    #expect(!expiring.isInForce(on: CalendarDate("2025-01-01")!))

    #expect(facts.earningRules(carrier: "BA", match: .marketing).keys.sorted() == ["aa-aadvantage", "ba-executive-club"])
    #expect(facts.earningRules(carrier: "BA", match: .operating).isEmpty)
    #expect(facts.earningRules(carrier: "QR").count == 4)
  }

  @Test func rawRetrievalIgnoresRoutes() {
    #expect(facts.node("airport:DFW")?.label == .airport)
    #expect(facts.nodes(.loyaltyProgram).map(\.id) == ["program:aa-aadvantage", "program:amex-membership-rewards", "program:ba-executive-club"])
    #expect(facts.outgoing("airline:AA").map(\.type).sorted { $0.rawValue < $1.rawValue } == [.hasLoyaltyProgram, .memberOf])
    #expect(facts.incoming("alliance:oneworld").count == 3)
    #expect(facts.outgoing("airport:DFW").isEmpty)
  }

  @Test func unreadableNodesAreSetAsideNotFatal() {
    let broken = LoyaltyFacts(
      nodes: FactsFixture.nodes + [
        GraphNode(id: "rule:broken", label: .earningRule, properties: ["program_id": "aa-aadvantage", "basis": "distance"]),
        GraphNode(id: "airport:NOP", label: .airport, properties: ["iata": "NOP", "name": "No position"]),
      ], edges: FactsFixture.edges)
    #expect(broken.ignored.map(\.id) == ["airport:NOP", "rule:broken"])
    #expect(broken.ignored.first?.reason == "Airport: latitude is missing or not a number")
    #expect(broken.node("rule:broken") != nil)
    #expect(broken.earningRules(program: "aa-aadvantage").count == facts.earningRules(program: "aa-aadvantage").count)
  }

  @Test func distancesArePublishedOrGreatCircleRoundedHalfUp() throws {
    let exact = try #require(facts.greatCircleMiles(from: "JFK", to: "LHR"))
    let distance = try #require(facts.distance(from: "JFK", to: "LHR", program: "aa-aadvantage"))
    #expect(distance.miles == Int((exact + 0.5).rounded(.down)))
    #expect(distance.miles == FactsFixture.greatCircleMiles("JFK", "LHR"))
    #expect(distance.source == "great-circle")
    #expect(!distance.isPublished)
    #expect(facts.distance(from: "JFK", to: "XXX") == nil)
  }
}
