import Foundation
import GRPCCore
import TestSupport
import GRPCInProcessTransport
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import ProfileService
import SwiftProtobuf

let harnessSecret = Array("profile-service-tests-secret-0123456789".utf8)

/// Calls a real `ProfileService` and `ProfileServiceV2` (with the identity interceptor and a
/// temporary database they share) over the in-process transport, signing each call as the
/// given principal. v2 evaluates goal progress on `ProfileHarness.today`.
struct ProfileHarness {
  let client: Loyalty_Profile_V1_ProfileService.Client<InProcessTransport.Client>
  let v2: Loyalty_Profile_V2_ProfileService.Client<InProcessTransport.Client>
  let identity: InternalIdentity
  let store: ProfileStore

  static let admin = Principal(subject: "ops", role: .admin)
  static let today = CalendarDate(year: 2026, month: 7, day: 2)!
  static func traveler(_ id: String) -> Principal { Principal(subject: id, role: .traveler) }

  func metadata(_ principal: Principal?) -> Metadata {
    var metadata = Metadata()
    if let principal { identity.sign(&metadata, as: principal) }
    return metadata
  }

  func create(_ profile: Loyalty_Profile_V1_Profile, as principal: Principal = admin) async throws -> Loyalty_Profile_V1_Profile {
    try await client.createProfile(.with { $0.profile = profile }, metadata: metadata(principal))
  }

  func get(_ userID: String, as principal: Principal? = admin) async throws -> Loyalty_Profile_V1_Profile {
    try await client.getProfile(.with { $0.userID = userID }, metadata: metadata(principal))
  }

  func createV2(_ profile: Loyalty_Profile_V2_Profile, as principal: Principal = admin) async throws -> Loyalty_Profile_V2_Profile {
    try await v2.createProfile(.with { $0.profile = profile }, metadata: metadata(principal))
  }

  func getV2(_ userID: String, as principal: Principal? = admin) async throws -> Loyalty_Profile_V2_GetProfileResponse {
    try await v2.getProfile(.with { $0.userID = userID }, metadata: metadata(principal))
  }
}

func withProfileHarness(_ body: (ProfileHarness) async throws -> Void) async throws {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profile-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: directory) }
  let logger = Logger(label: "profile-tests")
  let database = try ProfileStore.openDatabase(at: directory.appendingPathComponent("profile.sqlite"), durability: .normal, logger: logger)
  let store = ProfileStore(database: database)
  let identity = try InternalIdentity(secret: harnessSecret)
  let transport = InProcessTransport()
  let server = GRPCServer(
    transport: transport.server,
    services: [
      ProfileService(store: store, logger: logger),
      ProfileServiceV2(store: store, logger: logger, today: { ProfileHarness.today }),
    ],
    interceptors: [IdentityInterceptor(identity: identity)]
  )
  try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await server.serve() }
    try await withGRPCClient(transport: transport.client) { client in
      try await body(
        ProfileHarness(
          client: Loyalty_Profile_V1_ProfileService.Client(wrapping: client),
          v2: Loyalty_Profile_V2_ProfileService.Client(wrapping: client),
          identity: identity, store: store))
    }
    server.beginGracefulShutdown()
  }
  await database.close()
}

func sampleProfile(_ userID: String) -> Loyalty_Profile_V1_Profile {
  .with {
    $0.userID = userID
    $0.displayName = "  Ada Lovelace "
    $0.homeAirport = "lhr"
    $0.preferredAirlines = ["ba", "AA", "BA"]
    $0.preferredAlliances = [.oneworld]
    $0.memberships = [.with { $0.programID = "ba-executive-club"; $0.memberNumber = "12345678"; $0.eliteTier = "Silver"; $0.balance = 1000 }]
  }
}

/// A v2 profile with qualifying activity in one program and two goals: one measurable there,
/// one in a program without membership.
func sampleProfileV2(_ userID: String) -> Loyalty_Profile_V2_Profile {
  .with {
    $0.userID = userID
    $0.displayName = " Grace Hopper "
    $0.homeAirport = "dfw"
    $0.preferredAlliances = [.oneworld]
    $0.memberships = [
      .with {
        $0.programID = "aa-aadvantage"
        $0.memberNumber = "ABC1234"
        $0.eliteTier = "Gold"
        $0.balance = 52_000
        $0.qualifying = [.with { $0.metric = "loyalty_points"; $0.amount = 40_000 }]
      }
    ]
    $0.statusGoals = [
      .with { $0.programID = "aa-aadvantage"; $0.targetTier = "Platinum Pro"; $0.targetDate = "2026-12-31"; $0.metric = "loyalty_points"; $0.targetAmount = 125_000 },
      .with { $0.programID = "ba-executive-club"; $0.targetTier = "Silver"; $0.metric = "tier_points"; $0.targetAmount = 1_500 },
    ]
  }
}
