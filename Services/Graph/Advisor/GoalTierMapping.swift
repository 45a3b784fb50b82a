/// The tier of a program equivalent to a status goal set in another program: the goal itself
/// in its own program; else the lowest tier granting the same alliance status (e.g. "Oneworld
/// Emerald"); else the tier of the same rank; else the program's nearest rank (its top tier
/// when the goal ranks higher than any it has).
struct GoalTierMapping {
  var tier: EliteTierFact
  /// How the tier was chosen, for the explanation.
  var reason: String

  init?(goal: EliteTierFact, goalProgram: ProgramFact, in program: ProgramFact, tiers: [EliteTierFact]) {
    if program.id == goalProgram.id {
      tier = goal
      reason = "the goal itself"
      return
    }
    guard !tiers.isEmpty else { return nil }
    if let alliance = goal.allianceTier, let same = tiers.first(where: { $0.allianceTier == alliance }) {
      tier = same
      reason = "the \(program.name) tier with the goal's alliance status (\(alliance))"
    } else if let same = tiers.first(where: { $0.rank == goal.rank }) {
      tier = same
      reason = "the \(program.name) tier of the same rank (\(goal.rank)) as \(goal.name)\(goal.allianceTier == nil ? "" : "; none grants \(goal.allianceTier!)")"
    } else {
      // Tiers are sorted by rank: the nearest is the top one or the bottom one.
      let nearest = goal.rank > tiers.last!.rank ? tiers.last! : tiers.first!
      tier = nearest
      reason = "the \(program.name) tier nearest in rank (\(nearest.rank)) to \(goal.name) (rank \(goal.rank))"
    }
  }
}
