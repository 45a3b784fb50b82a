import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

/// The landing zone's documents — every version — are covered by backup-service like the
/// rest of ingestion-service's database: log shipping, point-in-time restore and drills.
@Suite(.serialized) struct IngestionBackupIntegrationTests {
  @Test func everyDocumentVersionIsRestorableToAPointInTime() async throws {
    try await RunningIngestionPair.with { pair in
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loyalty-ingestion-backup-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: folder) }
      let keyFile = folder.appendingPathComponent("backup-key")
      try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedData().write(to: keyFile)
      let backup = try await RunningService.start(
        "backup-service",
        extraArguments: [
          "--key-file", keyFile.path, "--profile-target", "none", "--graph-target", pair.graph.address.description,
          "--ingestion-target", pair.ingestion.address.description,
          "--primary-target", folder.appendingPathComponent("primary").path, "--dr-target", folder.appendingPathComponent("dr").path,
          "--copy-interval", "1", "--drill-interval", "0",
        ])
      defer { backup.removeFiles() }
      do {
        let key = "programs/ac/earn-lufthansa.html"
        let first = try await pair.upload(key: key, earningChartPage(business: 150, economy: 100))
        _ = try await pair.waitFor(.done, run: first.run.runID)
        try await waitUntilShipped(backup: backup, pair: pair)
        let between = Date()
        try await Task.sleep(for: .milliseconds(50))
        let second = try await pair.upload(key: key, earningChartPage(business: 125, economy: 50))
        _ = try await pair.waitFor(.done, run: second.run.runID)
        try await waitUntilShipped(backup: backup, pair: pair)

        let restore = try await backup.withClient { client in
          try await Loyalty_Backup_V1_BackupService.Client(wrapping: client).restore(
            .with {
              $0.service = "ingestion"
              $0.toTime = Google_Protobuf_Timestamp(date: between)
            })
        }
        let drill = try await backup.withClient { client in
          try await Loyalty_Backup_V1_BackupService.Client(wrapping: client).runDrill(.with { $0.service = "ingestion" })
        }
        #expect(drill.drills.first?.outcome == .successful)

        // An ingestion-service started on the restored database holds the first version only,
        // content included.
        await pair.ingestion.stop()
        let database = pair.ingestion.dataDirectory.appendingPathComponent("ingestion.sqlite")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.path + suffix) }
        try FileManager.default.copyItem(atPath: restore.databasePath, toPath: database.path)
        try await pair.ingestion.launch(reusingPorts: true)
        let versions = try await pair.withIngestion { try await $0.listVersions(.with { $0.key = key }) }
        #expect(versions.versions.map(\.versionID) == [first.version.versionID])
        let content = try await pair.withIngestion { ingestion in
          try await ingestion.getDocument(.with { $0.key = key }) { response in
            var content = Data()
            for try await part in response.messages { if case .chunk(let chunk) = part.part { content.append(chunk) } }
            return content
          }
        }
        #expect(content == earningChartPage(business: 150, economy: 100))
      } catch {
        Issue.record("backup-service log:\n\(backup.logTail(lines: 40))")
        await backup.stop()
        throw error
      }
      await backup.stop()
    }
  }

  /// Waits until backup-service has stored ingestion-service's journal up to its head.
  func waitUntilShipped(backup: RunningService, pair: RunningIngestionPair) async throws {
    let head = try await pair.ingestion.withClient { client in
      try await Loyalty_Replication_V1_Replication.Client(wrapping: client).streamChanges(.with { $0.follow = false }) { response in
        var last: Int64 = 0
        for try await record in response.messages { last = record.seq }
        return last
      }
    }
    for _ in 0..<400 {
      let status = try await backup.withClient { client in
        try await Loyalty_Backup_V1_BackupService.Client(wrapping: client).getStatus(.init())
      }
      if let ingestion = status.services.first(where: { $0.service == "ingestion" }), ingestion.lastStoredSeq >= head { return }
      try await Task.sleep(for: .milliseconds(50))
    }
    throw TestFailure("backup-service did not store ingestion-service's journal up to \(head)")
  }
}
