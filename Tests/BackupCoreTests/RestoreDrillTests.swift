import BackupCore
import BackupStorage
import Foundation
import LoyaltyRuntime
import Testing

@Suite struct RestoreDrillTests {
  private struct Drills {
    let drill: RestoreDrill
    let log: DrillLog
    let scratch: URL

    init(_ fixture: ShippingFixture) throws {
      log = try DrillLog(path: fixture.directory.appendingPathComponent("drills.sqlite"))
      scratch = fixture.directory.appendingPathComponent("drill-scratch")
      drill = RestoreDrill(archive: fixture.archive, catalog: fixture.catalog, log: log, scratchDirectory: scratch, logger: testLogger)
    }

    /// Whatever a drill left in its scratch folder.
    var leftovers: [String] { (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? [] }
  }

  private func commitMicros(of seq: Int64, in fixture: ShippingFixture) async throws -> Int64 {
    try #require(try await fixture.database.journal(after: seq - 1, limit: 1).first { $0.sequence == seq }).commitTimeMicros
  }

  @Test func drillsOfAGoodHistorySucceedWithRecoveryTimeAndPointRecorded() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      let head = try await recordBackupHistory(fixture, batches: [1...6, 7...15, 16...30])
      let snapshots = try await fixture.catalog.snapshots(service: "items")
      let drills = try Drills(fixture)

      // Latest: from the newer snapshot, checked against a restore from the older one.
      let latest = try await drills.drill.run(service: "items")
      #expect(latest.outcome == .successful && latest.reason == nil)
      #expect(latest.restoredSeq == head && latest.snapshotID == snapshots[1].id && latest.targetIsLatest)
      let rto = try #require(latest.rtoSeconds)
      #expect(rto > 0 && rto < Double(latest.finishedAtMicros - latest.startedAtMicros) / 1_000_000 + 0.001)
      let headCommit = try await commitMicros(of: head, in: fixture)
      #expect(latest.rpoSeconds == Double(latest.targetMicros - headCommit) / 1_000_000)
      #expect(latest.notes.contains { $0.contains("independent restore from the older snapshot \(snapshots[0].id)") })
      #expect(drills.leftovers.isEmpty)

      // Exactly a snapshot: compared with the digest recorded when it was taken.
      let atSnapshot = try await drills.drill.run(service: "items", target: .time(micros: snapshots[1].pointMicros))
      #expect(atSnapshot.outcome == .successful && atSnapshot.restoredSeq == 15 && atSnapshot.rpoSeconds == 0)
      #expect(atSnapshot.notes.contains { $0.contains("snapshot \(snapshots[1].id)'s recorded row counts and digest") })

      // Between snapshots and changes: exact to the last change committed at the target.
      let middle = try await commitMicros(of: 22, in: fixture)
      let between = try await drills.drill.run(service: "items", target: .time(micros: middle))
      #expect(between.outcome == .successful && between.restoredSeq == 22 && between.rpoSeconds == 0)
      #expect(between.targetMicros == middle && !between.targetIsLatest)
      #expect(drills.leftovers.isEmpty)

      #expect(try await drills.log.list(service: "items") == [between, atSnapshot, latest])
      #expect(try await drills.log.list(service: "other").isEmpty)
      #expect(try await drills.log.lastSuccess(service: "items") == between)
      await fixture.database.close()
    }
  }

  @Test func aCorruptSnapshotWithNoFallbackFailsTheDrill() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      try await recordBackupHistory(fixture, batches: [1...5, 6...12])
      let snapshot = try #require(try await fixture.catalog.snapshots(service: "items").first)
      let drills = try Drills(fixture)
      let good = try await drills.drill.run(service: "items")
      #expect(good.outcome == .successful)

      try flipByteOfStoredObject(snapshot.objectKey, on: fixture.target)
      let failed = try await drills.drill.run(service: "items")
      #expect(failed.outcome == .failed)
      let reason = try #require(failed.reason)
      #expect(reason.contains("no usable recovery point") && reason.contains("snapshot \(snapshot.id) cannot be used"))
      #expect(failed.rtoSeconds == nil && failed.restoredSeq == nil)
      #expect(drills.leftovers.isEmpty)
      #expect(try await drills.log.list(service: "items").map(\.outcome) == [.failed, .successful])
      #expect(try await drills.log.lastSuccess(service: "items") == good)
      await fixture.database.close()
    }
  }

  @Test func aMissingMiddleSegmentFailsTheDrill() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      try await recordBackupHistory(fixture, batches: [1...5, 6...30])
      let segments = try await fixture.catalog.segments(service: "items")
      let middle = try #require(segments.filter { $0.firstSeq > 5 }.dropLast().last)
      let drills = try Drills(fixture)

      // The object is gone but still catalogued: the restore cannot read it.
      try await fixture.target.delete(middle.objectKey)
      let unreadable = try await drills.drill.run(service: "items")
      #expect(unreadable.outcome == .failed)
      #expect(unreadable.reason?.contains("no object '\(middle.objectKey)'") == true)

      // Forgotten by the catalog too: a gap in the journal.
      try await fixture.catalog.removeSegment(objectKey: middle.objectKey)
      let gap = try await drills.drill.run(service: "items")
      #expect(gap.outcome == .failed)
      #expect(gap.reason == RecoveryError.gap(after: middle.firstSeq - 1, next: middle.lastSeq + 1).description)
      #expect(drills.leftovers.isEmpty)
      #expect(try await drills.log.lastSuccess(service: "items") == nil)
      #expect(try await drills.log.list(service: "items").count == 2)
      await fixture.database.close()
    }
  }
}
