import LoyaltyAPI

/// The rules of `loyalty.profile.v2`: every v1 rule (checked on the v1 projection, so both
/// versions accept and normalise the shared fields alike) plus the v2 additions.
extension ProfileValidation {
  public static let maxQualifyingMetrics = 10

  /// Normalises and checks a whole v2 profile as submitted for creation.
  public static func normalizedForCreate(_ profile: Loyalty_Profile_V2_Profile) throws(ProfileError) -> Loyalty_Profile_V2_Profile {
    let normalized = lifting(try normalizedForCreate(StoredProfile(profile).document), withV2FieldsOf: profile)
    for (index, membership) in normalized.memberships.enumerated() {
      try validateQualifying(membership.qualifying, field: "profile.memberships[\(index)].qualifying")
    }
    try validateGoalTargets(normalized.statusGoals)
    return normalized
  }

  /// Checks and normalises one updatable field of a v2 profile in place; the paths are v1's.
  public static func normalize(path: String, of profile: inout Loyalty_Profile_V2_Profile) throws(ProfileError) {
    var document = StoredProfile(profile).document
    try normalize(path: path, of: &document)
    profile = lifting(document, withV2FieldsOf: profile)
    if path == "status_goals" {
      try validateGoalTargets(profile.statusGoals)
    }
  }

  /// Qualifying balances of one membership: at most `maxQualifyingMetrics`, one per metric.
  public static func validateQualifying(_ balances: [Loyalty_Profile_V2_QualifyingBalance], field: String) throws(ProfileError) {
    guard balances.count <= maxQualifyingMetrics else {
      throw invalid(field, "at most \(maxQualifyingMetrics) metrics")
    }
    var seen = Set<String>()
    for (index, balance) in balances.enumerated() {
      let field = "\(field)[\(index)]"
      try validateMetric(balance.metric, field: "\(field).metric")
      guard seen.insert(balance.metric).inserted else {
        throw invalid("\(field).metric", "'\(balance.metric)' appears twice")
      }
      guard (0...maxBalance).contains(balance.amount) else {
        throw invalid("\(field).amount", "must be between 0 and \(maxBalance)")
      }
      if balance.hasAsOf {
        try validateTime(balance.asOf, field: "\(field).as_of")
      }
    }
  }

  /// 1–32 lowercase letters, digits or '_', starting with a letter.
  public static func validateMetric(_ metric: String, field: String) throws(ProfileError) {
    guard !metric.isEmpty else { throw invalid(field, "is required, e.g. 'loyalty_points' or 'tier_points'") }
    let bytes = Array(metric.utf8)
    let isLower = { (byte: UInt8) in byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    guard bytes.count <= 32, isLower(bytes[0]),
      bytes.allSatisfy({ isLower($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") })
    else {
      throw invalid(field, "'\(printable(metric))' must be 1–32 lowercase letters, digits or '_' starting with a letter, e.g. 'tier_points'")
    }
  }

  /// What v2 adds to goals: a metric and a target amount each, and no two goals for the same
  /// (program_id, target_tier). The v1 rules have already run.
  static func validateGoalTargets(_ goals: [Loyalty_Profile_V2_StatusGoal]) throws(ProfileError) {
    for (index, goal) in goals.enumerated() {
      let field = "profile.status_goals[\(index)]"
      try validateMetric(goal.metric, field: "\(field).metric")
      guard (1...maxBalance).contains(goal.targetAmount) else {
        throw invalid("\(field).target_amount", "must be between 1 and \(maxBalance)")
      }
      if let earlier = goals[..<index].firstIndex(where: { $0.programID == goal.programID && $0.targetTier == goal.targetTier }) {
        throw invalid(field, "repeats status_goals[\(earlier)]: one goal per program_id and target_tier")
      }
    }
  }

  /// The v2 profile with its shared fields replaced by the normalised v1 `document`, matched
  /// by position (v1 normalisation never reorders memberships or goals).
  private static func lifting(_ document: Loyalty_Profile_V1_Profile, withV2FieldsOf original: Loyalty_Profile_V2_Profile) -> Loyalty_Profile_V2_Profile {
    var profile = StoredProfile(document: document).v2Profile
    for index in profile.memberships.indices where index < original.memberships.count {
      profile.memberships[index].qualifying = original.memberships[index].qualifying
    }
    for index in profile.statusGoals.indices where index < original.statusGoals.count {
      profile.statusGoals[index].metric = original.statusGoals[index].metric
      profile.statusGoals[index].targetAmount = original.statusGoals[index].targetAmount
    }
    return profile
  }
}
