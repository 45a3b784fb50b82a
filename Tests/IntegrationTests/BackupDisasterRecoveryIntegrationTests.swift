import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

/// Copies to the DR target, recovery of the whole suite from it, and encryption at rest.
@Suite(.serialized) struct BackupDisasterRecoveryIntegrationTests {
  let loyalty = executablesDirectory.appendingPathComponent("loyalty")

  /// Both targets are S3 buckets on their own moto servers. The primary's server is frozen
  /// (SIGSTOP); restores, drills and verification from the DR target alone still pass, and
  /// `loyalty recover --from dr` brings back profile-service and graph-service after both lost
  /// their data.
  @Test(.enabled("needs moto: pip install 'moto[server]' boto3") { await MotoProcess.isAvailable() })
  func theSuiteRecoversFromTheDRTargetWhileThePrimaryIsFrozen() async throws {
    let primaryStore = try await MotoProcess.start()
    defer { primaryStore.stop() }
    let drStore = try await MotoProcess.start()
    defer { drStore.stop() }
    try await primaryStore.createBucket("backups-primary")
    try await drStore.createBucket("backups-dr")
    let credentials = ["AWS_ACCESS_KEY_ID": "AKIAMOTOEXAMPLE00000", "AWS_SECRET_ACCESS_KEY": "not-checked-by-moto"]

    try await BackupTestbed.with(
      primary: "s3://backups-primary?endpoint=\(primaryStore.endpoint.absoluteString)",
      dr: "s3://backups-dr?endpoint=\(drStore.endpoint.absoluteString)", environment: credentials, withGraph: true
    ) { testbed in
      let graph = try #require(testbed.graph)
      try await testbed.profile.withProfiles { profiles in
        for index in 1...5 { _ = try await profiles.createProfile(.with { $0.profile = makeProfile("dr-\(index)") }) }
      }
      let written = try await graph.withClient(as: Principal(subject: "cora", role: .curator)) { client in
        try await Loyalty_Graph_V1_GraphService.Client(wrapping: client).upsertBatch(.with {
          $0.nodes = (1...3).map { index in sourceDocument("doc:dr-\(index)") }
        })
      }
      #expect(written.nodesCreated == 3)
      try await testbed.waitForStatus(of: "graph", "graph's first snapshot") { $0.hasLastSnapshot }
      try await testbed.waitUntilCopiedToDR("profile", of: testbed.profile)
      try await testbed.waitUntilCopiedToDR("graph", of: graph)
      let profileHead = try await testbed.journal(of: testbed.profile).last?.seq ?? 0
      let graphHead = try await testbed.journal(of: graph).last?.seq ?? 0

      primaryStore.freeze()
      defer { primaryStore.thaw() }
      let common = ["--target", testbed.backup.address.description, "--internal-secret-file", testbed.backup.secretFile.path]

      let restored = try await testbed.withBackups { backups in
        try await backups.restore(.with {
          $0.service = "profile"
          $0.source = .dr
          $0.destination = testbed.restoresFolder.appendingPathComponent("from-dr.sqlite").path
        })
      }
      #expect(restored.restoredSeq == profileHead)
      let verified = try await runCommand(loyalty, ["backup", "verify", "--from", "dr"] + common)
      #expect(verified.status == 0, "\(verified.output)")
      let drill = try await runCommand(loyalty, ["backup", "drill", "--from", "dr"] + common)
      #expect(drill.status == 0, "\(drill.output)")
      #expect(drill.output.contains("SUCCESSFUL"))
      let recoveryDrill = try await runCommand(loyalty, ["recover", "--from", "dr", "--drill"] + common)
      #expect(recoveryDrill.status == 0, "\(recoveryDrill.output)")

      for service in [testbed.profile, graph] {
        await service.killHard()
        try FileManager.default.removeItem(at: service.dataDirectory)
        try await service.launch(reusingPorts: true)
      }
      let recovered = try await runCommand(loyalty, ["recover", "--from", "dr", "--json"] + common)
      #expect(recovered.status == 0, "\(recovered.output)")
      let report = try Loyalty_Backup_V1_RecoverResponse(jsonString: recovered.output)
      #expect(report.ok)
      #expect(report.services.map(\.service).sorted() == ["graph", "profile"])
      #expect(report.services.allSatisfy { $0.healthy && $0.priority == 1 })
      #expect(report.totalRtoSeconds > 0)
      #expect(report.services.first { $0.service == "profile" }?.restoredSeq == profileHead)
      #expect(report.services.first { $0.service == "graph" }?.restoredSeq == graphHead)

      let profiles = try await testbed.profile.withProfiles { try await $0.listProfiles(.init()) }
      #expect(profiles.profiles.map(\.userID).sorted() == (1...5).map { "dr-\($0)" })
      let node = try await graph.withClient { client in
        try await Loyalty_Graph_V1_GraphService.Client(wrapping: client).getNode(.with { $0.id = "doc:dr-2" })
      }
      #expect(node.label == "WebSourceDocument")
    }
  }

  /// A canary written to a profile reaches the backups (a restore holds it) but no stored
  /// object, on either target, nor the catalog, contains it in plaintext.
  @Test func storedObjectsNeverHoldPlaintext() async throws {
    try await BackupTestbed.with { testbed in
      let canary = "CANARY-\(UUID().uuidString)"
      _ = try await testbed.profile.withProfiles { profiles in
        try await profiles.createProfile(.with {
          $0.profile = makeProfile("canary")
          $0.profile.displayName = canary
        })
      }
      try await testbed.waitForStatus("the first snapshot") { $0.hasLastSnapshot }
      _ = try await testbed.withBackups { try await $0.takeSnapshot(.with { $0.service = "profile" }) }
      try await testbed.waitUntilShipped()
      try await testbed.waitUntilCopiedToDR("profile", of: testbed.profile)

      let stored = BackupTestbed.files(under: testbed.primaryFolder) + BackupTestbed.files(under: testbed.drFolder)
        + BackupTestbed.files(under: testbed.backup.dataDirectory)
      #expect(stored.contains { $0.pathExtension == "snapshot" })
      #expect(stored.contains { $0.pathExtension == "segment" })
      let needle = Data(canary.utf8)
      for file in stored {
        let content = try Data(contentsOf: file)
        #expect(content.range(of: needle) == nil, "\(file.path) holds the canary in plaintext")
      }

      let restored = try await testbed.withBackups { backups in
        try await backups.restore(.with {
          $0.service = "profile"
          $0.destination = testbed.restoresFolder.appendingPathComponent("canary.sqlite").path
        })
      }
      let restoredFile = try Data(contentsOf: URL(fileURLWithPath: restored.databasePath))
      #expect(restoredFile.range(of: needle) != nil, "the restored database should hold the canary")
    }
  }
}

private func sourceDocument(_ id: String) -> Loyalty_Graph_V1_Node {
  .with {
    $0.id = id
    $0.label = "WebSourceDocument"
    $0.properties = Google_Protobuf_Struct(fields: [
      "url": Google_Protobuf_Value(stringValue: "https://example.com/\(id)"),
      "title": Google_Protobuf_Value(stringValue: "Page \(id)"),
      "retrieved_date": Google_Protobuf_Value(stringValue: "2026-11-01"),
    ])
  }
}
