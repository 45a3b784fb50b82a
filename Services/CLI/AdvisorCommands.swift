import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import SwiftProtobuf

/// `loyalty advisor …`: earnings, crediting and award pathways through the gateway.
struct AdvisorCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "advisor",
    abstract: "What an itinerary earns, where to credit it, and how to book an award with your balances.",
    subcommands: [EarningsCommand.self, CreditingCommand.self, AwardsCommand.self]
  )
}

extension GatewayConnection {
  func withAdvisor<Result: Sendable>(
    _ body: (Loyalty_Advisor_V1_AdvisorService.Client<HTTP2ClientTransport.Posix>, Metadata, CallOptions) async throws -> Result
  ) async throws -> Result {
    try await withGateway { client, metadata, options in
      try await body(Loyalty_Advisor_V1_AdvisorService.Client(wrapping: client), metadata, options)
    }
  }
}

/// An itinerary given on the command line.
struct ItineraryOptions: ParsableArguments {
  @Option(
    name: .customLong("segment"),
    help: ArgumentHelp(
      "A flight as CARRIER[NUMBER][/OPERATING]:ORIGIN-DESTINATION:CLASS:YYYY-MM-DD (repeatable).",
      discussion: "e.g. AA50:DFW-LHR:O:2026-12-01, or a codeshare marketed by AA and flown by BA: AA6143/BA:LHR-JFK:I:2026-12-08"))
  var segments: [String] = []

  @Option(help: "Base fare of the ticket.")
  var baseFare: Double = 0

  @Option(help: "Carrier-imposed fees (fuel or insurance surcharges) of the ticket.")
  var fees: Double = 0

  @Option(help: "Taxes of the ticket (they never earn; shown for completeness).")
  var taxes: Double = 0

  @Option(help: "Currency of the fare, ISO 4217.")
  var currency: String = "USD"

  func itinerary() throws -> Loyalty_Advisor_V1_Itinerary {
    guard !segments.isEmpty else { throw ValidationError("give at least one --segment") }
    return try .with {
      $0.segments = try segments.map(Self.segment)
      $0.fare = .with {
        $0.currency = currency.uppercased()
        $0.baseFare = baseFare
        $0.carrierImposedFees = fees
        $0.taxes = taxes
      }
    }
  }

  static func segment(_ text: String) throws -> Loyalty_Advisor_V1_FlightSegment {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    let airports = parts.count == 4 ? parts[1].split(separator: "-").map(String.init) : []
    guard parts.count == 4, airports.count == 2, parts[0].count >= 2 else {
      throw ValidationError("--segment '\(text)': use CARRIER[NUMBER][/OPERATING]:ORIGIN-DESTINATION:CLASS:YYYY-MM-DD")
    }
    let flight = parts[0].split(separator: "/", maxSplits: 1).map(String.init)
    let marketing = String(flight[0].prefix(2)).uppercased()
    return .with {
      $0.marketingCarrier = marketing
      $0.operatingCarrier = flight.count > 1 ? flight[1].uppercased() : marketing
      $0.flightNumber = flight[0].count > 2 ? flight[0].uppercased() : ""
      $0.origin = airports[0].uppercased()
      $0.destination = airports[1].uppercased()
      $0.fareClass = parts[2].uppercased()
      $0.departureDate = parts[3]
    }
  }
}

/// `PROGRAM=VALUE` pairs.
func keyValuePairs(_ texts: [String], option: String) throws -> [(String, String)] {
  try texts.map { text in
    let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("\(option) '\(text)': use PROGRAM=VALUE") }
    return (parts[0], parts[1])
  }
}

struct EarningsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "earnings", abstract: "Miles and elite credit an itinerary earns in every program it can credit to.")

  @OptionGroup var connection: GatewayConnection
  @OptionGroup var itinerary: ItineraryOptions

  @Option(help: "Your status in a program as PROGRAM=TIER, e.g. aa-aadvantage=Gold (repeatable; overrides your profile).")
  var status: [String] = []

  @Option(help: "Only this program (repeatable).")
  var program: [String] = []

  @Option(help: "Whose profile fills in statuses (default: the key's own user).")
  var user: String?

  func run() async throws {
    let request = try Loyalty_Advisor_V1_CalculateEarningsRequest.with {
      $0.itinerary = try itinerary.itinerary()
      $0.statuses = try keyValuePairs(status, option: "--status").map { pair in .with { $0.programID = pair.0; $0.tier = pair.1 } }
      $0.programIds = program
      $0.userID = user ?? ""
    }
    let response = try await connection.withAdvisor { advisor, metadata, options in
      try await advisor.calculateEarnings(request, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(response) }
    AdvisorOutput.printEarnings(response)
  }
}

struct CreditingCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "crediting", abstract: "Ranks programs by the progress an itinerary makes toward a status goal.")

  @OptionGroup var connection: GatewayConnection
  @OptionGroup var itinerary: ItineraryOptions

  @Option(help: "The goal as PROGRAM:TIER, e.g. aa-aadvantage:Platinum Pro (default: your profile's first goal).")
  var goal: String?

  @Option(help: "Your status in a program as PROGRAM=TIER (repeatable).")
  var status: [String] = []

  @Option(help: "Whose profile fills in statuses and the goal (default: the key's own user).")
  var user: String?

  func run() async throws {
    let request = try Loyalty_Advisor_V1_RecommendCreditingProgramRequest.with {
      $0.itineraries = [try itinerary.itinerary()]
      if let goal {
        let parts = goal.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw ValidationError("--goal '\(goal)': use PROGRAM:TIER") }
        $0.goal = .with { $0.programID = parts[0]; $0.tier = parts[1] }
      }
      $0.statuses = try keyValuePairs(status, option: "--status").map { pair in .with { $0.programID = pair.0; $0.tier = pair.1 } }
      $0.userID = user ?? ""
    }
    let response = try await connection.withAdvisor { advisor, metadata, options in
      try await advisor.recommendCreditingProgram(request, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(response) }
    ProfileOutput.printTable(
      header: ["PROGRAM", "TARGET TIER", "METRIC", "EARNED", "THRESHOLD", "PROGRESS", "MILES"],
      rows: response.options.map {
        [
          $0.programID, $0.targetTier, $0.metric, AdvisorOutput.number($0.earned), AdvisorOutput.number($0.threshold),
          String(format: "%.1f%%", $0.progress * 100), "\($0.redeemableMiles)",
        ]
      })
    if let best = response.options.first {
      print("")
      best.explanation.forEach { print("  \($0)") }
    }
  }
}

struct AwardsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "awards", abstract: "Programs that can book a trip, what it costs and which balances to transfer.")

  @OptionGroup var connection: GatewayConnection

  @Option(help: "Origin IATA code.")
  var from: String

  @Option(help: "Destination IATA code.")
  var to: String

  @Option(help: "economy, premium-economy, business or first.")
  var cabin: String = "economy"

  @Option(help: "Travellers (1–9).")
  var passengers: Int = 1

  @Flag(help: "Price a round trip.")
  var roundTrip = false

  @Option(help: "A balance as PROGRAM=POINTS, e.g. amex-membership-rewards=120000 (repeatable; overrides your profile).")
  var balance: [String] = []

  @Option(help: "Whose profile fills in balances (default: the key's own user).")
  var user: String?

  func run() async throws {
    let request = try Loyalty_Advisor_V1_FindAwardPathwaysRequest.with {
      $0.trip = .with {
        $0.origin = from.uppercased()
        $0.destination = to.uppercased()
        $0.cabin = cabin
        $0.passengers = Int32(clamping: passengers)
        $0.roundTrip = roundTrip
      }
      $0.balances = try keyValuePairs(balance, option: "--balance").map { pair in
        guard let points = Int64(pair.1.replacingOccurrences(of: ",", with: "")) else {
          throw ValidationError("--balance '\(pair.0)=\(pair.1)': points must be a whole number")
        }
        return .with { $0.programID = pair.0; $0.points = points }
      }
      $0.userID = user ?? ""
    }
    let response = try await connection.withAdvisor { advisor, metadata, options in
      try await advisor.findAwardPathways(request, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(response) }
    print("\(from.uppercased())–\(to.uppercased()): \(response.distanceMiles) miles, \(response.originRegion) → \(response.destinationRegion)")
    ProfileOutput.printTable(
      header: ["PROGRAM", "POINTS", "IN PROGRAM", "TRANSFERS", "FEASIBLE", "NOTE"],
      rows: response.pathways.map { pathway in
        [
          pathway.programID, "\(pathway.pointsRequired)", "\(pathway.pointsInProgram)",
          pathway.transfers.map { "\($0.pointsTransferred) \($0.fromProgramID) → \($0.pointsReceived)" }.joined(separator: "; "),
          pathway.feasible ? "yes" : "short \(pathway.shortfall)",
          pathway.dynamicPricing ? "dynamic pricing" : "",
        ]
      })
  }
}

/// `loyalty ask "…"`: a question in English, answered from the graph with citations.
struct AskCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ask", abstract: "Asks the advisor a question in English; the answer cites its sources.")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "The question, e.g. \"How many AAdvantage miles do I earn on BA from LHR to JFK in I class?\"")
  var question: String

  @Option(help: "Whose profile personalises the answer (default: the key's own user).")
  var user: String?

  func run() async throws {
    let response = try await connection.withAdvisor { advisor, metadata, options in
      try await advisor.ask(.with { $0.question = question; $0.userID = user ?? "" }, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(response) }
    print(response.answer)
    if !response.clarification.isEmpty, !response.answer.contains(response.clarification) {
      print("(\(response.clarification))")
    }
    if !response.citations.isEmpty {
      print("\nSources:")
      for citation in response.citations { print("  \(citation.title) — \(citation.url)") }
    }
  }
}

enum AdvisorOutput {
  static func number(_ value: Double) -> String {
    value.rounded() == value ? String(Int64(value)) : String(format: "%.1f", value)
  }

  static func printEarnings(_ response: Loyalty_Advisor_V1_CalculateEarningsResponse) {
    ProfileOutput.printTable(
      header: ["PROGRAM", "TIER", "MILES", "STATUS BONUS", "ELITE CREDIT"],
      rows: response.programs.map { program in
        [
          program.programID, program.tier.isEmpty ? "member" : program.tier, "\(program.redeemableMiles) \(program.currencyName)",
          "\(program.statusBonusMiles)", program.eliteMetrics.map { "\(number($0.amount)) \($0.name)" }.joined(separator: ", "),
        ]
      })
    for program in response.programs {
      print("\n\(program.programName):")
      for segment in program.segments {
        let route = "\(segment.origin)–\(segment.destination) \(segment.marketingCarrier) \(segment.fareClass)"
        if segment.noEarningReason.isEmpty {
          print("  \(route): \(segment.redeemableMiles) (\(segment.ruleDescription))")
          segment.steps.forEach { print("    \($0)") }
        } else {
          print("  \(route): nothing — \(segment.noEarningReason)")
        }
      }
    }
    print("\nRounding: \(response.roundingPolicy). Order: \(response.orderOfOperations.joined(separator: " → ")).")
  }
}
