import ArgumentParser
import Foundation
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import ProfileService
import SwiftProtobuf
import TestSupport
import Testing

@Suite struct ProfileServiceV2Tests {
  @Test func createdProfilesAnswerWithGoalProgress() async throws {
    try await withProfileHarness { harness in
      let created = try await harness.createV2(sampleProfileV2("grace"))
      #expect(created.version == 1)
      #expect(created.displayName == "Grace Hopper")
      #expect(created.homeAirport == "DFW")
      #expect(created.hasCreateTime && created.hasUpdateTime)
      #expect(created.memberships[0].qualifying.map(\.amount) == [40_000])
      #expect(created.memberships[0].qualifying[0].hasAsOf, "as_of defaults to the time of the write")
      #expect(created.statusGoals.map(\.metric) == ["loyalty_points", "tier_points"])

      let response = try await harness.getV2("grace")
      #expect(response.profile == created)
      #expect(response.evaluatedOn == "2026-07-02")
      #expect(response.goalProgress.count == 2)
      let platinum = response.goalProgress[0]
      #expect(platinum.programID == "aa-aadvantage" && platinum.targetTier == "Platinum Pro" && platinum.metric == "loyalty_points")
      #expect(platinum.status == .inProgress)
      #expect(platinum.currentAmount == 40_000)
      #expect(platinum.currentAsOf == created.memberships[0].qualifying[0].asOf)
      #expect(platinum.targetAmount == 125_000)
      #expect(platinum.remainingAmount == 85_000)
      #expect(platinum.percentCompleteBp == 3_200)
      #expect(platinum.daysLeft == 182)
      #expect(platinum.expectedByNow == 62_500)
      #expect(platinum.pace == .behind)
      #expect(platinum.requiredPer30Days == 14_011)
      let silver = response.goalProgress[1]
      #expect(silver.status == .noMembership)
      #expect(silver.targetAmount == 1_500)
      #expect(!silver.hasCurrentAmount && !silver.hasPercentCompleteBp && !silver.hasDaysLeft)

      #expect(await statusCode { try await harness.createV2(sampleProfileV2("grace")) } == .alreadyExists)
      #expect(await statusCode { try await harness.getV2("nobody") } == .notFound)
    }
  }

  @Test func qualifyingActivityIsSetPerMetricOrReplaced() async throws {
    try await withProfileHarness { harness in
      _ = try await harness.createV2(sampleProfileV2("grace"))
      let admin = harness.metadata(ProfileHarness.admin)
      let asOf = Google_Protobuf_Timestamp(seconds: 1_782_000_000)
      let set = Loyalty_Profile_V2_SetQualifyingActivityRequest.with {
        $0.userID = "grace"
        $0.programID = "aa-aadvantage"
        $0.balances = [
          .with { $0.metric = "loyalty_points"; $0.amount = 130_000; $0.asOf = asOf },
          .with { $0.metric = "segments"; $0.amount = 12 },
        ]
        $0.expectedVersion = 1
      }
      let updated = try await harness.v2.setQualifyingActivity(set, metadata: admin)
      #expect(updated.version == 2)
      #expect(updated.memberships[0].qualifying.map(\.metric) == ["loyalty_points", "segments"])
      #expect(updated.memberships[0].qualifying.map(\.amount) == [130_000, 12])
      #expect(updated.memberships[0].qualifying[0].asOf == asOf)
      #expect(updated.memberships[0].qualifying[1].hasAsOf)
      #expect(updated.memberships[0].balance == 52_000, "qualifying activity is not the redeemable balance")
      let reached = try await harness.getV2("grace").goalProgress[0]
      #expect(reached.status == .reached && reached.percentCompleteBp == 10_000 && reached.remainingAmount == 0)

      // The same request again is harmless, apart from its stale expected_version.
      #expect(await statusCode { try await harness.v2.setQualifyingActivity(set, metadata: admin) } == .failedPrecondition)
      var again = set
      again.clearExpectedVersion()
      let repeated = try await harness.v2.setQualifyingActivity(again, metadata: admin).memberships[0].qualifying
      #expect(repeated.map(\.metric) == ["loyalty_points", "segments"] && repeated.map(\.amount) == [130_000, 12])
      #expect(repeated[0].asOf == asOf)

      var replace = again
      replace.replace = true
      replace.balances = [.with { $0.metric = "segments"; $0.amount = 20 }]
      let replaced = try await harness.v2.setQualifyingActivity(replace, metadata: admin)
      #expect(replaced.memberships[0].qualifying.map(\.metric) == ["segments"])
      #expect(try await harness.getV2("grace").goalProgress[0].status == .metricNotRecorded)

      replace.balances = []
      #expect(try await harness.v2.setQualifyingActivity(replace, metadata: admin).memberships[0].qualifying.isEmpty)

      let elsewhere = await rpcError {
        try await harness.v2.setQualifyingActivity(.with { $0.userID = "grace"; $0.programID = "ba-executive-club"; $0.balances = [.with { $0.metric = "tier_points" }] }, metadata: admin)
      }
      #expect(elsewhere?.code == .notFound)
      #expect(elsewhere?.message == "no membership in 'ba-executive-club'")
      let nobody = await rpcError {
        try await harness.v2.setQualifyingActivity(.with { $0.userID = "nobody"; $0.programID = "aa-aadvantage"; $0.balances = [.with { $0.metric = "pqp" }] }, metadata: admin)
      }
      #expect(nobody?.code == .notFound)
      #expect(nobody?.message == "profile 'nobody' not found")

      // Eleven metrics in all would be one too many.
      let ten = Loyalty_Profile_V2_SetQualifyingActivityRequest.with {
        $0.userID = "grace"; $0.programID = "aa-aadvantage"; $0.replace = true
        $0.balances = (0..<10).map { index in .with { $0.metric = "metric_\(index)"; $0.amount = 1 } }
      }
      _ = try await harness.v2.setQualifyingActivity(ten, metadata: admin)
      let eleventh = await rpcError {
        try await harness.v2.setQualifyingActivity(.with { $0.userID = "grace"; $0.programID = "aa-aadvantage"; $0.balances = [.with { $0.metric = "extra" }] }, metadata: admin)
      }
      #expect(eleventh?.code == .invalidArgument)
      #expect(eleventh?.message.hasPrefix("balances:") == true)
    }
  }

  /// Each request breaks one rule; the error names the field and nothing is written.
  static let invalidQualifyingRequests: [(String, @Sendable (inout Loyalty_Profile_V2_SetQualifyingActivityRequest) -> Void)] = [
    ("user_id", { $0.userID = "" }),
    ("program_id", { $0.programID = "AA" }),
    ("balances", { $0.balances = [] }),
    ("balances[0].metric", { $0.balances[0].metric = "" }),
    ("balances[0].metric", { $0.balances[0].metric = "Loyalty Points" }),
    ("balances[0].metric", { $0.balances[0].metric = "9lives" }),
    ("balances[1].metric", { $0.balances.append($0.balances[0]) }),
    ("balances[0].amount", { $0.balances[0].amount = -1 }),
    ("balances[0].amount", { $0.balances[0].amount = 10_000_000_001 }),
    ("balances[0].as_of", { $0.balances[0].asOf = Google_Protobuf_Timestamp(seconds: 12) }),
    ("balances", { request in request.balances = (0..<11).map { index in .with { $0.metric = "m\(index)" } } }),
  ]

  @Test(arguments: invalidQualifyingRequests.indices)
  func invalidQualifyingActivityIsRefusedNamingTheField(index: Int) async throws {
    let (field, breakRule) = Self.invalidQualifyingRequests[index]
    try await withProfileHarness { harness in
      var request = Loyalty_Profile_V2_SetQualifyingActivityRequest.with {
        $0.userID = "grace"; $0.programID = "aa-aadvantage"; $0.balances = [.with { $0.metric = "loyalty_points"; $0.amount = 5 }]
      }
      breakRule(&request)
      let error = await rpcError { try await harness.v2.setQualifyingActivity(request, metadata: harness.metadata(ProfileHarness.admin)) }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.hasPrefix(field + ":") == true, "\(error?.message ?? "no error")")
      let journal = try await harness.store.database.journal(after: 0)
      #expect(journal.isEmpty)
    }
  }

  @Test func updatesApplyTheMaskIncludingMeasurableGoals() async throws {
    try await withProfileHarness { harness in
      let created = try await harness.createV2(sampleProfileV2("grace"))
      let admin = harness.metadata(ProfileHarness.admin)
      let goals: [Loyalty_Profile_V2_StatusGoal] = [
        .with { $0.programID = "aa-aadvantage"; $0.targetTier = " Executive Platinum "; $0.targetDate = "2026-12-31"; $0.metric = "loyalty_points"; $0.targetAmount = 200_000 }
      ]
      let request = Loyalty_Profile_V2_UpdateProfileRequest.with {
        $0.profile = .with { $0.userID = "grace"; $0.statusGoals = goals; $0.displayName = "ignored" }
        $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["status_goals"])
        $0.expectedVersion = created.version
      }
      let updated = try await harness.v2.updateProfile(request, metadata: admin)
      #expect(updated.version == 2)
      #expect(updated.displayName == "Grace Hopper")
      #expect(updated.statusGoals.map(\.targetTier) == ["Executive Platinum"])
      #expect(updated.statusGoals.map(\.targetAmount) == [200_000])
      #expect(updated.memberships == created.memberships)
      #expect(try await harness.getV2("grace").goalProgress.map(\.percentCompleteBp) == [2_000])

      let stale = await rpcError { try await harness.v2.updateProfile(request, metadata: admin) }
      #expect(stale?.code == .failedPrecondition)
      #expect(stale?.message.contains("stored version 2") == true)

      var rename = request
      rename.clearExpectedVersion()
      rename.updateMask = Google_Protobuf_FieldMask(protoPaths: ["display_name", "home_airport"])
      rename.profile.homeAirport = "ord"
      let renamed = try await harness.v2.updateProfile(rename, metadata: admin)
      #expect(renamed.displayName == "ignored" && renamed.homeAirport == "ORD")
      #expect(renamed.statusGoals == updated.statusGoals)

      let refusals: [(String, @Sendable (inout Loyalty_Profile_V2_UpdateProfileRequest) -> Void)] = [
        ("update_mask", { $0.updateMask = Google_Protobuf_FieldMask() }),
        ("update_mask", { $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["memberships"]) }),
        ("profile.status_goals[0].metric", { $0.profile.statusGoals[0].metric = "" }),
        ("profile.status_goals[0].target_amount", { $0.profile.statusGoals[0].targetAmount = 0 }),
        ("profile.status_goals[1]", { $0.profile.statusGoals.append($0.profile.statusGoals[0]) }),
        ("profile.status_goals[0].target_date", { $0.profile.statusGoals[0].targetDate = "2026-02-30" }),
        ("profile.user_id", { $0.profile.userID = "" }),
      ]
      for (field, breakRule) in refusals {
        var broken = request
        broken.clearExpectedVersion()
        breakRule(&broken)
        let error = await rpcError { try await harness.v2.updateProfile(broken, metadata: admin) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.hasPrefix(field + ":") == true, "\(error?.message ?? "no error")")
      }
      #expect(try await harness.getV2("grace").profile.version == 3)
    }
  }

  @Test func deletingThroughV2RemovesTheProfileForBothVersions() async throws {
    try await withProfileHarness { harness in
      _ = try await harness.create(sampleProfile("ada"))
      let admin = harness.metadata(ProfileHarness.admin)
      #expect(await statusCode { try await harness.v2.deleteProfile(.with { $0.userID = "ada"; $0.expectedVersion = 7 }, metadata: admin) } == .failedPrecondition)
      _ = try await harness.v2.deleteProfile(.with { $0.userID = "ada"; $0.expectedVersion = 1 }, metadata: admin)
      #expect(await statusCode { try await harness.get("ada") } == .notFound)
      #expect(await statusCode { try await harness.getV2("ada") } == .notFound)
      let missing = await rpcError { try await harness.v2.deleteProfile(.with { $0.userID = "ada" }, metadata: admin) }
      #expect(missing?.code == .notFound && missing?.message == "profile 'ada' not found")
    }
  }

  @Test func travellersReachOnlyTheirOwnV2Profile() async throws {
    try await withProfileHarness { harness in
      let ada = ProfileHarness.traveler("grace")
      _ = try await harness.createV2(sampleProfileV2("grace"), as: ada)
      _ = try await harness.createV2(sampleProfileV2("bob"))
      let asGrace = harness.metadata(ada)
      #expect(try await harness.getV2("grace", as: ada).profile.userID == "grace")
      let denied = await rpcError { try await harness.getV2("bob", as: ada) }
      #expect(denied?.code == .permissionDenied)
      #expect(await statusCode { try await harness.getV2("bob", as: Principal(subject: "grace", role: .curator)) } == .permissionDenied)
      #expect(await statusCode { try await harness.getV2("bob", as: nil) } == .unauthenticated)
      #expect(await statusCode { try await harness.createV2(sampleProfileV2("carol"), as: ada) } == .permissionDenied)
      let update = Loyalty_Profile_V2_UpdateProfileRequest.with {
        $0.profile = .with { $0.userID = "bob"; $0.displayName = "mallory" }
        $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["display_name"])
      }
      #expect(await statusCode { try await harness.v2.updateProfile(update, metadata: asGrace) } == .permissionDenied)
      let set = Loyalty_Profile_V2_SetQualifyingActivityRequest.with {
        $0.userID = "bob"; $0.programID = "aa-aadvantage"; $0.balances = [.with { $0.metric = "loyalty_points"; $0.amount = 1 }]
      }
      #expect(await statusCode { try await harness.v2.setQualifyingActivity(set, metadata: asGrace) } == .permissionDenied)
      #expect(await statusCode { try await harness.v2.deleteProfile(.with { $0.userID = "bob" }, metadata: asGrace) } == .permissionDenied)
      #expect(try await harness.getV2("bob").profile.version == 1)
      var own = set
      own.userID = "grace"
      #expect(try await harness.v2.setQualifyingActivity(own, metadata: asGrace).version == 2)
    }
  }

  /// Each profile breaks one rule; the error must name the field.
  static let invalidProfiles: [(String, @Sendable (inout Loyalty_Profile_V2_Profile) -> Void)] = [
    ("profile.user_id", { $0.userID = "" }),
    ("profile.home_airport", { $0.homeAirport = "XX1" }),
    ("profile.preferred_alliances[0]", { $0.preferredAlliances = [.unspecified] }),
    ("profile.preferred_alliances[0]", { $0.preferredAlliances = [.UNRECOGNIZED(42)] }),
    ("profile.memberships[0].balance", { $0.memberships[0].balance = -5 }),
    ("profile.memberships[1].program_id", { $0.memberships.append($0.memberships[0]) }),
    ("profile.memberships[0].qualifying[0].metric", { $0.memberships[0].qualifying[0].metric = "" }),
    ("profile.memberships[0].qualifying[0].metric", { $0.memberships[0].qualifying[0].metric = String(repeating: "a", count: 33) }),
    ("profile.memberships[0].qualifying[1].metric", { $0.memberships[0].qualifying.append($0.memberships[0].qualifying[0]) }),
    ("profile.memberships[0].qualifying[0].amount", { $0.memberships[0].qualifying[0].amount = -1 }),
    ("profile.memberships[0].qualifying[0].as_of", { $0.memberships[0].qualifying[0].asOf = Google_Protobuf_Timestamp(seconds: 4_200_000_000) }),
    ("profile.memberships[0].qualifying", { profile in profile.memberships[0].qualifying = (0..<11).map { index in .with { $0.metric = "m\(index)" } } }),
    ("profile.status_goals[0].program_id", { $0.statusGoals[0].programID = "" }),
    ("profile.status_goals[0].target_tier", { $0.statusGoals[0].targetTier = "  " }),
    ("profile.status_goals[0].target_date", { $0.statusGoals[0].targetDate = "31/12/2026" }),
    ("profile.status_goals[0].metric", { $0.statusGoals[0].metric = "" }),
    ("profile.status_goals[1].metric", { $0.statusGoals[1].metric = "tier-points" }),
    ("profile.status_goals[0].target_amount", { $0.statusGoals[0].targetAmount = 0 }),
    ("profile.status_goals[0].target_amount", { $0.statusGoals[0].targetAmount = 10_000_000_001 }),
    ("profile.status_goals[2]", { $0.statusGoals.append($0.statusGoals[0]) }),
    ("profile.status_goals[1]", { profile in profile.statusGoals[1] = profile.statusGoals[0]; profile.statusGoals[1].targetTier = " Platinum Pro " }),
    ("profile.status_goals", { profile in profile.statusGoals = (0..<11).map { index in .with { $0.programID = "p-\(index)"; $0.targetTier = "Gold"; $0.metric = "pqp"; $0.targetAmount = 1 } } }),
  ]

  @Test(arguments: invalidProfiles.indices)
  func invalidProfilesAreRefusedNamingTheField(index: Int) async throws {
    let (field, breakRule) = Self.invalidProfiles[index]
    var profile = sampleProfileV2("grace")
    breakRule(&profile)
    do throws(ProfileError) {
      _ = try ProfileValidation.normalizedForCreate(profile)
      Issue.record("expected \(field) to be refused")
    } catch {
      #expect(error.rpcErrorCode == .invalidArgument)
      #expect(error.rpcErrorMessage.hasPrefix(field + ":"), "\(error.rpcErrorMessage)")
    }
  }

  @Test func invalidRequestsNeverReachTheStore() async throws {
    try await withProfileHarness { harness in
      let admin = harness.metadata(ProfileHarness.admin)
      #expect(await statusCode { try await harness.getV2("") } == .invalidArgument)
      let missing = await rpcError { try await harness.v2.createProfile(.init(), metadata: admin) }
      #expect(missing?.code == .invalidArgument && missing?.message == "profile: is required")
      var unmeasured = sampleProfileV2("grace")
      unmeasured.statusGoals[0].metric = ""
      let error = await rpcError { try await harness.createV2(unmeasured) }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.hasPrefix("profile.status_goals[0].metric: is required") == true)
      let journal = try await harness.store.database.journal(after: 0)
      #expect(journal.isEmpty)
    }
  }

  @Test func theServerHostsAndReportsBothVersions() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profile-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let environment = [
      "LOYALTY_DATA_DIR": directory.path, "LOYALTY_GRPC_PORT": "0", "LOYALTY_ADMIN_PORT": "0",
      "LOYALTY_INTERNAL_SECRET": String(decoding: harnessSecret, as: UTF8.self),
    ]
    let service = try RuntimeConfig(options: ServiceOptions.parse([]), defaults: profileServiceDefaults, environment: environment)
    let application = try makeProfileServer(config: ProfileConfig(service: service, durability: .normal), logger: Logger(label: "profile-tests"))
    #expect(application.health.status(of: Loyalty_Profile_V1_ProfileService.descriptor.fullyQualifiedService) != nil)
    #expect(application.health.status(of: Loyalty_Profile_V2_ProfileService.descriptor.fullyQualifiedService) != nil)
    await application.database?.close()
  }
}
