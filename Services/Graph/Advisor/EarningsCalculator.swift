import Foundation
import GraphModel
import LoyaltyAPI
import SwiftProtobuf

/// CalculateEarnings: what a paid itinerary earns in every program it can credit to.
///
/// Programs considered: those named in `program_ids` (NOT_FOUND when the graph lacks one), else
/// every program with a rule covering a segment's marketing carrier (rules matching on the
/// marketing carrier) or operating carrier (rules matching on the operating carrier), even if
/// that rule turns out not to apply — the segment then says why. Each segment of each program
/// is matched by `SegmentRuleMatcher` and calculated by `SegmentEarner` (whose documentation
/// states the arithmetic and rounding); revenue is split between segments by
/// `RevenueAllocation`.
///
/// Bad input is INVALID_ARGUMENT naming the field, including airport and carrier codes the graph
/// does not know; program ids that are not in the graph are NOT_FOUND.
public struct EarningsCalculator: Sendable {
  public static let roundingPolicy =
    "per segment, half up to whole miles: each segment's exact total (distance → accrual → minimum → bonuses) is rounded once; "
    + "its components are the differences of the rounded running totals, so they add up to the segment's miles; "
    + "program totals are sums of whole segment miles; elite metrics keep two decimals"
  public static let orderOfOperations = ["distance", "accrual", "minimum", "bonuses"]

  public let facts: LoyaltyFacts

  public init(facts: LoyaltyFacts) {
    self.facts = facts
  }

  /// - Parameter profileStatuses: tier by program id from the traveller's profile; statuses in
  ///   the request override them.
  public func calculate(
    _ request: Loyalty_Advisor_V1_CalculateEarningsRequest, profileStatuses: [String: String] = [:]
  ) throws(AdvisorError) -> Loyalty_Advisor_V1_CalculateEarningsResponse {
    let trip = try TripValidator(facts: facts).validate(request.itinerary, field: "itinerary")
    let statuses = try TravellerStatuses(request.statuses, field: "statuses", profile: profileStatuses, facts: facts)
    let programs: [ProgramFact]
    if request.programIds.isEmpty {
      programs = creditablePrograms(trip)
    } else {
      programs = try requestedPrograms(request.programIds, field: "program_ids")
    }
    return earnings(of: trip, programs: programs, statuses: statuses)
  }

  func requestedPrograms(_ ids: [String], field: String) throws(AdvisorError) -> [ProgramFact] {
    var programs: [ProgramFact] = []
    for (index, raw) in ids.enumerated() {
      let id = raw.trimmedWhitespace
      guard !id.isEmpty else { throw .invalid("\(field)[\(index)]", "is empty") }
      guard let program = facts.program(id) else { throw .notFound("\(field)[\(index)]: program '\(id)' is not in the graph") }
      if !programs.contains(where: { $0.id == program.id }) { programs.append(program) }
    }
    return programs
  }

  /// Programs with a rule naming a segment's carrier the way the rule matches.
  func creditablePrograms(_ trip: Trip) -> [ProgramFact] {
    var ids = Set<String>()
    for segment in trip.segments {
      ids.formUnion(facts.earningRules(carrier: segment.marketingCarrier, match: .marketing).keys)
      ids.formUnion(facts.earningRules(carrier: segment.operatingCarrier, match: .operating).keys)
    }
    return ids.sorted().compactMap { facts.programs[$0] }
  }

  func earnings(of trip: Trip, programs: [ProgramFact], statuses: TravellerStatuses) -> Loyalty_Advisor_V1_CalculateEarningsResponse {
    let matcher = SegmentRuleMatcher(facts: facts)
    let earner = SegmentEarner(facts: facts)
    var citations = CitationCollector(facts: facts)
    var results: [Loyalty_Advisor_V1_ProgramEarnings] = []
    results.reserveCapacity(programs.count)

    for program in programs {
      let status = statuses.tier(for: program.id)
      var result = Loyalty_Advisor_V1_ProgramEarnings()
      result.programID = program.id
      result.programName = program.name
      result.currencyName = program.currencyName
      result.tier = status.tier
      result.tierSource = status.source
      var metricTotals: [String: Double] = [:]
      var metricOrder = program.eliteMetrics

      for segment in trip.segments {
        switch matcher.match(segment, program: program) {
        case .rule(let rule):
          let earned = earner.earn(segment, in: trip, under: rule, program: program, tier: status.tier)
          citations.add(rule)
          let segmentEarning = earned.earning
          result.redeemableMiles += segmentEarning.redeemableMiles
          result.statusBonusMiles += segmentEarning.statusBonusMiles
          for metric in earned.metrics {
            if metricTotals[metric.name] == nil, !metricOrder.contains(metric.name) { metricOrder.append(metric.name) }
            metricTotals[metric.name, default: 0] += metric.amount
          }
          if segmentEarning.redeemableMiles > 0 || earned.metrics.contains(where: { $0.amount > 0 }) { result.earningSegments += 1 }
          result.segments.append(segmentEarning)
        case .none(let reason, let cited):
          var segmentEarning = earner.skeleton(of: segment, distance: earner.distance(of: segment, in: program))
          segmentEarning.noEarningReason = reason
          for rule in cited { citations.add(rule) }
          result.segments.append(segmentEarning)
        }
        if let published = result.segments.last, published.distanceSource != "great-circle" { citations.addPublishedDistance(of: program) }
      }
      result.eliteMetrics = metricOrder.compactMap { name in
        metricTotals[name].map { total in
          .with {
            $0.name = name
            $0.amount = (total * 100).rounded() / 100
          }
        }
      }
      results.append(result)
    }

    var response = Loyalty_Advisor_V1_CalculateEarningsResponse()
    response.programs = results.sorted { ($1.redeemableMiles, $0.programID) < ($0.redeemableMiles, $1.programID) }
    response.roundingPolicy = Self.roundingPolicy
    response.orderOfOperations = Self.orderOfOperations
    response.citations = citations.citations
    return response
  }
}
