import Foundation
import LoyaltyAPI

/// The elite tier to calculate with in each program and where it comes from: the request
/// (validated: unknown programs are NOT_FOUND, unknown tiers INVALID_ARGUMENT), else the
/// traveller's profile, else the base member.
///
/// Tier names match case-insensitively and are reported as the program spells them. A
/// profile status naming a program or tier the graph does not know is passed over (the
/// base member applies, with source "default"): the profile is not part of the request, and
/// failing the call for stale profile data would leave the traveller without an answer.
struct TravellerStatuses: Sendable {
  struct Resolved: Sendable, Equatable {
    var tier: String
    /// "request", "profile" or "default".
    var source: String
  }

  private var fromRequest: [String: String] = [:]
  private var fromProfile: [String: String] = [:]

  init(_ statuses: [Loyalty_Advisor_V1_ProgramStatus], field: String, profile: [String: String], facts: LoyaltyFacts) throws(AdvisorError) {
    for (index, status) in statuses.enumerated() {
      let programField = "\(field)[\(index)].program_id"
      let programID = status.programID.trimmedWhitespace
      guard !programID.isEmpty else { throw .invalid(programField, "is required") }
      guard let program = facts.program(programID) else {
        throw .notFound("\(programField): program '\(programID)' is not in the graph")
      }
      guard fromRequest[program.id] == nil else {
        throw .invalid(programField, "'\(program.id)' is given more than once")
      }
      guard let tier = ProgramTiers(program: program, facts: facts).canonical(status.tier) else {
        throw .invalid("\(field)[\(index)].tier", ProgramTiers(program: program, facts: facts).unknownTierProblem(status.tier))
      }
      fromRequest[program.id] = tier
    }
    for (programID, tier) in profile {
      guard let program = facts.program(programID), let canonical = ProgramTiers(program: program, facts: facts).canonical(tier) else { continue }
      fromProfile[program.id] = canonical
    }
  }

  func tier(for programID: String) -> Resolved {
    if let tier = fromRequest[programID] { return Resolved(tier: tier, source: "request") }
    if let tier = fromProfile[programID] { return Resolved(tier: tier, source: "profile") }
    return Resolved(tier: "", source: "default")
  }
}

/// The tiers a program has: its EliteTier nodes, plus any tier its earning rules name (rates
/// and bonuses by tier), with "" for the base member.
struct ProgramTiers {
  let program: ProgramFact
  let names: [String]

  init(program: ProgramFact, facts: LoyaltyFacts) {
    self.program = program
    var names = facts.eliteTiers(program: program.id).map(\.name)
    var seen = Set(names)
    for rule in facts.earningRules(program: program.id) {
      for name in (Array(rule.revenueRates.keys) + Array(rule.eliteBonusPercent.keys)).sorted() where !name.isEmpty && !seen.contains(name) {
        seen.insert(name)
        names.append(name)
      }
    }
    self.names = names
  }

  /// The tier as the program spells it; "" for the base member; nil when it has no such tier.
  func canonical(_ tier: String) -> String? {
    let wanted = tier.trimmedWhitespace
    if wanted.isEmpty { return "" }
    return names.first { $0.caseInsensitiveCompare(wanted) == .orderedSame }
  }

  func unknownTierProblem(_ tier: String) -> String {
    let list = names.isEmpty ? "it has no elite tiers" : "its tiers are \(names.joined(separator: ", "))"
    return "'\(tier)' is not a tier of \(program.name); \(list) (empty for a base member)"
  }
}
