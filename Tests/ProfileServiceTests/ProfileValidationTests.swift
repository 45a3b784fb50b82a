import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import ProfileService
import SwiftProtobuf
import TestSupport
import Testing

@Suite struct ProfileValidationTests {
  /// Each case breaks one rule; the error must name the field.
  static let invalidProfiles: [(String, @Sendable (inout Loyalty_Profile_V1_Profile) -> Void)] = [
    ("profile.user_id", { $0.userID = "" }),
    ("profile.user_id", { $0.userID = "-leading-dash" }),
    ("profile.user_id", { $0.userID = "has space" }),
    ("profile.user_id", { $0.userID = String(repeating: "a", count: 65) }),
    ("profile.user_id", { $0.userID = "robert'); DROP TABLE profiles;--" }),
    ("profile.home_airport", { $0.homeAirport = "LHRX" }),
    ("profile.home_airport", { $0.homeAirport = "L1R" }),
    ("profile.display_name", { $0.displayName = String(repeating: "x", count: 101) }),
    ("profile.display_name", { $0.displayName = "bell\u{07}" }),
    ("profile.preferred_airlines[0]", { $0.preferredAirlines = ["BAW"] }),
    ("profile.preferred_airlines", { $0.preferredAirlines = (0..<11).map { "A\($0 % 10)" } }),
    ("profile.preferred_alliances[0]", { $0.preferredAlliances = [.unspecified] }),
    ("profile.preferred_alliances[0]", { $0.preferredAlliances = [.UNRECOGNIZED(42)] }),
    ("profile.memberships[0].program_id", { $0.memberships = [.with { $0.programID = "AA AAdvantage" }] }),
    ("profile.memberships[0].balance", { $0.memberships = [.with { $0.programID = "aa-aadvantage"; $0.balance = -1 }] }),
    ("profile.memberships[0].tier_expiry_date", { $0.memberships = [.with { $0.programID = "aa-aadvantage"; $0.tierExpiryDate = "2027-02-30" }] }),
    ("profile.memberships[0].member_number", { $0.memberships = [.with { $0.programID = "aa-aadvantage"; $0.memberNumber = "12 34" }] }),
    ("profile.memberships[1].program_id", { $0.memberships = [.with { $0.programID = "aa-aadvantage" }, .with { $0.programID = "aa-aadvantage" }] }),
    ("profile.memberships", { $0.memberships = (0..<31).map { index in .with { $0.programID = "p-\(index)" } } }),
    ("profile.status_goals[0].target_tier", { $0.statusGoals = [.with { $0.programID = "aa-aadvantage" }] }),
    ("profile.status_goals[0].target_date", { $0.statusGoals = [.with { $0.programID = "aa-aadvantage"; $0.targetTier = "Gold"; $0.targetDate = "next year" }] }),
  ]

  @Test(arguments: invalidProfiles.indices)
  func invalidProfilesAreRefusedNamingTheField(index: Int) async throws {
    let (field, breakRule) = Self.invalidProfiles[index]
    var profile = sampleProfile("ada")
    breakRule(&profile)
    do throws(ProfileError) {
      _ = try ProfileValidation.normalizedForCreate(profile)
      Issue.record("expected \(field) to be refused")
    } catch {
      #expect(error.rpcErrorCode == .invalidArgument)
      #expect(error.rpcErrorMessage.hasPrefix(field + ":"), "\(error.rpcErrorMessage)")
    }
  }

  @Test func leapDaysAreDates() throws {
    var profile = sampleProfile("ada")
    profile.memberships[0].tierExpiryDate = "2028-02-29"
    #expect(try ProfileValidation.normalizedForCreate(profile).memberships[0].tierExpiryDate == "2028-02-29")
  }

  @Test func invalidRequestsNeverReachTheStore() async throws {
    try await withProfileHarness { harness in
      let admin = harness.metadata(ProfileHarness.admin)
      #expect(await statusCode { try await harness.get("") } == .invalidArgument)
      #expect(await statusCode { try await harness.client.createProfile(.init(), metadata: admin) } == .invalidArgument)
      let zero = Loyalty_Profile_V1_AdjustBalanceRequest.with { $0.userID = "ada"; $0.programID = "aa-aadvantage"; $0.delta = 0; $0.requestID = "r" }
      #expect(await statusCode { try await harness.client.adjustBalance(zero, metadata: admin) } == .invalidArgument)
      var noID = zero
      noID.delta = 5
      noID.requestID = ""
      #expect(await statusCode { try await harness.client.adjustBalance(noID, metadata: admin) } == .invalidArgument)
      let journal = try await harness.store.database.journal(after: 0)
      #expect(journal.isEmpty)
    }
  }
}
