import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

extension RunningService {
  func replication<Result: Sendable>(
    _ body: (Loyalty_Replication_V1_Replication.Client<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await withClient(as: Principal(subject: "backup", role: .service)) {
      try await body(Loyalty_Replication_V1_Replication.Client(wrapping: $0))
    }
  }

  /// Downloads a snapshot: header, the bytes, and the trailer's digest.
  func snapshot() async throws -> (header: Loyalty_Replication_V1_SnapshotHeader, data: Data, sha256: String) {
    try await replication { replication in
      try await replication.snapshot(.init()) { response in
        var header = Loyalty_Replication_V1_SnapshotHeader()
        var data = Data()
        var digest = ""
        for try await chunk in response.messages {
          switch chunk.part {
          case .header(let value): header = value
          case .data(let bytes): data.append(bytes)
          case .trailer(let trailer): digest = trailer.sha256
          case nil: break
          }
        }
        return (header, data, digest)
      }
    }
  }
}

@Suite(.serialized) struct ReplicationIntegrationTests {
  @Test func snapshotsAreVerifiableAndRestoreAtomically() async throws {
    try await withRunningProfileServer { service in
      try await service.withProfiles { profiles in
        for name in ["kept-1", "kept-2"] { _ = try await profiles.createProfile(.with { $0.profile = makeProfile(name) }) }
      }
      let snapshot = try await service.snapshot()
      #expect(snapshot.header.service == "profile")
      #expect(snapshot.header.lastSeq == 2)
      #expect(snapshot.header.sizeBytes == Int64(snapshot.data.count))
      #expect(SHA256.hash(data: snapshot.data).hexString == snapshot.sha256)

      _ = try await service.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("after-snapshot") }) }
      _ = try await service.withProfiles { try await $0.getProfile(.with { $0.userID = "after-snapshot" }) }
      let changes = try await service.replication { replication in
        try await replication.streamChanges(.with { $0.afterSeq = 2 }) { response in
          var records: [Loyalty_Replication_V1_ChangeRecord] = []
          for try await record in response.messages { records.append(record) }
          return records
        }
      }
      #expect(changes.map(\.seq) == [3])

      // Restoring the snapshot alone rolls back to two profiles...
      let restored = try await service.replication { replication in
        try await replication.restore(requestProducer: { writer in
          try await writer.write(.with { $0.header = .with { $0.snapshotSha256 = snapshot.sha256 } })
          for start in stride(from: 0, to: snapshot.data.count, by: 100_000) {
            try await writer.write(.with { $0.snapshotData = snapshot.data.subdata(in: start..<min(start + 100_000, snapshot.data.count)) })
          }
        })
      }
      #expect(restored.restoredSeq == 2)
      let afterRollback = try await service.withProfiles { try await $0.listProfiles(.init()) }
      #expect(afterRollback.profiles.map(\.userID) == ["kept-1", "kept-2"])
      let rolledBackRead = await statusCode {
        try await service.withProfiles { try await $0.getProfile(.with { $0.userID = "after-snapshot" }) }
      }
      #expect(rolledBackRead == .notFound, "reads must not serve profiles from before the restore")

      // ...and rolling forward with the journal record brings the third back.
      let rolledForward = try await service.replication { replication in
        try await replication.restore(requestProducer: { writer in
          try await writer.write(.with { $0.header = .with { $0.snapshotSha256 = snapshot.sha256 } })
          try await writer.write(.with { $0.snapshotData = snapshot.data })
          for change in changes { try await writer.write(.with { $0.change = change }) }
        })
      }
      #expect(rolledForward.restoredSeq == 3 && rolledForward.appliedChanges == 1)
      #expect(try await service.withProfiles { try await $0.listProfiles(.init()) }.profiles.count == 3)
      #expect(try await service.healthStatus() == .serving)

      // A snapshot that does not match its digest is refused and changes nothing.
      var flipped = snapshot.data
      flipped[flipped.count / 2] ^= 0xFF
      let corrupted = flipped
      let refused = await statusCode {
        try await service.replication { replication in
          try await replication.restore(requestProducer: { writer in
            try await writer.write(.with { $0.header = .with { $0.snapshotSha256 = snapshot.sha256 } })
            try await writer.write(.with { $0.snapshotData = corrupted })
          })
        }
      }
      #expect(refused == .dataLoss)
      #expect(try await service.withProfiles { try await $0.listProfiles(.init()) }.profiles.count == 3)
    }
  }

  @Test func followersReceiveNewChangesLive() async throws {
    try await withRunningProfileServer { service in
      try await service.replication { replication in
        try await withThrowingTaskGroup(of: [Int64].self) { group in
          group.addTask {
            try await replication.streamChanges(.with { $0.afterSeq = 0; $0.follow = true }) { response in
              var seen: [Int64] = []
              for try await record in response.messages {
                seen.append(record.seq)
                if seen.count == 3 { break }
              }
              return seen
            }
          }
          try await Task.sleep(for: .milliseconds(200))
          try await service.withProfiles { profiles in
            for name in ["live-1", "live-2", "live-3"] {
              _ = try await profiles.createProfile(.with { $0.profile = makeProfile(name) })
              try await Task.sleep(for: .milliseconds(50))
            }
          }
          let seen = try await group.next()
          #expect(seen == [1, 2, 3])
        }
      }
      let beyond = await statusCode {
        try await service.replication { try await $0.streamChanges(.with { $0.afterSeq = 99 }) { for try await _ in $0.messages {} } }
      }
      #expect(beyond == .outOfRange)
    }
  }
}
