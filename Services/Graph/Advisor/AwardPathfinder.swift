import Foundation
import GraphModel
import LoyaltyAPI
import SwiftProtobuf

/// Finds the ways to book an award trip with a traveller's balances: every program whose
/// fixed award chart prices the trip (on its own airline or on partners), what it costs for
/// the whole party, and which transferable balances to move there — respecting each
/// partnership's ratio, minimum and increment.
///
/// Chart entries apply when their cabin is the trip's, their dates include today, and they
/// match the trip: zone entries by the airports' regions in either direction, distance
/// entries by the one-way distance the program credits (its published figure for the pair,
/// else great-circle) within the band. The airlines an entry covers are the program's own
/// (`operated_by` "own"), its partners that allow redemption ("partner"), or both ("any"),
/// narrowed to the entry's `carriers` when it names some.
///
/// Pathways come feasible first, then by fewest points transferred, then by fewest points
/// required.
public struct AwardPathfinder: Sendable {
  public let facts: LoyaltyFacts
  /// The date chart entries' effective and expiration dates are checked against.
  public let today: CalendarDate

  /// - Parameter today: the current date by default (UTC).
  public init(facts: LoyaltyFacts, today: CalendarDate? = nil) {
    self.facts = facts
    self.today = today ?? AwardPathfinder.currentDate()
  }

  /// - Parameters:
  ///   - request: the trip and the balances to use; a balance given here replaces the
  ///     profile's balance in the same program.
  ///   - profileBalances: the traveller's balances by program id, from their profile.
  public func find(_ request: Loyalty_Advisor_V1_FindAwardPathwaysRequest, profileBalances: [String: Int64] = [:]) throws(AdvisorError)
    -> Loyalty_Advisor_V1_FindAwardPathwaysResponse
  {
    let trip = try AwardTripQuery(request.trip, hasTrip: request.hasTrip, facts: facts)
    let balances = try mergedBalances(request.balances, profile: profileBalances)
    let planner = TransferPlanner(facts: facts)
    var citations = CitationCollector(facts: facts)

    var pathways: [(pathway: Loyalty_Advisor_V1_AwardPathway, transferred: Int64)] = []
    for programID in facts.awardChartEntries.keys.sorted() {
      guard let program = facts.program(programID) else { continue }
      let distance = facts.distance(from: trip.origin.iata, to: trip.destination.iata, program: programID)
      for entry in facts.awardChartEntries(program: programID) where applies(entry, to: trip, distance: distance) {
        let carriers = carriers(of: entry, program: program)
        guard !carriers.isEmpty else { continue }
        let (pathway, transferred) = pathway(
          entry: entry, program: program, carriers: carriers, trip: trip, distance: distance, balances: balances, planner: planner,
          citations: &citations)
        pathways.append((pathway, transferred))
      }
    }
    pathways.sort { lhs, rhs in
      let left = (lhs.pathway.feasible ? 0 : 1, lhs.transferred, lhs.pathway.pointsRequired, lhs.pathway.programID, lhs.pathway.chartEntryID)
      let right = (rhs.pathway.feasible ? 0 : 1, rhs.transferred, rhs.pathway.pointsRequired, rhs.pathway.programID, rhs.pathway.chartEntryID)
      return left < right
    }

    return .with {
      $0.pathways = pathways.map(\.pathway)
      $0.distanceMiles = Int32(clamping: facts.distance(from: trip.origin.iata, to: trip.destination.iata)?.miles ?? 0)
      $0.originRegion = trip.origin.region?.rawValue ?? ""
      $0.destinationRegion = trip.destination.region?.rawValue ?? ""
      $0.citations = citations.citations
    }
  }

  /// Request balances over profile balances; request balances must name known programs.
  private func mergedBalances(_ given: [Loyalty_Advisor_V1_Balance], profile: [String: Int64]) throws(AdvisorError) -> [String: Int64] {
    var balances = profile.filter { $0.value > 0 }
    var seen: Set<String> = []
    for (index, balance) in given.enumerated() {
      let field = "balances[\(index)]"
      let id = FactDecoder.programID(balance.programID.trimmedWhitespace)
      guard !id.isEmpty else { throw .invalid("\(field).program_id", "is required") }
      guard facts.program(id) != nil else { throw .notFound("\(field).program_id: no program '\(balance.programID)' in the graph") }
      guard balance.points >= 0 else { throw .invalid("\(field).points", "\(balance.points) is negative") }
      guard balance.points <= 1_000_000_000 else { throw .invalid("\(field).points", "\(balance.points) is more than 1,000,000,000") }
      guard seen.insert(id).inserted else { throw .invalid("\(field).program_id", "'\(id)' is given more than once") }
      balances[id] = balance.points
    }
    return balances
  }

  private func applies(_ entry: AwardChartEntryFact, to trip: AwardTripQuery, distance: FlightDistance?) -> Bool {
    guard entry.cabin == trip.cabin else { return false }
    if let effective = entry.effectiveDate, today < effective { return false }
    if let expiration = entry.expirationDate, expiration < today { return false }
    switch entry.chart {
    case .zone:
      guard let from = entry.originRegion, let to = entry.destinationRegion, let origin = trip.origin.region,
        let destination = trip.destination.region
      else { return false }
      return (from == origin && to == destination) || (from == destination && to == origin)
    case .distance:
      guard let miles = distance?.miles, let low = entry.minDistance, let high = entry.maxDistance else { return false }
      return (low...high).contains(miles)
    }
  }

  /// The airlines whose flights the entry prices, sorted (own airlines first).
  func carriers(of entry: AwardChartEntryFact, program: ProgramFact) -> [String] {
    let own = program.owningAirlines
    let partners = program.partners.filter { $0.redeem != false && !own.contains($0.airline) }.map(\.airline)
    var allowed: [String]
    switch entry.operatedBy {
    case .own: allowed = own
    case .partner: allowed = partners
    case .any: allowed = own + partners
    }
    if let named = entry.carriers.map({ $0.map(FactDecoder.carrierCode) }) {
      allowed = allowed.filter(named.contains)
    }
    return allowed
  }

  private func pathway(
    entry: AwardChartEntryFact, program: ProgramFact, carriers: [String], trip: AwardTripQuery, distance: FlightDistance?,
    balances: [String: Int64], planner: TransferPlanner, citations: inout CitationCollector
  ) -> (Loyalty_Advisor_V1_AwardPathway, Int64) {
    let unit = program.currencyName
    let required = Int64(entry.points) * trip.priceMultiplier
    let inProgram = balances[program.id] ?? 0
    let fromProgram = min(inProgram, required)
    let plan = planner.plan(into: program.id, needing: required - fromProgram, from: balances)
    let partnerAward = !carriers.contains(where: program.owningAirlines.contains)
    let dynamic: Bool =
      switch program.awardPricing {
      case .dynamic: true
      case .hybrid: !partnerAward
      case .fixed, nil: false
      }

    var explanation: [String] = []
    explanation.append(chartLine(entry, program: program, trip: trip, distance: distance))
    var multiplier = "\(Figures.integer(entry.points)) \(unit) one way per passenger"
    if trip.passengers > 1 { multiplier += " × \(trip.passengers) passengers" }
    if trip.roundTrip { multiplier += " × 2 (round trip)" }
    explanation.append("\(multiplier) = \(Figures.integer(required)) \(unit)")
    explanation.append(
      required <= inProgram
        ? "\(Figures.integer(inProgram)) \(unit) already in \(program.name) cover the \(Figures.integer(required)) needed"
        : "\(Figures.integer(inProgram)) \(unit) in \(program.name); \(Figures.integer(required)) − \(Figures.integer(inProgram)) = "
          + "\(Figures.integer(required - inProgram)) still needed")
    explanation += plan.steps.map(\.explanation)
    if required > inProgram {
      if plan.covers {
        explanation.append(
          "Feasible: \(Figures.integer(fromProgram)) + \(Figures.integer(plan.received)) = \(Figures.integer(fromProgram + plan.received)) ≥ "
            + "\(Figures.integer(required)) \(unit)")
      } else if plan.steps.isEmpty {
        explanation.append("Short by \(Figures.integer(plan.shortfall)) \(unit): no balance transfers to \(program.name)")
      } else {
        explanation.append(
          "Short by \(Figures.integer(plan.shortfall)) \(unit) even after transferring every usable balance "
            + "(\(Figures.integer(fromProgram)) + \(Figures.integer(plan.received)) = \(Figures.integer(fromProgram + plan.received)))")
      }
    }
    if dynamic {
      explanation.append(
        "\(program.name) prices \(program.awardPricing == .hybrid ? "its own flights" : "awards") dynamically: "
          + "the chart figure is a published floor or typical price, not a promise")
    }

    citations.add(fact: entry.id, document: entry.sourceDocumentID)
    for step in plan.steps {
      citations.add(fact: transferEdgeID(step.transfer), document: step.transfer.sourceDocumentID)
    }
    if dynamic, let source = program.sourceDocumentID { citations.add(fact: program.nodeID, document: source) }

    let pathway = Loyalty_Advisor_V1_AwardPathway.with {
      $0.programID = program.id
      $0.programName = program.name
      $0.carriers = carriers
      $0.partnerAward = partnerAward
      $0.pointsRequired = required
      $0.chartEntryID = entry.id
      $0.chartDescription = entry.description ?? defaultDescription(entry)
      $0.pointsInProgram = inProgram
      $0.transfers = plan.steps.map { step in
        .with {
          $0.fromProgramID = step.transfer.fromProgramID
          $0.toProgramID = step.transfer.toProgramID
          $0.pointsTransferred = step.sent
          $0.pointsReceived = step.received
          $0.ratio = step.transfer.ratio
          $0.minimum = Int64(step.transfer.minimum)
          $0.increment = Int64(step.transfer.increment)
        }
      }
      $0.feasible = required <= inProgram || plan.covers
      $0.shortfall = required <= inProgram ? 0 : plan.shortfall
      $0.dynamicPricing = dynamic
      $0.explanation = explanation
      $0.sourceDocumentID = entry.sourceDocumentID
    }
    return (pathway, plan.sent)
  }

  private func chartLine(_ entry: AwardChartEntryFact, program: ProgramFact, trip: AwardTripQuery, distance: FlightDistance?) -> String {
    let route = "\(trip.origin.iata)–\(trip.destination.iata)"
    switch entry.chart {
    case .zone:
      return "\(program.name) zone chart \(entry.originRegion?.rawValue ?? "?") ↔ \(entry.destinationRegion?.rawValue ?? "?"), "
        + "\(entry.cabin.rawValue): \(route) is \(trip.origin.region?.rawValue ?? "?") → \(trip.destination.region?.rawValue ?? "?") "
        + "(entry \(entry.id))"
    case .distance:
      return "\(program.name) distance chart \(Figures.integer(entry.minDistance ?? 0))–\(Figures.integer(entry.maxDistance ?? 0)) mi, "
        + "\(entry.cabin.rawValue): \(route) is \(Figures.integer(distance?.miles ?? 0)) mi (\(distance?.source ?? "great-circle")) "
        + "(entry \(entry.id))"
    }
  }

  private func defaultDescription(_ entry: AwardChartEntryFact) -> String {
    switch entry.chart {
    case .zone:
      "\(entry.originRegion?.rawValue ?? "?") – \(entry.destinationRegion?.rawValue ?? "?"), \(entry.cabin.rawValue), one way"
    case .distance:
      "\(entry.minDistance ?? 0)–\(entry.maxDistance ?? 0) miles, \(entry.cabin.rawValue), one way"
    }
  }

  /// The stored id of the TRANSFERS_TO edge behind a transfer fact.
  private func transferEdgeID(_ transfer: TransferFact) -> String {
    let from = NodeID.program(transfer.fromProgramID)
    let to = NodeID.program(transfer.toProgramID)
    let edge = facts.outgoing(from).first { $0.type == .transfersTo && $0.toID == to }
    return edge?.id ?? GraphEdge.id(type: .transfersTo, fromID: from, toID: to, key: "")
  }

  static func currentDate() -> CalendarDate {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let parts = calendar.dateComponents([.year, .month, .day], from: Date())
    let text = String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    return CalendarDate(text)!
  }
}
