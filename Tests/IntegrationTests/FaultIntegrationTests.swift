import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Synchronization
import Testing

@Suite(.serialized) struct FaultIntegrationTests {
  /// Writes continuously, kills the process with SIGKILL, restarts it on the same data:
  /// every acknowledged write must be there, and replaying the journal must give the data.
  @Test func acknowledgedWritesSurviveKillNine() async throws {
    let service = try await RunningService.start("profile-service")
    defer { service.removeFiles() }
    _ = try await service.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("crash") }) }

    let acknowledged = Mutex<[String]>([])
    let writer = Task {
      try? await service.withProfiles { profiles in
        var index = 0
        while !Task.isCancelled {
          index += 1
          let requestID = "w-\(index)"
          do {
            _ = try await profiles.adjustBalance(.with {
              $0.userID = "crash"; $0.programID = "aa-aadvantage"; $0.delta = 1; $0.requestID = requestID
            })
            acknowledged.withLock { $0.append(requestID) }
          } catch {
            return
          }
        }
      }
    }
    // Kill once the writer is well under way; other tests share the CPU, so progress is
    // awaited rather than assumed after a fixed time.
    let progressDeadline = ContinuousClock.now + .seconds(15)
    try await Task.sleep(for: .milliseconds(500))
    while acknowledged.withLock({ $0.count }) <= 20, ContinuousClock.now < progressDeadline {
      try await Task.sleep(for: .milliseconds(50))
    }
    await service.killHard()
    writer.cancel()
    _ = await writer.value
    let acked = acknowledged.withLock { $0 }
    #expect(acked.count > 20, "the writer should have made progress before the kill")

    try await service.launch()
    defer { Task { await service.stop() } }
    let profile = try await service.withProfiles { try await $0.getProfile(.with { $0.userID = "crash" }) }
    let balance = profile.memberships[0].balance
    // At most one write was in flight when the process died; it may or may not have committed.
    #expect(balance >= Int64(acked.count) && balance <= Int64(acked.count) + 1)
    try await service.withProfiles { profiles in
      for requestID in acked.suffix(50) {
        let replay = try await profiles.adjustBalance(.with {
          $0.userID = "crash"; $0.programID = "aa-aadvantage"; $0.delta = 1; $0.requestID = requestID
        })
        #expect(replay.replayed, "acknowledged write \(requestID) is missing after the crash")
      }
    }

    // The journal agrees with the data: its last image of the profile is the stored one.
    let records = try await service.withClient { client in
      try await Loyalty_Replication_V1_Replication.Client(wrapping: client).streamChanges(.with { $0.afterSeq = 0 }) { response in
        var records: [Loyalty_Replication_V1_ChangeRecord] = []
        for try await record in response.messages { records.append(record) }
        return records
      }
    }
    #expect(records.map(\.seq) == Array(1...Int64(records.count)), "journal sequences must have no holes")
    let lastImage = try #require(records.last { $0.entity == "profiles" && $0.key == "crash" })
    let row = try #require(try JSONSerialization.jsonObject(with: lastImage.value) as? [String: Any])
    let document = try Loyalty_Profile_V1_Profile(jsonString: try #require(row["document"] as? String))
    #expect(document == profile)
    #expect(records.filter { $0.entity == "balance_adjustments" }.count == Int(balance))
    await service.stop()
  }
}
