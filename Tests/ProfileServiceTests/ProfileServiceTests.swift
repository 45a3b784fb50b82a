import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import ProfileService
import SwiftProtobuf
import TestSupport
import Testing

@Suite struct ProfileServiceTests {
  @Test func createdProfilesAreNormalisedAndVersioned() async throws {
    try await withProfileHarness { harness in
      let created = try await harness.create(sampleProfile("ada"))
      #expect(created.version == 1)
      #expect(created.displayName == "Ada Lovelace")
      #expect(created.homeAirport == "LHR")
      #expect(created.preferredAirlines == ["BA", "AA"])
      #expect(created.hasCreateTime && created.hasUpdateTime)
      #expect(try await harness.get("ada") == created)
      #expect(await statusCode { try await harness.create(sampleProfile("ada")) } == .alreadyExists)
    }
  }

  @Test func travellersReachOnlyTheirOwnProfile() async throws {
    try await withProfileHarness { harness in
      _ = try await harness.create(sampleProfile("ada"), as: ProfileHarness.traveler("ada"))
      _ = try await harness.create(sampleProfile("bob"))
      #expect(try await harness.get("ada", as: ProfileHarness.traveler("ada")).userID == "ada")
      #expect(await statusCode { try await harness.get("bob", as: ProfileHarness.traveler("ada")) } == .permissionDenied)
      #expect(await statusCode { try await harness.get("bob", as: Principal(subject: "ada", role: .curator)) } == .permissionDenied)
      #expect(await statusCode { try await harness.create(sampleProfile("carol"), as: ProfileHarness.traveler("ada")) } == .permissionDenied)
      let delete = Loyalty_Profile_V1_DeleteProfileRequest.with { $0.userID = "bob" }
      #expect(await statusCode { try await harness.client.deleteProfile(delete, metadata: harness.metadata(ProfileHarness.traveler("ada"))) } == .permissionDenied)
      #expect(await statusCode { try await harness.client.listProfiles(.init(), metadata: harness.metadata(ProfileHarness.traveler("ada"))) } == .permissionDenied)
      #expect(await statusCode { try await harness.get("ada", as: nil) } == .unauthenticated)
    }
  }

  @Test func updatesApplyOnlyTheMaskedFieldsAndCheckTheVersion() async throws {
    try await withProfileHarness { harness in
      let created = try await harness.create(sampleProfile("ada"))
      let request = Loyalty_Profile_V1_UpdateProfileRequest.with {
        $0.profile = .with { $0.userID = "ada"; $0.homeAirport = "jfk"; $0.displayName = "ignored" }
        $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["home_airport"])
        $0.expectedVersion = created.version
      }
      let updated = try await harness.client.updateProfile(request, metadata: harness.metadata(ProfileHarness.admin))
      #expect(updated.homeAirport == "JFK")
      #expect(updated.displayName == "Ada Lovelace")
      #expect(updated.version == 2)
      #expect(updated.memberships == created.memberships)

      let stale = await rpcError { try await harness.client.updateProfile(request, metadata: harness.metadata(ProfileHarness.admin)) }
      #expect(stale?.code == .failedPrecondition)
      #expect(stale?.message.contains("stored version 2") == true)

      var unknownPath = request
      unknownPath.updateMask = Google_Protobuf_FieldMask(protoPaths: ["memberships"])
      let refused = await rpcError { try await harness.client.updateProfile(unknownPath, metadata: harness.metadata(ProfileHarness.admin)) }
      #expect(refused?.code == .invalidArgument)
      #expect(refused?.message.hasPrefix("update_mask") == true)

      var emptyMask = request
      emptyMask.updateMask = Google_Protobuf_FieldMask()
      #expect(await statusCode { try await harness.client.updateProfile(emptyMask, metadata: harness.metadata(ProfileHarness.admin)) } == .invalidArgument)
    }
  }

  @Test func membershipsAreAddedChangedAndRemoved() async throws {
    try await withProfileHarness { harness in
      _ = try await harness.create(sampleProfile("ada"))
      let admin = harness.metadata(ProfileHarness.admin)
      let add = Loyalty_Profile_V1_AddMembershipRequest.with {
        $0.userID = "ada"
        $0.membership = .with { $0.programID = "aa-aadvantage"; $0.eliteTier = "Gold"; $0.tierExpiryDate = "2027-01-31"; $0.balance = 5 }
      }
      let added = try await harness.client.addMembership(add, metadata: admin)
      #expect(added.memberships.map(\.programID) == ["ba-executive-club", "aa-aadvantage"])
      #expect(await statusCode { try await harness.client.addMembership(add, metadata: admin) } == .alreadyExists)

      let update = Loyalty_Profile_V1_UpdateMembershipRequest.with {
        $0.userID = "ada"
        $0.membership = .with { $0.programID = "aa-aadvantage"; $0.eliteTier = "Platinum"; $0.balance = 999 }
        $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["elite_tier"])
      }
      let updated = try await harness.client.updateMembership(update, metadata: admin)
      #expect(updated.memberships[1].eliteTier == "Platinum")
      #expect(updated.memberships[1].balance == 5)

      let remove = Loyalty_Profile_V1_RemoveMembershipRequest.with { $0.userID = "ada"; $0.programID = "aa-aadvantage" }
      #expect(try await harness.client.removeMembership(remove, metadata: admin).memberships.count == 1)
      #expect(await statusCode { try await harness.client.removeMembership(remove, metadata: admin) } == .notFound)
    }
  }

  @Test func balanceAdjustmentsApplyOncePerRequestID() async throws {
    try await withProfileHarness { harness in
      _ = try await harness.create(sampleProfile("ada"))
      let metadata = harness.metadata(ProfileHarness.traveler("ada"))
      let earn = Loyalty_Profile_V1_AdjustBalanceRequest.with {
        $0.userID = "ada"; $0.programID = "ba-executive-club"; $0.delta = 250; $0.requestID = "flight-1"
      }
      let first = try await harness.client.adjustBalance(earn, metadata: metadata)
      let again = try await harness.client.adjustBalance(earn, metadata: metadata)
      #expect(first.balance == 1250 && !first.replayed)
      #expect(again.balance == 1250 && again.replayed && again.version == first.version)
      #expect(try await harness.get("ada").memberships[0].balance == 1250)

      var different = earn
      different.delta = 300
      #expect(await statusCode { try await harness.client.adjustBalance(different, metadata: metadata) } == .alreadyExists)

      let overdraw = Loyalty_Profile_V1_AdjustBalanceRequest.with {
        $0.userID = "ada"; $0.programID = "ba-executive-club"; $0.delta = -5000; $0.requestID = "redeem-1"
      }
      #expect(await statusCode { try await harness.client.adjustBalance(overdraw, metadata: metadata) } == .failedPrecondition)
      var unknownProgram = overdraw
      unknownProgram.programID = "ua-mileageplus"
      unknownProgram.requestID = "redeem-2"
      #expect(await statusCode { try await harness.client.adjustBalance(unknownProgram, metadata: metadata) } == .notFound)
    }
  }

  @Test func listingPagesThroughEveryProfileInOrder() async throws {
    try await withProfileHarness { harness in
      for index in 0..<7 { _ = try await harness.create(sampleProfile("user-\(index)")) }
      var seen: [String] = []
      var token = ""
      repeat {
        let page = try await harness.client.listProfiles(.with { $0.pageSize = 3; $0.pageToken = token }, metadata: harness.metadata(ProfileHarness.admin))
        seen += page.profiles.map(\.userID)
        token = page.nextPageToken
      } while !token.isEmpty
      #expect(seen == (0..<7).map { "user-\($0)" })
      #expect(await statusCode { try await harness.client.listProfiles(.with { $0.pageToken = "bogus!" }, metadata: harness.metadata(ProfileHarness.admin)) } == .invalidArgument)
      #expect(await statusCode { try await harness.client.listProfiles(.with { $0.pageSize = 501 }, metadata: harness.metadata(ProfileHarness.admin)) } == .invalidArgument)
    }
  }

  @Test func deletedProfilesAreGoneWithTheirHistory() async throws {
    try await withProfileHarness { harness in
      _ = try await harness.create(sampleProfile("ada"))
      let admin = harness.metadata(ProfileHarness.admin)
      _ = try await harness.client.adjustBalance(.with { $0.userID = "ada"; $0.programID = "ba-executive-club"; $0.delta = 1; $0.requestID = "r" }, metadata: admin)
      #expect(await statusCode { try await harness.client.deleteProfile(.with { $0.userID = "ada"; $0.expectedVersion = 1 }, metadata: admin) } == .failedPrecondition)
      _ = try await harness.client.deleteProfile(.with { $0.userID = "ada" }, metadata: admin)
      #expect(await statusCode { try await harness.get("ada") } == .notFound)
      let journal = try await harness.store.database.journal(after: 0)
      #expect(journal.suffix(2).map(\.operation) == [.delete, .delete])
      // A new profile with the same id starts a fresh balance history.
      _ = try await harness.create(sampleProfile("ada"))
      let replay = try await harness.client.adjustBalance(.with { $0.userID = "ada"; $0.programID = "ba-executive-club"; $0.delta = 1; $0.requestID = "r" }, metadata: admin)
      #expect(!replay.replayed)
    }
  }
}
