import Advisor
import Foundation
import GraphModel
import LoyaltyAPI
import SwiftProtobuf
import Testing

@Suite struct AwardPathfinderTests {
  let pathfinder = AwardPathfinder(facts: AdvisorSampleGraph.facts, today: AdvisorSampleGraph.today)

  func request(
    _ origin: String = "JFK", _ destination: String = "LHR", cabin: String = "business", passengers: Int32 = 1, roundTrip: Bool = false,
    balances: [String: Int64] = [:]
  ) -> Loyalty_Advisor_V1_FindAwardPathwaysRequest {
    .with {
      $0.trip = .with {
        $0.origin = origin
        $0.destination = destination
        $0.cabin = cabin
        $0.passengers = passengers
        $0.roundTrip = roundTrip
      }
      $0.balances = balances.sorted { $0.key < $1.key }.map { entry in
        .with {
          $0.programID = entry.key
          $0.points = entry.value
        }
      }
    }
  }

  func pathway(_ response: Loyalty_Advisor_V1_FindAwardPathwaysResponse, _ entry: String) throws -> Loyalty_Advisor_V1_AwardPathway {
    try #require(response.pathways.first { $0.chartEntryID == entry }, "no pathway for \(entry)")
  }

  @Test func fixtureObeysTheGraphSchema() throws {
    for node in AdvisorSampleGraph.nodes { try GraphSchema.validate(node) }
    for edge in AdvisorSampleGraph.edges { try GraphSchema.validate(edge) }
  }

  @Test func balancesThatReachTheTripWithATransfer() throws {
    let response = try pathfinder.find(request(balances: ["ba-executive-club": 12_300, "amex-membership-rewards": 40_000]))

    #expect(response.distanceMiles == 3_451)
    #expect(response.originRegion == "north-america")
    #expect(response.destinationRegion == "europe")
    // Business only, in force today, in the 3,001–4,000 band or the North America–Europe zone.
    #expect(
      Set(response.pathways.map(\.chartEntryID))
        == ["award:ba:3001-4000-business", "award:aa:na-eu-business-partner", "award:aa:na-eu-business-own", "award:af:eu-na-business"])

    // 50,000 Avios: 12,300 in the program, 37,700 missing → 38,000 Amex points (increments of 1,000) at 1:1.
    let ba = try pathway(response, "award:ba:3001-4000-business")
    #expect(ba.pointsRequired == 50_000)
    #expect(ba.pointsInProgram == 12_300)
    #expect(ba.feasible)
    #expect(ba.shortfall == 0)
    #expect(ba.transfers.count == 1)
    let transfer = try #require(ba.transfers.first)
    #expect(transfer.fromProgramID == "amex-membership-rewards")
    #expect(transfer.toProgramID == "ba-executive-club")
    #expect(transfer.pointsTransferred == 38_000)
    #expect(transfer.pointsReceived == 38_000)
    #expect(transfer.ratio == "1:1")
    #expect(transfer.minimum == 1_000)
    #expect(transfer.increment == 1_000)
    #expect(ba.carriers == ["BA", "AA"])
    #expect(!ba.partnerAward)
    #expect(!ba.dynamicPricing)
    #expect(ba.sourceDocumentID == "doc:fixture-award-charts")
    #expect(ba.explanation.contains("50,000 Avios one way per passenger = 50,000 Avios"))
    #expect(ba.explanation.contains { $0.contains("50,000 − 12,300 = 37,700") })
    #expect(ba.explanation.contains { $0.contains("transfer 38,000") && $0.contains("38,000 × 1 / 1 = 38,000 Avios") })

    // Flying Blue: all 40,000 Amex points still leave 20,000 missing.
    let flyingBlue = try pathway(response, "award:af:eu-na-business")
    #expect(!flyingBlue.feasible)
    #expect(flyingBlue.shortfall == 20_000)
    #expect(flyingBlue.transfers.map(\.pointsTransferred) == [40_000])

    // Feasible first, then fewest points transferred, then fewest points required.
    #expect(
      response.pathways.map(\.chartEntryID) == [
        "award:ba:3001-4000-business", "award:aa:na-eu-business-partner", "award:aa:na-eu-business-own", "award:af:eu-na-business",
      ])
    #expect(response.pathways.first?.feasible == true)
  }

  @Test func balancesThatCannotReachTheTrip() throws {
    let response = try pathfinder.find(request(balances: ["amex-membership-rewards": 10_000]))

    #expect(response.pathways.allSatisfy { !$0.feasible })
    let ba = try pathway(response, "award:ba:3001-4000-business")
    #expect(ba.transfers.map(\.pointsTransferred) == [10_000])
    #expect(ba.shortfall == 40_000)
    #expect(ba.explanation.contains { $0.hasPrefix("Short by 40,000 Avios") })
    // No balance reaches AAdvantage at all: the whole price is missing.
    let aa = try pathway(response, "award:aa:na-eu-business-partner")
    #expect(aa.transfers.isEmpty)
    #expect(aa.shortfall == 57_500)
  }

  @Test func programsReachableOnlyByTransferAreIncluded() throws {
    // No AAdvantage miles, but Citi ThankYou transfers 1:1.
    let response = try pathfinder.find(request(balances: ["citi-thankyou": 60_000]))
    let aa = try pathway(response, "award:aa:na-eu-business-partner")
    #expect(aa.feasible)
    #expect(aa.pointsInProgram == 0)
    #expect(aa.transfers.map(\.fromProgramID) == ["citi-thankyou"])
    #expect(aa.transfers.map(\.pointsTransferred) == [57_500 + 500])
    #expect(aa.transfers.map(\.pointsReceived) == [58_000])
  }

  @Test func nonOneToOneRatioRoundsUpToTheIncrement() throws {
    // 30,000 Avios missing at 1000:800 → 37,500 ThankYou points → 38,000 (increments of 1,000) → 30,400 Avios.
    let response = try pathfinder.find(request(balances: ["ba-executive-club": 20_000, "citi-thankyou": 50_000]))
    let ba = try pathway(response, "award:ba:3001-4000-business")
    #expect(ba.feasible)
    let transfer = try #require(ba.transfers.first)
    #expect(transfer.ratio == "1000:800")
    #expect(transfer.pointsTransferred == 38_000)
    #expect(transfer.pointsReceived == 30_400)
    #expect(ba.explanation.contains { $0.contains("30,000 × 1000 / 800 = 37,500") && $0.contains("38,000 × 800 / 1000 = 30,400 Avios") })
  }

  @Test func minimumTransferAndTheCurrencyThatWastesLeast() throws {
    // 1,200 miles missing. Amex sends 2,000 (increments of 1,000; 800 surplus); Chase would
    // have to send its 5,000 minimum (3,800 surplus).
    let both = try pathfinder.find(
      request(balances: ["af-flying-blue": 58_800, "amex-membership-rewards": 10_000, "chase-ultimate-rewards": 10_000]))
    let viaAmex = try pathway(both, "award:af:eu-na-business")
    #expect(viaAmex.feasible)
    #expect(viaAmex.transfers.map(\.fromProgramID) == ["amex-membership-rewards"])
    #expect(viaAmex.transfers.map(\.pointsTransferred) == [2_000])

    let chaseOnly = try pathfinder.find(request(balances: ["af-flying-blue": 58_800, "chase-ultimate-rewards": 10_000]))
    let viaChase = try pathway(chaseOnly, "award:af:eu-na-business")
    #expect(viaChase.transfers.map(\.pointsTransferred) == [5_000])
    #expect(viaChase.transfers.map(\.pointsReceived) == [5_000])
    #expect(viaChase.transfers.first?.minimum == 5_000)

    // Below the minimum nothing can move.
    let tooLittle = try pathfinder.find(request(balances: ["chase-ultimate-rewards": 4_999]))
    let none = try pathway(tooLittle, "award:af:eu-na-business")
    #expect(none.transfers.isEmpty)
    #expect(none.shortfall == 60_000)
  }

  @Test func currenciesAreCombinedWhenNoneSufficesAlone() throws {
    // 50,000 Avios: Amex 30,000 → 30,000, then ThankYou 25,000 at 1000:800 → 20,000.
    let response = try pathfinder.find(request(balances: ["amex-membership-rewards": 30_000, "citi-thankyou": 30_000]))
    let ba = try pathway(response, "award:ba:3001-4000-business")
    #expect(ba.feasible)
    #expect(ba.transfers.map(\.fromProgramID) == ["amex-membership-rewards", "citi-thankyou"])
    #expect(ba.transfers.map(\.pointsTransferred) == [30_000, 25_000])
    #expect(ba.transfers.map(\.pointsReceived) == [30_000, 20_000])
  }

  @Test func roundTripForSeveralPassengers() throws {
    let response = try pathfinder.find(request(passengers: 2, roundTrip: true, balances: ["ba-executive-club": 200_000]))
    let ba = try pathway(response, "award:ba:3001-4000-business")
    #expect(ba.pointsRequired == 50_000 * 2 * 2)
    #expect(ba.feasible)
    #expect(ba.transfers.isEmpty)
    #expect(ba.explanation.contains("50,000 Avios one way per passenger × 2 passengers × 2 (round trip) = 200,000 Avios"))
    #expect(try pathway(response, "award:aa:na-eu-business-partner").pointsRequired == 230_000)
    #expect(response.pathways.first?.chartEntryID == "award:ba:3001-4000-business")
  }

  @Test func dynamicPricingIsFlagged() throws {
    let response = try pathfinder.find(request())
    // Flying Blue prices dynamically; AAdvantage is hybrid: its own flights dynamic, partners by chart.
    #expect(try pathway(response, "award:af:eu-na-business").dynamicPricing)
    #expect(try pathway(response, "award:aa:na-eu-business-own").dynamicPricing)
    let partner = try pathway(response, "award:aa:na-eu-business-partner")
    #expect(!partner.dynamicPricing)
    #expect(partner.partnerAward)
    #expect(partner.carriers == ["BA"])
    #expect(try pathway(response, "award:aa:na-eu-business-own").carriers == ["AA"])
    #expect(!(try pathway(response, "award:ba:3001-4000-business").dynamicPricing))
  }

  @Test func distanceBandsAndCabinsSelectEntries() throws {
    // DFW–LHR is 4,739 miles: beyond BA's 3,001–4,000 band.
    let longer = try pathfinder.find(request("DFW", "LHR"))
    #expect(longer.distanceMiles == 4_750)
    #expect(!longer.pathways.contains { $0.programID == "ba-executive-club" })
    let economy = try pathfinder.find(request(cabin: "economy"))
    #expect(economy.pathways.map(\.chartEntryID) == ["award:ba:3001-4000-economy"])
  }

  @Test func requestBalancesOverrideProfileBalances() throws {
    let response = try pathfinder.find(
      request(balances: ["amex-membership-rewards": 10_000]),
      profileBalances: ["amex-membership-rewards": 100_000, "ba-executive-club": 45_000])
    let ba = try pathway(response, "award:ba:3001-4000-business")
    #expect(ba.pointsInProgram == 45_000)
    #expect(ba.transfers.map(\.pointsTransferred) == [5_000])
    #expect(ba.feasible)
  }

  @Test func citationsNameChartsAndTransferTerms() throws {
    let response = try pathfinder.find(request(balances: ["amex-membership-rewards": 60_000]))
    let charts = try #require(response.citations.first { $0.documentID == "doc:fixture-award-charts" })
    #expect(charts.title == "Award charts (fixture)")
    #expect(charts.url == "https://example.com/award-charts")
    #expect(charts.factIds.contains("award:ba:3001-4000-business"))
    let transfers = try #require(response.citations.first { $0.documentID == "doc:fixture-transfers" })
    #expect(transfers.factIds.contains("TRANSFERS_TO|program:amex-membership-rewards|program:ba-executive-club|"))
  }

  @Test func badInputNamesTheField() {
    typealias Change = (inout Loyalty_Advisor_V1_FindAwardPathwaysRequest) -> Void
    let cases: [(field: String, change: Change)] = [
      ("trip.origin", { $0.trip.origin = "" }),
      ("trip.origin", { $0.trip.origin = "ZZZ" }),
      ("trip.destination", { $0.trip.destination = "JFK1" }),
      ("trip.destination", { $0.trip.destination = "jfk" }),
      ("trip.cabin", { $0.trip.cabin = "luxury" }),
      ("trip.cabin", { $0.trip.cabin = "" }),
      ("trip.passengers", { $0.trip.passengers = 10 }),
      ("trip.passengers", { $0.trip.passengers = -1 }),
      ("balances[0].points", { $0.balances[0].points = -5 }),
      ("balances[1].program_id", { $0.balances[1].programID = "amex-membership-rewards" }),
      ("balances[1].program_id", { $0.balances[1].programID = " " }),
      ("trip", { $0.clearTrip() }),
    ]
    for (index, bad) in cases.enumerated() {
      var wrong = request(balances: ["amex-membership-rewards": 1_000, "citi-thankyou": 1_000])
      bad.change(&wrong)
      do {
        _ = try pathfinder.find(wrong)
        Issue.record("case \(index) (\(bad.field)) was accepted")
      } catch {
        #expect(error.kind == .invalidArgument, "case \(index)")
        #expect(error.message.hasPrefix("\(bad.field): "), "case \(index): \(error.message)")
      }
    }
  }

  @Test func unknownBalanceProgramIsNotFound() {
    do {
      _ = try pathfinder.find(request(balances: ["nowhere-miles": 1_000]))
      Issue.record("expected an error")
    } catch {
      #expect(error.kind == .notFound)
      #expect(error.message.contains("balances[0].program_id"))
    }
  }

  @Test func sameAirportTwiceIsRejected() {
    do {
      _ = try pathfinder.find(request("LHR", "LHR"))
      Issue.record("expected an error")
    } catch {
      #expect(error == .invalid("trip.destination", "'LHR' is the same airport as trip.origin"))
    }
  }

  @Test func unsetPassengersMeanOne() throws {
    let response = try pathfinder.find(request(passengers: 0))
    #expect(try pathway(response, "award:ba:3001-4000-business").pointsRequired == 50_000)
  }
}
