import Foundation
import GRDB
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import ProfileService
import SwiftProtobuf
import TestSupport
import Testing

/// v1 and v2 of the profile API over one store: the same rows, versions and journal.
@Suite struct ProfileVersionInteropTests {
  @Test func aV1ProfileReadsThroughV2WithUnmeasuredGoals() async throws {
    try await withProfileHarness { harness in
      var profile = sampleProfile("ada")
      profile.statusGoals = [.with { $0.programID = "ba-executive-club"; $0.targetTier = "Gold"; $0.targetDate = "2026-12-31" }]
      let created = try await harness.create(profile)
      let response = try await harness.getV2("ada")
      #expect(StoredProfile(response.profile).document == created)
      #expect(response.profile.memberships[0].qualifying.isEmpty)
      #expect(response.profile.statusGoals[0].metric.isEmpty && response.profile.statusGoals[0].targetAmount == 0)
      #expect(response.goalProgress.map(\.status) == [.targetNotSet])
      #expect(response.goalProgress[0].daysLeft == 182)
      #expect(!response.goalProgress[0].hasPercentCompleteBp)
    }
  }

  @Test func v2AdditionsSurviveV1WritesAsDocumented() async throws {
    try await withProfileHarness { harness in
      var profile = sampleProfile("ada")
      profile.statusGoals = [.with { $0.programID = "ba-executive-club"; $0.targetTier = "Gold"; $0.targetDate = "2026-12-31" }]
      _ = try await harness.create(profile)
      let admin = harness.metadata(ProfileHarness.admin)

      // v2 makes the goal measurable, adds one, and records qualifying activity.
      let goals: [Loyalty_Profile_V2_StatusGoal] = [
        .with { $0.programID = "ba-executive-club"; $0.targetTier = "Gold"; $0.targetDate = "2026-12-31"; $0.metric = "tier_points"; $0.targetAmount = 3_500 },
        .with { $0.programID = "ba-executive-club"; $0.targetTier = "Gold Guest List"; $0.metric = "tier_points"; $0.targetAmount = 5_000 },
      ]
      _ = try await harness.v2.updateProfile(.with {
        $0.profile = .with { $0.userID = "ada"; $0.statusGoals = goals }
        $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["status_goals"])
        $0.expectedVersion = 1  // the version v1 returned
      }, metadata: admin)
      let afterSet = try await harness.v2.setQualifyingActivity(.with {
        $0.userID = "ada"; $0.programID = "ba-executive-club"; $0.balances = [.with { $0.metric = "tier_points"; $0.amount = 1_750 }]
      }, metadata: admin)
      #expect(afterSet.version == 3)

      // v1 sees the same profile, version and goals, without what it cannot express.
      let v1 = try await harness.get("ada")
      #expect(v1.version == 3)
      #expect(v1.statusGoals.map(\.targetTier) == ["Gold", "Gold Guest List"])
      #expect(v1.statusGoals.map(\.targetDate) == ["2026-12-31", ""])
      #expect(v1.memberships[0].balance == 1000)
      #expect(v1 == StoredProfile(afterSet).document)

      // v1 writes through expected_version from v2; balances and memberships keep qualifying.
      _ = try await harness.client.adjustBalance(.with { $0.userID = "ada"; $0.programID = "ba-executive-club"; $0.delta = 500; $0.requestID = "flight-1" }, metadata: admin)
      _ = try await harness.client.updateMembership(.with {
        $0.userID = "ada"; $0.membership = .with { $0.programID = "ba-executive-club"; $0.eliteTier = "Gold" }
        $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["elite_tier"])
        $0.expectedVersion = 4
      }, metadata: admin)
      var read = try await harness.getV2("ada")
      #expect(read.profile.version == 5)
      #expect(read.profile.memberships[0].balance == 1_500 && read.profile.memberships[0].eliteTier == "Gold")
      #expect(read.profile.memberships[0].qualifying.map(\.amount) == [1_750])
      #expect(read.goalProgress.map(\.percentCompleteBp) == [5_000, 3_500])

      // A v1 update of status_goals keeps metric and target where (program_id, target_tier)
      // still matches, takes v1's target_date, and drops the rest.
      _ = try await harness.client.updateProfile(.with {
        $0.profile = .with {
          $0.userID = "ada"
          $0.statusGoals = [
            .with { $0.programID = "ba-executive-club"; $0.targetTier = "Gold"; $0.targetDate = "2027-03-31" },
            .with { $0.programID = "aa-aadvantage"; $0.targetTier = "Gold" },
          ]
        }
        $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["status_goals"])
      }, metadata: admin)
      read = try await harness.getV2("ada")
      #expect(read.profile.statusGoals.map(\.targetDate) == ["2027-03-31", ""])
      #expect(read.profile.statusGoals.map(\.metric) == ["tier_points", ""])
      #expect(read.profile.statusGoals.map(\.targetAmount) == [3_500, 0])
      #expect(read.goalProgress.map(\.status) == [.inProgress, .targetNotSet])
      #expect(read.goalProgress[0].daysLeft == 272)

      // Goals v1 dropped do not come back with their old targets when v1 adds them again.
      _ = try await harness.client.updateProfile(.with {
        $0.profile = .with { $0.userID = "ada"; $0.statusGoals = [.with { $0.programID = "ba-executive-club"; $0.targetTier = "Gold Guest List" }] }
        $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["status_goals"])
      }, metadata: admin)
      #expect(try await harness.getV2("ada").goalProgress.map(\.status) == [.targetNotSet])

      // Removing a membership through v1 drops its qualifying activity for good.
      _ = try await harness.client.removeMembership(.with { $0.userID = "ada"; $0.programID = "ba-executive-club" }, metadata: admin)
      _ = try await harness.client.addMembership(.with { $0.userID = "ada"; $0.membership = .with { $0.programID = "ba-executive-club" } }, metadata: admin)
      read = try await harness.getV2("ada")
      #expect(read.profile.memberships.map(\.programID) == ["ba-executive-club"])
      #expect(read.profile.memberships[0].qualifying.isEmpty)

      // Stale versions fail the same way in both directions.
      let stale = await rpcError {
        try await harness.v2.setQualifyingActivity(.with {
          $0.userID = "ada"; $0.programID = "ba-executive-club"; $0.balances = [.with { $0.metric = "tier_points" }]; $0.expectedVersion = 5
        }, metadata: admin)
      }
      #expect(stale?.code == .failedPrecondition)
      #expect(await statusCode {
        try await harness.client.deleteProfile(.with { $0.userID = "ada"; $0.expectedVersion = 5 }, metadata: admin)
      } == .failedPrecondition)
    }
  }

  @Test func aV2ProfileReadsThroughV1AndIsListed() async throws {
    try await withProfileHarness { harness in
      let created = try await harness.createV2(sampleProfileV2("grace"))
      let v1 = try await harness.get("grace")
      #expect(v1.version == 1 && v1.displayName == "Grace Hopper")
      #expect(v1.memberships.map(\.programID) == ["aa-aadvantage"])
      #expect(v1.statusGoals.map(\.targetTier) == ["Platinum Pro", "Silver"])
      #expect(v1 == StoredProfile(created).document)
      let listed = try await harness.client.listProfiles(.init(), metadata: harness.metadata(ProfileHarness.admin))
      #expect(listed.profiles == [v1])

      // A v1 change to other fields leaves the v2 additions as they were.
      _ = try await harness.client.updateProfile(.with {
        $0.profile = .with { $0.userID = "grace"; $0.homeAirport = "ord" }
        $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["home_airport"])
      }, metadata: harness.metadata(ProfileHarness.admin))
      let read = try await harness.getV2("grace").profile
      #expect(read.homeAirport == "ORD" && read.version == 2)
      #expect(read.statusGoals == created.statusGoals && read.memberships == created.memberships)
    }
  }

  /// The row keeps a plain v1 document (what v1 readers, replicas and restores of older
  /// builds decode) and only the v2 additions beside it, both in the journal's row image.
  @Test func theStoredDocumentStaysV1AndTheAdditionsSitBesideIt() async throws {
    try await withProfileHarness { harness in
      let created = try await harness.createV2(sampleProfileV2("grace"))
      let record = try #require(try await harness.store.database.journal(after: 0).last)
      #expect(record.entity == "profiles" && record.key == "grace")
      let row = try #require(try JSONSerialization.jsonObject(with: record.value) as? [String: Any])
      let document = try Loyalty_Profile_V1_Profile(jsonString: try #require(row["document"] as? String))
      #expect(document == StoredProfile(created).document)
      let additions = try Loyalty_Profile_V2_Profile(jsonString: try #require(row["v2_fields"] as? String))
      #expect(additions.userID.isEmpty && additions.displayName.isEmpty && additions.version == 0)
      #expect(additions.memberships.map(\.programID) == ["aa-aadvantage"])
      #expect(additions.memberships[0].qualifying == created.memberships[0].qualifying)
      #expect(additions.memberships[0].memberNumber.isEmpty)
      #expect(additions.statusGoals.map(\.metric) == ["loyalty_points", "tier_points"])
      #expect(additions.statusGoals.allSatisfy { $0.targetDate.isEmpty })

      // A v1-only profile carries an empty object.
      _ = try await harness.create(sampleProfile("ada"))
      let plain = try #require(try await harness.store.database.journal(after: 0).last)
      let plainRow = try #require(try JSONSerialization.jsonObject(with: plain.value) as? [String: Any])
      #expect(plainRow["v2_fields"] as? String == "{}")
    }
  }

  /// A database written before v2 gains the column on open, and its profiles read and write
  /// through v2.
  @Test func aDatabaseFromBeforeV2IsMigrated() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profile-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("profile.sqlite")
    let logger = Logger(label: "profile-tests")
    var profile = sampleProfile("ada")
    profile.version = 4
    profile.statusGoals = [.with { $0.programID = "ba-executive-club"; $0.targetTier = "Gold" }]
    let document = try profile.jsonString()

    let old = try ServiceDatabase(
      path: path, migrations: Array(ProfileStore.migrations.prefix(1)), tables: [ProfileStore.profilesTable, ProfileStore.adjustmentsTable],
      durability: .normal, logger: logger)
    try await old.write { _, journal in
      try journal.upsert(ProfileStore.profilesTable.name, [
        "user_id": "ada".databaseValue, "version": 4.databaseValue, "home_airport": "LHR".databaseValue,
        "created_at": 0.databaseValue, "updated_at": 0.databaseValue, "document": document.databaseValue,
      ])
    }
    await old.close()

    let database = try ProfileStore.openDatabase(at: path, durability: .normal, logger: logger)
    let store = ProfileStore(database: database)
    let stored = try await store.storedProfile("ada")
    #expect(stored.document == profile)
    #expect(stored.v2Fields == Loyalty_Profile_V2_Profile())
    let changed = try await store.modifyStored("ada", expectedVersion: 4) { stored in
      var v2 = stored.v2Profile
      v2.statusGoals[0].metric = "tier_points"
      v2.statusGoals[0].targetAmount = 3_500
      stored = StoredProfile(v2)
    }
    #expect(changed.document.version == 5)
    #expect(try await store.storedProfile("ada").v2Profile.statusGoals[0].targetAmount == 3_500)
    await database.close()

    // Reopened, the additions come from the row, not from a cache.
    let reopened = try ProfileStore.openDatabase(at: path, durability: .normal, logger: logger)
    #expect(try await ProfileStore(database: reopened).storedProfile("ada") == changed)
    await reopened.close()
  }

  @Test func splittingAndJoiningAreInverse() {
    let profile = sampleProfileV2("grace")
    let stored = StoredProfile(profile)
    #expect(stored.v2Profile == profile)
    #expect(StoredProfile(stored.v2Profile) == stored)
    // Two v1 goals with one key share that key's additions; duplicate additions collapse.
    var twice = stored
    twice.document.statusGoals.append(twice.document.statusGoals[0])
    twice.v2Fields.statusGoals.append(twice.v2Fields.statusGoals[0])
    twice.pruneV2Fields()
    #expect(twice.v2Fields.statusGoals.count == 2)
    #expect(twice.v2Profile.statusGoals.map(\.targetAmount) == [125_000, 1_500, 125_000])
  }
}
