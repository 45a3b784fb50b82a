import Advisor
import Foundation
import LoyaltyAPI
import SwiftProtobuf
import Testing

@Suite struct EarningsValidationTests {
  typealias F = FactsFixture
  typealias Request = Loyalty_Advisor_V1_CalculateEarningsRequest

  let calculator = EarningsCalculator(facts: FactsFixture.facts)

  static func valid() -> Request {
    F.earningsRequest([F.segment("AA", "DFW", "LHR", fareClass: "Y", flight: "AA50")], fare: ("USD", 1_000, 100, 50))
  }

  static func changed(_ change: (inout Request) -> Void) -> Request {
    var request = valid()
    change(&request)
    return request
  }

  static let invalidCases: [(String, Request, String)] = [
    ("no segments", changed { $0.itinerary.segments = [] }, "itinerary.segments"),
    ("no itinerary", Request(), "itinerary.segments"),
    ("17 segments", changed { $0.itinerary.segments = Array(repeating: F.segment("AA", "DFW", "LHR", fareClass: "Y"), count: 17) }, "itinerary.segments"),
    ("unknown airport", changed { $0.itinerary.segments[0].origin = "XXX" }, "itinerary.segments[0].origin"),
    ("malformed airport", changed { $0.itinerary.segments[0].destination = "LH1" }, "itinerary.segments[0].destination"),
    ("missing airport", changed { $0.itinerary.segments[0].destination = "" }, "itinerary.segments[0].destination"),
    ("same airports", changed { $0.itinerary.segments[0].destination = "DFW" }, "itinerary.segments[0].destination"),
    ("unknown marketing carrier", changed { $0.itinerary.segments[0].marketingCarrier = "ZZ" }, "itinerary.segments[0].marketing_carrier"),
    ("missing marketing carrier", changed { $0.itinerary.segments[0].marketingCarrier = "" }, "itinerary.segments[0].marketing_carrier"),
    ("unknown operating carrier", changed { $0.itinerary.segments[0].operatingCarrier = "Q9" }, "itinerary.segments[0].operating_carrier"),
    ("two-letter fare class", changed { $0.itinerary.segments[0].fareClass = "IJ" }, "itinerary.segments[0].fare_class"),
    ("digit fare class", changed { $0.itinerary.segments[0].fareClass = "1" }, "itinerary.segments[0].fare_class"),
    ("missing fare class", changed { $0.itinerary.segments[0].fareClass = "" }, "itinerary.segments[0].fare_class"),
    ("impossible date", changed { $0.itinerary.segments[0].departureDate = "2025-02-30" }, "itinerary.segments[0].departure_date"),
    ("missing date", changed { $0.itinerary.segments[0].departureDate = "" }, "itinerary.segments[0].departure_date"),
    ("other carrier's flight number", changed { $0.itinerary.segments[0].flightNumber = "BA123" }, "itinerary.segments[0].flight_number"),
    ("long flight number", changed { $0.itinerary.segments[0].flightNumber = "12345" }, "itinerary.segments[0].flight_number"),
    ("negative fare", changed { $0.itinerary.fare.baseFare = -1 }, "itinerary.fare.base_fare"),
    ("absurd fees", changed { $0.itinerary.fare.carrierImposedFees = 2_000_000 }, "itinerary.fare.carrier_imposed_fees"),
    ("not-a-number taxes", changed { $0.itinerary.fare.taxes = .nan }, "itinerary.fare.taxes"),
    ("bad currency", changed { $0.itinerary.fare.currency = "US" }, "itinerary.fare.currency"),
    ("missing currency", changed { $0.itinerary.fare.currency = "" }, "itinerary.fare.currency"),
    ("second segment", changed { $0.itinerary.segments.append(F.segment("AA", "LHR", "ZZZ", fareClass: "Y")) }, "itinerary.segments[1].destination"),
    ("unknown tier", changed { $0.statuses = [.with { $0.programID = "aa-aadvantage"; $0.tier = "Diamond" }] }, "statuses[0].tier"),
    ("status twice", changed {
      $0.statuses = [.with { $0.programID = "aa-aadvantage"; $0.tier = "Gold" }, .with { $0.programID = "aa-aadvantage"; $0.tier = "Platinum" }]
    }, "statuses[1].program_id"),
    ("empty program id", changed { $0.programIds = [""] }, "program_ids[0]"),
  ]

  @Test(arguments: invalidCases)
  func invalidInputNamesTheField(name: String, request: Request, field: String) {
    let error = #expect(throws: AdvisorError.self, "\(name)") { try calculator.calculate(request) }
    #expect(error?.kind == .invalidArgument, "\(name)")
    #expect(error?.message.hasPrefix("\(field): ") == true, "\(name): \(error?.message ?? "")")
  }

  @Test func unknownTierListsTheProgramsTiers() {
    let request = Self.changed { $0.statuses = [.with { $0.programID = "aa-aadvantage"; $0.tier = "Diamond" }] }
    #expect(throws: AdvisorError.invalid("statuses[0].tier", "'Diamond' is not a tier of AAdvantage; its tiers are Gold, Platinum, Platinum Pro, Executive Platinum (empty for a base member)")) {
      try calculator.calculate(request)
    }
  }

  @Test func unknownProgramsAreNotFound() {
    #expect(throws: AdvisorError.notFound("program_ids[1]: program 'nope' is not in the graph")) {
      try calculator.calculate(Self.changed { $0.programIds = ["aa-aadvantage", "nope"] })
    }
    #expect(throws: AdvisorError.notFound("statuses[0].program_id: program 'dl-skymiles' is not in the graph")) {
      try calculator.calculate(Self.changed { $0.statuses = [.with { $0.programID = "dl-skymiles"; $0.tier = "Gold" }] })
    }
  }

  @Test func messagesNameTheProblem() {
    #expect(throws: AdvisorError.invalid("itinerary.segments[0].origin", "'XXX' is not an airport the graph knows")) {
      try calculator.calculate(Self.changed { $0.itinerary.segments[0].origin = "XXX" })
    }
    #expect(throws: AdvisorError.invalid("itinerary.segments", "has 17 segments; at most 16 are allowed")) {
      try calculator.calculate(Self.changed { $0.itinerary.segments = Array(repeating: F.segment("AA", "DFW", "LHR", fareClass: "Y"), count: 17) })
    }
  }

  @Test func lenientWhereTheMeaningIsClear() throws {
    let request = F.earningsRequest(
      [F.segment(" aa", "dfw", "lhr ", fareClass: "y", flight: "50"), F.segment("AA", "LHR", "DFW", fareClass: "Y", flight: "aa 51")],
      fare: ("usd", 1_436, 458, 0), statuses: ["program:aa-aadvantage": "gold"])
    let aa = try #require(try calculator.calculate(request).earnings(of: "aa-aadvantage"))
    #expect(aa.redeemableMiles == 13_258)
    #expect(aa.tier == "Gold")
    #expect(aa.segments.first?.origin == "DFW")
    // Sixteen segments are allowed.
    let sixteen = F.earningsRequest(Array(repeating: F.segment("AA", "DFW", "LHR", fareClass: "Y"), count: 16), fare: ("USD", 1_600, 0, 0))
    #expect(try calculator.calculate(sixteen).earnings(of: "aa-aadvantage")?.redeemableMiles == 8_000)
  }
}
