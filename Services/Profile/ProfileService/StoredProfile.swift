import LoyaltyAPI
import SwiftProtobuf

/// A profile as stored in its row: the v1 document (what `loyalty.profile.v1` serves, in the
/// `document` column) and, beside it, what only v2 can express (the `v2_fields` column).
///
/// `v2Fields` is a `loyalty.profile.v2.Profile` holding nothing but those additions, each
/// with the keys that tie it to the document: memberships as (program_id, qualifying) and
/// status goals as (program_id, target_tier, metric, target_amount). Every other fact lives
/// only in `document`, so the two versions can never disagree about it.
public struct StoredProfile: Sendable, Equatable {
  public var document: Loyalty_Profile_V1_Profile
  public var v2Fields: Loyalty_Profile_V2_Profile

  public init(document: Loyalty_Profile_V1_Profile, v2Fields: Loyalty_Profile_V2_Profile = .init()) {
    self.document = document
    self.v2Fields = v2Fields
  }

  /// Splits a v2 profile into the v1 document and the v2 additions.
  public init(_ profile: Loyalty_Profile_V2_Profile) {
    document = .with {
      $0.userID = profile.userID
      $0.displayName = profile.displayName
      $0.homeAirport = profile.homeAirport
      $0.preferredAirlines = profile.preferredAirlines
      $0.preferredAlliances = profile.preferredAlliances.map { Loyalty_Profile_V1_Alliance(rawValue: $0.rawValue) ?? .unspecified }
      $0.memberships = profile.memberships.map { membership in
        .with {
          $0.programID = membership.programID
          $0.memberNumber = membership.memberNumber
          $0.eliteTier = membership.eliteTier
          $0.tierExpiryDate = membership.tierExpiryDate
          $0.balance = membership.balance
          if membership.hasBalanceAsOf { $0.balanceAsOf = membership.balanceAsOf }
        }
      }
      $0.statusGoals = profile.statusGoals.map { goal in
        .with {
          $0.programID = goal.programID
          $0.targetTier = goal.targetTier
          $0.targetDate = goal.targetDate
        }
      }
      if profile.hasCreateTime { $0.createTime = profile.createTime }
      if profile.hasUpdateTime { $0.updateTime = profile.updateTime }
      $0.version = profile.version
    }
    v2Fields = .with {
      $0.memberships = profile.memberships.filter { !$0.qualifying.isEmpty }.map { membership in
        .with {
          $0.programID = membership.programID
          $0.qualifying = membership.qualifying
        }
      }
      $0.statusGoals = profile.statusGoals.filter { !$0.metric.isEmpty || $0.targetAmount != 0 }.map { goal in
        .with {
          $0.programID = goal.programID
          $0.targetTier = goal.targetTier
          $0.metric = goal.metric
          $0.targetAmount = goal.targetAmount
        }
      }
    }
    pruneV2Fields()
  }

  /// The profile as v2 serves it: the document with the v2 additions joined in by key.
  public var v2Profile: Loyalty_Profile_V2_Profile {
    .with {
      $0.userID = document.userID
      $0.displayName = document.displayName
      $0.homeAirport = document.homeAirport
      $0.preferredAirlines = document.preferredAirlines
      $0.preferredAlliances = document.preferredAlliances.map { Loyalty_Profile_V2_Alliance(rawValue: $0.rawValue) ?? .unspecified }
      $0.memberships = document.memberships.map { membership in
        .with {
          $0.programID = membership.programID
          $0.memberNumber = membership.memberNumber
          $0.eliteTier = membership.eliteTier
          $0.tierExpiryDate = membership.tierExpiryDate
          $0.balance = membership.balance
          if membership.hasBalanceAsOf { $0.balanceAsOf = membership.balanceAsOf }
          if let extra = v2Fields.memberships.first(where: { $0.programID == membership.programID }) {
            $0.qualifying = extra.qualifying
          }
        }
      }
      $0.statusGoals = document.statusGoals.map { goal in
        .with {
          $0.programID = goal.programID
          $0.targetTier = goal.targetTier
          $0.targetDate = goal.targetDate
          if let extra = v2Fields.statusGoals.first(where: { Self.sameGoal($0, goal) }) {
            $0.metric = extra.metric
            $0.targetAmount = extra.targetAmount
          }
        }
      }
      if document.hasCreateTime { $0.createTime = document.createTime }
      if document.hasUpdateTime { $0.updateTime = document.updateTime }
      $0.version = document.version
    }
  }

  /// Drops the v2 additions whose membership or goal the document no longer has, and any
  /// duplicate key. The store calls it on every write, which is how v1 writes treat v2 data:
  /// a goal keeps its metric and target while a goal with the same (program_id, target_tier)
  /// exists, a membership its qualifying balances while the membership exists.
  public mutating func pruneV2Fields() {
    var programs = Set<String>()
    v2Fields.memberships = v2Fields.memberships.filter { extra in
      !extra.qualifying.isEmpty
        && document.memberships.contains { $0.programID == extra.programID }
        && programs.insert(extra.programID).inserted
    }
    var goals: [Loyalty_Profile_V2_StatusGoal] = []
    for extra in v2Fields.statusGoals
    where document.statusGoals.contains(where: { Self.sameGoal(extra, $0) }) && !goals.contains(where: { Self.sameGoal($0, extra) }) {
      goals.append(extra)
    }
    v2Fields.statusGoals = goals
  }

  private static func sameGoal(_ extra: Loyalty_Profile_V2_StatusGoal, _ goal: Loyalty_Profile_V1_StatusGoal) -> Bool {
    extra.programID == goal.programID && extra.targetTier == goal.targetTier
  }

  private static func sameGoal(_ extra: Loyalty_Profile_V2_StatusGoal, _ other: Loyalty_Profile_V2_StatusGoal) -> Bool {
    extra.programID == other.programID && extra.targetTier == other.targetTier
  }
}
