import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

/// Point-in-time restores through backup-service's API, and what it does with damaged backups.
@Suite(.serialized) struct BackupPointInTimeIntegrationTests {
  /// Restores to many random times and to the exact commit times of the journal: each ends
  /// at the last change committed at or before its time. Times outside the window are
  /// refused, never answered with "latest".
  @Test func restoresAreExactAtRandomTimesAndRefuseTimesOutsideTheWindow() async throws {
    try await BackupTestbed.with { testbed in
      _ = try await testbed.profile.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("timeline") }) }
      try await testbed.waitForStatus("the first snapshot") { $0.hasLastSnapshot }
      try await testbed.profile.withProfiles { profiles in
        for index in 1...30 {
          _ = try await profiles.adjustBalance(.with {
            $0.userID = "timeline"; $0.programID = "aa-aadvantage"; $0.delta = Int64(index); $0.requestID = "t\(index)"
          })
          if index == 15 {
            _ = try await testbed.withBackups { try await $0.takeSnapshot(.with { $0.service = "profile" }) }
          }
          try await Task.sleep(for: .milliseconds(Int.random(in: 10...60)))
        }
      }
      try await testbed.waitUntilShipped()
      let journal = try await testbed.profileJournal()
      let points = try await testbed.withBackups { try await $0.listRecoveryPoints(.with { $0.service = "profile" }) }
      let window = try #require(points.services.first)
      #expect(window.snapshots.count >= 2)
      let earliest = window.windowEarliest.micros
      let latest = window.windowLatest.micros
      #expect(latest == journal.last?.commitTime.micros)

      func expectedSeq(at micros: Int64) -> Int64 {
        journal.last { $0.commitTime.micros <= micros }?.seq ?? 0
      }
      var times = (0..<12).map { _ in Int64.random(in: earliest...latest) }
      // Exactly at a commit, and one microsecond before it.
      for record in journal.suffix(20).shuffled().prefix(4) where record.commitTime.micros > earliest {
        times += [record.commitTime.micros, record.commitTime.micros - 1]
      }
      for (index, micros) in times.enumerated() {
        let restored = try await testbed.withBackups { backups in
          try await backups.restore(.with {
            $0.service = "profile"
            $0.toTime = .init(micros: micros)
            $0.destination = testbed.restoresFolder.appendingPathComponent("pitr-\(index).sqlite").path
          })
        }
        #expect(restored.restoredSeq == expectedSeq(at: micros), "restore to \(micros) µs")
        #expect(restored.lastCommitTime.micros <= micros)
        #expect(FileManager.default.fileExists(atPath: restored.databasePath))
      }

      // The command line takes the time as an operator types it, to the microsecond.
      let typed = try #require(journal.dropLast(3).last)
      let restoredByCommand = try await runCommand(
        executablesDirectory.appendingPathComponent("loyalty"),
        [
          "backup", "restore", "--service", "profile", "--to-time", iso8601(micros: typed.commitTime.micros), "--json",
          "--destination", testbed.restoresFolder.appendingPathComponent("typed.sqlite").path,
          "--target", testbed.backup.address.description, "--internal-secret-file", testbed.backup.secretFile.path,
        ])
      #expect(restoredByCommand.status == 0, "\(restoredByCommand.output)")
      let typedRestore = try Loyalty_Backup_V1_RestoreResponse(jsonString: restoredByCommand.output)
      #expect(typedRestore.restoredSeq == expectedSeq(at: typed.commitTime.micros))

      for outside in [earliest - 1_000_000, latest + 60_000_000] {
        let error = await rpcError {
          try await testbed.withBackups { backups in
            try await backups.restore(.with { $0.service = "profile"; $0.toTime = .init(micros: outside) })
          }
        }
        #expect(error?.code == .outOfRange, "a time outside the window must be refused: \(String(describing: error))")
        #expect(error?.message.contains("window") == true || error?.message.contains("outside") == true)
      }
      let unknown = await rpcError {
        try await testbed.withBackups { try await $0.restore(.with { $0.service = "billing" }) }
      }
      #expect(unknown?.code == .notFound)
      let unforced = await rpcError {
        try await testbed.withBackups { try await $0.restore(.with { $0.service = "profile"; $0.mode = .inPlace }) }
      }
      #expect(unforced?.code == .failedPrecondition)
    }
  }

  /// A flipped byte in the newest snapshot: verification fails and names it, a restore falls
  /// back to the older snapshot and says so. A deleted middle segment: verification fails and
  /// a restore across it is refused.
  @Test func corruptObjectsAreDetectedAndRestoresFallBackOrRefuse() async throws {
    try await BackupTestbed.with { testbed in
      let writes = { (range: ClosedRange<Int>) in
        try await testbed.profile.withProfiles { profiles in
          for index in range {
            _ = try await profiles.adjustBalance(.with {
              $0.userID = "damaged"; $0.programID = "aa-aadvantage"; $0.delta = 1; $0.requestID = "d\(index)"
            })
            // Several segments: a write every ~200 ms with segments stored every 500 ms.
            try await Task.sleep(for: .milliseconds(200))
          }
        }
      }
      _ = try await testbed.profile.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("damaged") }) }
      let older = try await testbed.waitForStatus("the first snapshot") { $0.hasLastSnapshot }.lastSnapshot
      try await writes(1...8)
      let newer = try await testbed.withBackups { try await $0.takeSnapshot(.with { $0.service = "profile" }) }.snapshots[0]
      try await writes(9...16)
      try await testbed.waitUntilShipped()
      let head = try await testbed.profileJournal().last?.seq ?? 0
      let sound = try await testbed.withBackups { try await $0.verify(.init()) }
      #expect(sound.ok, "\(sound.problems)")

      let snapshotFile = try #require(
        BackupTestbed.files(under: testbed.primaryFolder).first { $0.lastPathComponent == "\(newer.id).snapshot" })
      var bytes = try Data(contentsOf: snapshotFile)
      bytes[bytes.count / 2] ^= 0x01
      try bytes.write(to: snapshotFile)

      let damaged = try await testbed.withBackups { try await $0.verify(.init()) }
      #expect(!damaged.ok)
      #expect(damaged.problems.contains { $0.contains(newer.id) }, "\(damaged.problems)")
      let verifyCommand = try await runCommand(
        executablesDirectory.appendingPathComponent("loyalty"),
        ["backup", "verify", "--target", testbed.backup.address.description, "--internal-secret-file", testbed.backup.secretFile.path])
      #expect(verifyCommand.status != 0, "verify must fail non-zero: \(verifyCommand.output)")
      #expect(verifyCommand.output.contains(newer.id))
      let fallback = try await testbed.withBackups { backups in
        try await backups.restore(.with {
          $0.service = "profile"
          $0.destination = testbed.restoresFolder.appendingPathComponent("fallback.sqlite").path
        })
      }
      #expect(fallback.restoredSeq == head)
      #expect(fallback.snapshotID == older.id)
      #expect(fallback.notes.contains { $0.contains(newer.id) }, "\(fallback.notes)")

      let segments = BackupTestbed.files(under: testbed.primaryFolder)
        .filter { $0.pathExtension == "segment" }
        .sorted { $0.lastPathComponent < $1.lastPathComponent }
      #expect(segments.count >= 3)
      let middle = segments[segments.count / 2]
      try FileManager.default.removeItem(at: middle)
      let broken = try await testbed.withBackups { try await $0.verify(.init()) }
      #expect(!broken.ok)
      #expect(broken.problems.contains { $0.contains(middle.lastPathComponent) }, "\(broken.problems)")
      let refused = await rpcError {
        try await testbed.withBackups { backups in
          try await backups.restore(.with {
            $0.service = "profile"
            $0.destination = testbed.restoresFolder.appendingPathComponent("refused.sqlite").path
          })
        }
      }
      #expect(refused?.code == .dataLoss, "\(String(describing: refused))")
      #expect(!FileManager.default.fileExists(atPath: testbed.restoresFolder.appendingPathComponent("refused.sqlite").path))
    }
  }

  /// What operators and Prometheus see: the status table, and the series the alert rules in
  /// Services/Backup/alerts are written against, including a drill's result.
  @Test func statusAndMetricsShowShippingSnapshotsCopiesAndDrills() async throws {
    try await BackupTestbed.with { testbed in
      _ = try await testbed.profile.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile("watched") }) }
      try await testbed.waitForStatus("the first snapshot") { $0.hasLastSnapshot }
      try await testbed.waitUntilShipped()
      try await testbed.waitUntilCopiedToDR("profile", of: testbed.profile)
      let drills = try await testbed.withBackups { try await $0.runDrill(.with { $0.service = "profile" }) }
      #expect(drills.drills.map(\.outcome) == [.successful], "\(drills)")
      #expect(drills.drills[0].rtoSeconds > 0)

      try await Task.sleep(for: .milliseconds(1500))
      let metrics = try await testbed.backup.adminGET("/metrics")
      #expect(metrics.status == 200)
      for series in [
        #"backup_lag_seconds{service="profile"} 0.0"#,
        #"backup_drill_last_result{service="profile"} 1.0"#,
        #"backup_copy_lag_seconds{service="profile",target="dr"} 0.0"#,
        #"backup_snapshot_interval_seconds{service="profile"} 86400.0"#,
      ] {
        #expect(metrics.body.contains(series), "missing \(series)")
      }
      for name in ["backup_last_snapshot_timestamp_seconds{", "backup_drill_last_success_timestamp_seconds{"] {
        #expect(metrics.body.contains(name), "missing \(name)")
      }

      let status = try await runCommand(
        executablesDirectory.appendingPathComponent("loyalty"),
        ["backup", "status", "--target", testbed.backup.address.description, "--internal-secret-file", testbed.backup.secretFile.path])
      #expect(status.status == 0, "\(status.output)")
      #expect(status.output.contains("profile") && status.output.contains("SUCCESSFUL"), "\(status.output)")
    }
  }
}

/// `2026-12-05T10:00:00.123456Z`
private func iso8601(micros: Int64) -> String {
  let seconds = CivilDate.floorDivide(micros, 1_000_000)
  let days = CivilDate.floorDivide(seconds, 86_400)
  let (year, month, day) = CivilDate.date(daysSinceEpoch: days)
  let second = seconds - days * 86_400
  let pad = CivilDate.padded
  return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(second / 3600, 2)):\(pad(second / 60 % 60, 2)):"
    + "\(pad(second % 60, 2)).\(pad(micros - seconds * 1_000_000, 6))Z"
}
