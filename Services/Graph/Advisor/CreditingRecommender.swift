import Foundation
import GraphModel
import LoyaltyAPI
import SwiftProtobuf

/// RecommendCreditingProgram: which program to credit a set of itineraries to, ranked by
/// progress toward a status goal.
///
/// Every program any itinerary can credit to (plus the goal's own program) is calculated with
/// `EarningsCalculator` at the traveller's current tier in it, and the earnings summed over all
/// itineraries. The goal maps to each program's equivalent tier (`GoalTierMapping`); of the
/// metrics that tier qualifies on, the one the itineraries make most progress in is reported:
/// progress = earned / threshold, capped at 1. Options are ranked by progress, then
/// redeemable miles, then program id.
public struct CreditingRecommender: Sendable {
  /// More itineraries than a year of travel plausibly holds are taken for a mistake.
  public static let maximumItineraries = 100

  public let facts: LoyaltyFacts

  public init(facts: LoyaltyFacts) {
    self.facts = facts
  }

  /// - Parameters:
  ///   - profileStatuses: tier by program id from the traveller's profile.
  ///   - profileGoal: the profile's first goal, used when the request names none.
  public func recommend(
    _ request: Loyalty_Advisor_V1_RecommendCreditingProgramRequest, profileStatuses: [String: String] = [:],
    profileGoal: Loyalty_Advisor_V1_StatusGoal? = nil
  ) throws(AdvisorError) -> Loyalty_Advisor_V1_RecommendCreditingProgramResponse {
    let (goalProgram, goalTier) = try resolveGoal(request, profileGoal: profileGoal)
    guard !request.itineraries.isEmpty else { throw .invalid("itineraries", "is empty; give at least one itinerary to credit") }
    guard request.itineraries.count <= Self.maximumItineraries else {
      throw .invalid("itineraries", "has \(request.itineraries.count) itineraries; at most \(Self.maximumItineraries) are allowed")
    }
    let validator = TripValidator(facts: facts)
    var trips: [Trip] = []
    for (index, itinerary) in request.itineraries.enumerated() {
      trips.append(try validator.validate(itinerary, field: "itineraries[\(index)]"))
    }
    let statuses = try TravellerStatuses(request.statuses, field: "statuses", profile: profileStatuses, facts: facts)

    let calculator = EarningsCalculator(facts: facts)
    var programIDs = Set(trips.flatMap { calculator.creditablePrograms($0).map(\.id) })
    programIDs.insert(goalProgram.id)
    let programs = programIDs.sorted().compactMap { facts.programs[$0] }

    var citations = CitationCollector(facts: facts)
    citations.add(goalTier)
    var totals: [String: ProgramTotals] = [:]
    for (index, trip) in trips.enumerated() {
      let response = calculator.earnings(of: trip, programs: programs, statuses: statuses)
      citations.merge(response.citations)
      for program in response.programs {
        totals[program.programID, default: ProgramTotals(tier: program.tier)].add(program, itinerary: index)
      }
    }

    var options: [Loyalty_Advisor_V1_CreditingOption] = []
    for program in programs {
      let total = totals[program.id] ?? ProgramTotals(tier: "")
      options.append(option(for: program, totals: total, goal: goalTier, goalProgram: goalProgram, itineraryCount: trips.count, citations: &citations))
    }
    options.sort { ($1.progress, $1.redeemableMiles, $0.programID) < ($0.progress, $0.redeemableMiles, $1.programID) }

    var response = Loyalty_Advisor_V1_RecommendCreditingProgramResponse()
    response.options = options
    response.citations = citations.citations
    return response
  }

  private func resolveGoal(
    _ request: Loyalty_Advisor_V1_RecommendCreditingProgramRequest, profileGoal: Loyalty_Advisor_V1_StatusGoal?
  ) throws(AdvisorError) -> (ProgramFact, EliteTierFact) {
    let fromRequest = request.hasGoal && !(request.goal.programID.isEmpty && request.goal.tier.isEmpty)
    guard let goal = fromRequest ? request.goal : profileGoal else {
      throw .invalid("goal", "is required: the program and tier to reach, e.g. aa-aadvantage / Executive Platinum")
    }
    let origin = fromRequest ? "" : " (from the traveller's profile)"
    let programID = goal.programID.trimmedWhitespace
    guard !programID.isEmpty else { throw .invalid("goal.program_id", "is required\(origin)") }
    guard let program = facts.program(programID) else {
      throw .notFound("goal.program_id: program '\(programID)'\(origin) is not in the graph")
    }
    let tiers = facts.eliteTiers(program: program.id)
    let wanted = goal.tier.trimmedWhitespace
    guard !wanted.isEmpty else { throw .invalid("goal.tier", "is required\(origin): an elite tier of \(program.name)") }
    guard let tier = tiers.first(where: { $0.name.caseInsensitiveCompare(wanted) == .orderedSame }) else {
      let list = tiers.isEmpty ? "the graph holds no elite tiers for it" : "its tiers are \(tiers.map(\.name).joined(separator: ", "))"
      throw .invalid("goal.tier", "'\(goal.tier)'\(origin) is not an elite tier of \(program.name); \(list)")
    }
    return (program, tier)
  }

  private func option(
    for program: ProgramFact, totals: ProgramTotals, goal: EliteTierFact, goalProgram: ProgramFact, itineraryCount: Int,
    citations: inout CitationCollector
  ) -> Loyalty_Advisor_V1_CreditingOption {
    var option = Loyalty_Advisor_V1_CreditingOption()
    option.programID = program.id
    option.programName = program.name
    option.redeemableMiles = totals.redeemableMiles
    var lines = ["Goal: \(goal.name) in \(goalProgram.name)"]

    let currentTier = totals.tier.isEmpty ? "as a base member" : "at your tier \(totals.tier)"
    for (index, miles) in totals.milesByItinerary.enumerated() where itineraryCount > 1 {
      lines.append("Itinerary \(index + 1): \(Figures.integer(miles)) \(program.currencyName)")
    }
    lines.append("Earned \(currentTier): \(Figures.integer(totals.redeemableMiles)) \(program.currencyName)" + totals.metricSummary)

    guard let mapping = GoalTierMapping(goal: goal, goalProgram: goalProgram, in: program, tiers: facts.eliteTiers(program: program.id)) else {
      lines.append("\(program.name) has no elite tiers in the graph, so it makes no progress toward the goal")
      option.explanation = lines
      return option
    }
    citations.add(mapping.tier)
    option.targetTier = mapping.tier.name
    if mapping.tier.id != goal.id { lines.append("Target: \(mapping.tier.name), \(mapping.reason)") }

    let candidates = mapping.tier.qualification.filter { $0.value > 0 }.sorted { $0.key < $1.key }
    guard !candidates.isEmpty else {
      lines.append("\(mapping.tier.name) lists no qualification threshold in the graph")
      option.explanation = lines
      return option
    }
    var best: (metric: String, threshold: Double, earned: Double, progress: Double)?
    for (metric, threshold) in candidates {
      let earned = totals.metrics[metric] ?? 0
      let progress = min(earned / threshold, 1)
      lines.append("\(metric): \(Figures.number(earned)) / \(Figures.number(threshold)) = \(Figures.percent(progress * 100))")
      if best.map({ progress > $0.progress }) ?? true { best = (metric, threshold, earned, progress) }
    }
    if let best {
      option.metric = best.metric
      option.threshold = best.threshold
      option.earned = best.earned
      option.progress = best.progress
      if candidates.count > 1 { lines.append("Most progress: \(best.metric) (any one threshold qualifies)") }
    }
    option.explanation = lines
    return option
  }
}

/// A program's earnings summed over the itineraries.
private struct ProgramTotals {
  var tier: String
  var redeemableMiles: Int64 = 0
  var milesByItinerary: [Int64] = []
  var metrics: [String: Double] = [:]
  var metricOrder: [String] = []

  init(tier: String) {
    self.tier = tier
  }

  mutating func add(_ earnings: Loyalty_Advisor_V1_ProgramEarnings, itinerary: Int) {
    tier = earnings.tier
    redeemableMiles += earnings.redeemableMiles
    while milesByItinerary.count <= itinerary { milesByItinerary.append(0) }
    milesByItinerary[itinerary] += earnings.redeemableMiles
    for metric in earnings.eliteMetrics {
      if metrics[metric.name] == nil { metricOrder.append(metric.name) }
      metrics[metric.name, default: 0] += metric.amount
    }
  }

  var metricSummary: String {
    metricOrder.map { ", \(Figures.number(((metrics[$0] ?? 0) * 100).rounded() / 100)) \($0)" }.joined()
  }
}
