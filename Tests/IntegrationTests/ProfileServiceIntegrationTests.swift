import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

@Suite(.serialized) struct ProfileServiceIntegrationTests {
  @Test func everyMethodWorksAgainstTheRealProcess() async throws {
    try await withRunningProfileServer { service in
      #expect(try await service.healthStatus() == .serving)
      #expect(try await service.healthStatus("loyalty.profile.v1.ProfileService") == .serving)
      #expect(try await service.healthStatus("loyalty.replication.v1.Replication") == .serving)
      #expect(await statusCode { try await service.healthStatus("no.such.Service") } == .notFound)

      try await service.withProfiles { profiles in
        let created = try await profiles.createProfile(.with { $0.profile = makeProfile("it-user") })
        #expect(created.version == 1)
        #expect(try await profiles.getProfile(.with { $0.userID = "it-user" }) == created)

        let updated = try await profiles.updateProfile(.with {
          $0.profile = .with { $0.userID = "it-user"; $0.displayName = "Renamed" }
          $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["display_name"])
          $0.expectedVersion = 1
        })
        #expect(updated.displayName == "Renamed" && updated.version == 2)

        let withMembership = try await profiles.addMembership(.with {
          $0.userID = "it-user"
          $0.membership = .with { $0.programID = "ba-executive-club"; $0.balance = 10 }
        })
        #expect(withMembership.memberships.count == 2)
        let changed = try await profiles.updateMembership(.with {
          $0.userID = "it-user"
          $0.membership = .with { $0.programID = "ba-executive-club"; $0.eliteTier = "Bronze" }
          $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["elite_tier"])
        })
        #expect(changed.memberships[1].eliteTier == "Bronze")
        let adjusted = try await profiles.adjustBalance(.with {
          $0.userID = "it-user"; $0.programID = "ba-executive-club"; $0.delta = 90; $0.requestID = "it-1"
        })
        #expect(adjusted.balance == 100)
        let removed = try await profiles.removeMembership(.with { $0.userID = "it-user"; $0.programID = "ba-executive-club" })
        #expect(removed.memberships.count == 1)

        let listed = try await profiles.listProfiles(.with { $0.pageSize = 10 })
        #expect(listed.profiles.map(\.userID) == ["it-user"])
        _ = try await profiles.deleteProfile(.with { $0.userID = "it-user" })
        #expect(await statusCode { try await profiles.getProfile(.with { $0.userID = "it-user" }) } == .notFound)
      }

      let ready = try await service.adminGET("/readyz")
      #expect(ready.status == 200)
      let metrics = try await service.adminGET("/metrics")
      #expect(metrics.body.contains(#"grpc_server_requests_total{method="loyalty.profile.v1.ProfileService/CreateProfile",status="ok"} 1"#))
      #expect(metrics.body.contains(#"status="notFound""#))
    }
  }

  @Test func responsesCarryTheRequestID() async throws {
    try await withRunningProfileServer { service in
      let echoed = try await service.withClient { client in
        try await Grpc_Health_V1_Health.Client(wrapping: client).check(
          .with { $0.service = "" }, metadata: ["x-request-id": "trace-me-42"]
        ) { response in response.metadata[stringValues: "x-request-id"].first(where: { _ in true }) }
      }
      #expect(echoed == "trace-me-42")
    }
  }

  @Test func concurrentReadModifyWriteLosesNoUpdate() async throws {
    try await withRunningProfileServer { service in
      _ = try await service.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("counter") }) }
      let writers = 6
      let incrementsEach = 5
      let conflicts = try await service.withProfiles { profiles in
        let conflicts = try await withThrowingTaskGroup(of: Int.self) { group in
          for _ in 0..<writers {
            group.addTask {
              var conflicts = 0
              for _ in 0..<incrementsEach {
                while true {
                  let current = try await profiles.getProfile(.with { $0.userID = "counter" })
                  let count = Int(current.displayName.split(separator: " ").last ?? "") ?? 0
                  do {
                    _ = try await profiles.updateProfile(.with {
                      $0.profile = .with { $0.userID = "counter"; $0.displayName = "count \(count + 1)" }
                      $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["display_name"])
                      $0.expectedVersion = current.version
                    })
                    break
                  } catch let error as RPCError where error.code == .failedPrecondition {
                    conflicts += 1
                  }
                }
              }
              return conflicts
            }
          }
          return try await group.reduce(0, +)
        }
        let final = try await profiles.getProfile(.with { $0.userID = "counter" })
        #expect(final.displayName == "count \(writers * incrementsEach)")
        #expect(final.version == Int64(1 + writers * incrementsEach))
        return conflicts
      }
      #expect(conflicts > 0, "concurrent writers should have collided at least once")
    }
  }

  @Test func twoWritersWithTheSameVersionOneWins() async throws {
    try await withRunningProfileServer { service in
      try await service.withProfiles { profiles in
        let created = try await profiles.createProfile(.with { $0.profile = makeProfile("race") })
        let outcomes = try await withThrowingTaskGroup(of: RPCError.Code?.self) { group in
          for name in ["first", "second"] {
            group.addTask {
              await statusCode {
                try await profiles.updateProfile(.with {
                  $0.profile = .with { $0.userID = "race"; $0.displayName = name }
                  $0.updateMask = Google_Protobuf_FieldMask(protoPaths: ["display_name"])
                  $0.expectedVersion = created.version
                })
              }
            }
          }
          return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.filter { $0 == .failedPrecondition }.count == 1)
      }
    }
  }
}
