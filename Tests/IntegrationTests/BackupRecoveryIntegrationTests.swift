import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

/// backup-service with a real profile-service: losing the service's data, and losing
/// backup-service mid-upload, cost nothing acknowledged beyond the one-second window.
@Suite(.serialized) struct BackupRecoveryIntegrationTests {
  /// Writes continuously; kills profile-service with SIGKILL, deletes its data folder,
  /// restarts it empty and restores the latest point in place — three times in a row. Every
  /// write acknowledged more than a second before each kill must be back, and the restored
  /// journal must have no holes.
  @Test func killNineDeleteDataAndRestoreLatestLosesNothingAcknowledged() async throws {
    try await BackupTestbed.with { testbed in
      let profile = testbed.profile
      _ = try await profile.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("flyer") }) }
      try await testbed.waitForStatus("the first snapshot") { $0.hasLastSnapshot && $0.shipping }

      var required: Set<String> = []
      for cycle in 1...3 {
        let writer = AcknowledgedWriter()
        writer.start(on: profile, user: "flyer", prefix: "cycle\(cycle)")
        try await writer.waitFor(60)
        try await Task.sleep(for: .milliseconds(1500))
        await profile.killHard()
        let killedAt = ContinuousClock.now
        await writer.stop()
        let requiredBefore = required.count
        required.formUnion(writer.acknowledged(before: killedAt - .seconds(1)))
        #expect(required.count > requiredBefore + 30, "cycle \(cycle): too few writes to prove anything")

        try FileManager.default.removeItem(at: profile.dataDirectory)
        try await profile.launch(reusingPorts: true)
        #expect(try await testbed.profileJournal().isEmpty, "the restarted service starts empty")

        let restored = try await testbed.withBackups { backups in
          try await backups.restore(.with { $0.service = "profile"; $0.mode = .inPlace; $0.force = true })
        }
        #expect(restored.mode == .inPlace)
        #expect(try await profile.healthStatus() == .serving)

        let journal = try await testbed.profileJournal()
        #expect(journal.map(\.seq) == Array(1...Int64(journal.count)), "cycle \(cycle): the restored journal has holes")
        #expect(journal.last?.seq == restored.restoredSeq)
        let adjustments = Set(journal.filter { $0.entity == "balance_adjustments" }.map(\.key))
        let missing = required.filter { !adjustments.contains("flyer/\($0)") }
        #expect(missing.count == 0, "cycle \(cycle): \(missing.count) writes acknowledged over 1 s before the kill are missing, e.g. \(missing.sorted().prefix(5))")
        let stored = try await profile.withProfiles { try await $0.getProfile(.with { $0.userID = "flyer" }) }
        #expect(stored.memberships[0].balance >= Int64(required.count))
        // Shipping resumes from the restored point: the next writes are stored too.
        try await testbed.waitForStatus("shipping to resume") { $0.shipping && $0.lastStoredSeq == restored.restoredSeq }
      }
    }
  }

  /// SIGKILL backup-service while it ships a busy journal, start it again on the same data:
  /// it follows the journal again within 5 s, and the stored segments continue without a
  /// gap or a duplicate up to the last committed change.
  @Test func backupServiceKilledMidUploadResumesWithoutGap() async throws {
    try await BackupTestbed.with { testbed in
      _ = try await testbed.profile.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("busy") }) }
      try await testbed.waitForStatus("the first snapshot") { $0.hasLastSnapshot && $0.shipping }
      let writer = AcknowledgedWriter()
      writer.start(on: testbed.profile, user: "busy", prefix: "w")
      try await writer.waitFor(40)
      let before = try await testbed.status().lastStoredSeq
      await testbed.backup.killHard()
      try await writer.waitFor(writer.count + 40)

      let restartedAt = ContinuousClock.now
      try await testbed.backup.launch()
      let resumed = try await testbed.waitForStatus(timeout: .seconds(20), "shipping to resume") {
        $0.shipping && $0.lastStoredSeq > before
      }
      let resumeTime = ContinuousClock.now - restartedAt
      #expect(resumeTime < .seconds(5), "shipping resumed after \(resumeTime)")
      #expect(resumed.lastStoredSeq > before)

      try await writer.waitFor(writer.count + 20)
      await writer.stop()
      try await testbed.waitUntilShipped()
      let verification = try await testbed.withBackups { try await $0.verify(.with { $0.service = "profile" }) }
      #expect(verification.ok, "\(verification.problems)")
      let points = try await testbed.withBackups { try await $0.listRecoveryPoints(.with { $0.service = "profile" }) }
      let head = try await testbed.profileJournal().last?.seq ?? 0
      #expect(points.services.first?.lastSegmentSeq == head)

      let restored = try await testbed.withBackups { backups in
        try await backups.restore(.with {
          $0.service = "profile"
          $0.destination = testbed.restoresFolder.appendingPathComponent("after-kill.sqlite").path
        })
      }
      #expect(restored.restoredSeq == head)
    }
  }

  /// An in-place restore to an earlier time replaces the later history: the service's new
  /// changes are backed up after the restored point, and both the restored point and the new
  /// latest point restore exactly.
  @Test func inPlaceRestoreToAnEarlierTimeContinuesBackupsFromThere() async throws {
    try await BackupTestbed.with { testbed in
      let adjust = { (ids: ClosedRange<Int>, prefix: String) in
        try await testbed.profile.withProfiles { profiles in
          for index in ids {
            _ = try await profiles.adjustBalance(.with {
              $0.userID = "fork"; $0.programID = "aa-aadvantage"; $0.delta = 1; $0.requestID = "\(prefix)\(index)"
            })
            try await Task.sleep(for: .milliseconds(20))
          }
        }
      }
      _ = try await testbed.profile.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("fork") }) }
      try await testbed.waitForStatus("the first snapshot") { $0.hasLastSnapshot }
      try await adjust(1...5, "a")
      let middle = try #require(try await testbed.profileJournal().last)
      try await adjust(6...10, "a")
      _ = try await testbed.withBackups { try await $0.takeSnapshot(.with { $0.service = "profile" }) }
      try await testbed.waitUntilShipped()

      let restored = try await testbed.withBackups { backups in
        try await backups.restore(.with {
          $0.service = "profile"; $0.toTime = middle.commitTime; $0.mode = .inPlace; $0.force = true
        })
      }
      #expect(restored.restoredSeq == middle.seq)
      #expect(restored.notes.contains { $0.contains("replaced") }, "\(restored.notes)")
      let rewound = try await testbed.profile.withProfiles { try await $0.getProfile(.with { $0.userID = "fork" }) }
      #expect(rewound.memberships[0].balance == 5)

      try await adjust(1...4, "b")
      try await testbed.waitUntilShipped()
      let head = try #require(try await testbed.profileJournal().last)
      #expect(head.seq == middle.seq + 8, "four adjustments of two rows each")
      let verification = try await testbed.withBackups { try await $0.verify(.with { $0.service = "profile" }) }
      #expect(verification.ok, "\(verification.problems)")
      for (name, time, expected) in [("latest", head.commitTime, head.seq), ("middle", middle.commitTime, middle.seq)] {
        let copy = try await testbed.withBackups { backups in
          try await backups.restore(.with {
            $0.service = "profile"; $0.toTime = time
            $0.destination = testbed.restoresFolder.appendingPathComponent("\(name).sqlite").path
          })
        }
        #expect(copy.restoredSeq == expected, "\(name)")
      }
    }
  }

  /// A service restarted on an empty database that takes new writes before anyone restores
  /// it has another history under the same sequence numbers: shipping stops and says so
  /// rather than mixing the two, and resumes after an in-place restore.
  @Test func aRecreatedDatabaseStopsShippingUntilItIsRestored() async throws {
    try await BackupTestbed.with { testbed in
      let profile = testbed.profile
      _ = try await profile.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("original") }) }
      try await testbed.waitForStatus("the first snapshot") { $0.hasLastSnapshot }
      try await testbed.waitUntilShipped()
      let shipped = try await testbed.status().lastStoredSeq

      await profile.killHard()
      try FileManager.default.removeItem(at: profile.dataDirectory)
      try await profile.launch(reusingPorts: true)
      try await profile.withProfiles { profiles in
        for index in 1...3 { _ = try await profiles.createProfile(.with { $0.profile = makeProfile("stranger-\(index)") }) }
      }
      let stopped = try await testbed.waitForStatus(timeout: .seconds(30), "shipping to stop") { !$0.stoppedReason.isEmpty }
      #expect(stopped.stoppedReason.contains("no longer holds the history"), "\(stopped.stoppedReason)")
      #expect(stopped.lastStoredSeq == shipped)

      let restored = try await testbed.withBackups { backups in
        try await backups.restore(.with { $0.service = "profile"; $0.mode = .inPlace; $0.force = true })
      }
      #expect(restored.restoredSeq == shipped)
      try await testbed.waitForStatus("shipping to resume") { $0.shipping && $0.stoppedReason.isEmpty }
      let profiles = try await profile.withProfiles { try await $0.listProfiles(.init()) }
      #expect(profiles.profiles.map(\.userID) == ["original"])
    }
  }
}
