import BackupCore
import BackupStorage
import Foundation
import LoyaltyRuntime
import Testing

private let minute: Int64 = 60_000_000
private let hour: Int64 = 60 * minute
private let day: Int64 = 24 * hour

/// A hand-made history of "profile": a record every 6 minutes, a segment every hour (10
/// records), an automated snapshot every day at midnight, over `days` days. Objects are small
/// placeholders on an in-memory target; the planner only reads catalog entries.
private struct HourlyHistory {
  static let base: Int64 = 1_700_000_000_000_000
  static let recordsPerDay: Int64 = 240
  let days: Int64
  let target = InMemoryTarget(name: "primary")
  let catalog: BackupCatalog

  init(days: Int64) async throws {
    self.days = days
    catalog = try BackupCatalog()
    for index in 0..<days {
      try await add(snapshot(id: "day-\(index)", kind: .automated, lastSeq: index * Self.recordsPerDay))
    }
    for hourIndex in 0..<(days * 24) {
      let first = hourIndex * 10 + 1
      let entry = SegmentEntry(
        service: "profile", firstSeq: first, lastSeq: first + 9, firstCommitTimeMicros: Self.time(first),
        lastCommitTimeMicros: Self.time(first + 9), recordCount: 10, sealedSizeBytes: 100, sealedSHA256: "00",
        objectKey: BackupLayout.segmentKey(service: "profile", firstSeq: first, lastSeq: first + 9), targets: ["primary"])
      try await store(entry.objectKey)
      try await catalog.add(entry)
    }
  }

  static func time(_ seq: Int64) -> Int64 { base + seq * 6 * minute }
  /// The last sequence committed at or before `micros`.
  static func seq(at micros: Int64) -> Int64 { max(0, (micros - base) / (6 * minute)) }
  var latestMicros: Int64 { Self.time(days * Self.recordsPerDay) }

  func snapshot(id: String, kind: SnapshotKind, lastSeq: Int64) -> SnapshotEntry {
    SnapshotEntry(
      id: id, service: "profile", kind: kind, takenAtMicros: Self.time(lastSeq) + 1_000, lastSeq: lastSeq,
      lastCommitTimeMicros: lastSeq == 0 ? nil : Self.time(lastSeq), schemaVersion: 1, sizeBytes: 1_000,
      sealedSizeBytes: 1_000, sealedSHA256: "00", objectKey: BackupLayout.snapshotKey(service: "profile", id: id),
      content: DatabaseDigest(tables: [], sha256: ""), targets: ["primary"])
  }

  func add(_ snapshot: SnapshotEntry) async throws {
    try await store(snapshot.objectKey)
    try await catalog.add(snapshot)
  }

  private func store(_ key: String) async throws {
    try await target.put(key, data: Data("data".utf8), ifAbsent: true)
    try await target.put(BackupLayout.manifestKey(for: key), data: Data("manifest".utf8), ifAbsent: true)
  }

  func sweeper(windowDays: Int, gracePeriodMicros: Int64 = hour) throws -> RetentionSweeper {
    RetentionSweeper(
      policy: try RetentionPolicy(windowDays: windowDays), catalog: catalog,
      retirement: ObjectRetirement(targets: [target], sealer: makeSealer(), gracePeriodMicros: gracePeriodMicros))
  }
}

private func date(_ micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }

@Suite struct RetentionSweeperTests {
  @Test func windowOutsideOneToThirtyFiveDaysIsRejected() throws {
    #expect(try RetentionPolicy().windowDays == 7)
    #expect(try RetentionPolicy(windowDays: 1).windowDays == 1)
    #expect(try RetentionPolicy(windowDays: 35).windowDays == 35)
    for days in [0, 36, -3] {
      #expect(throws: RetentionPolicyError.windowOutOfRange(days: days, allowed: 1...35)) {
        try RetentionPolicy(windowDays: days)
      }
    }
    #expect("\(RetentionPolicyError.windowOutOfRange(days: 36, allowed: 1...35))".contains("retention.windowDays"))
  }

  @Test(arguments: [0, 1, 7 * 60 + 59])
  func everySampledTimeInsideTheWindowStaysRestorable(offsetMinutes: Int64) async throws {
    let history = try await HourlyHistory(days: 10)
    // With the window starting exactly at a snapshot (offset 0) or just after one.
    let nowMicros = history.latestMicros + offsetMinutes * minute
    let cutoff = nowMicros - 3 * day
    let report = try await history.sweeper(windowDays: 3).sweep(service: "profile", now: date(nowMicros))

    let anchorDay = (cutoff - HourlyHistory.base) / day
    let anchorSeq = anchorDay * HourlyHistory.recordsPerDay
    #expect(report.deletedSnapshots == (0..<anchorDay).map { "day-\($0)" })
    #expect(report.deletedSegments.count == Int(anchorSeq / 10))
    #expect(report.deletedBytes == anchorDay * 1_000 + anchorSeq / 10 * 100)
    #expect(report.kept.contains { $0.reason == .anchorsWindow && $0.objectKey.hasSuffix("day-\(anchorDay).snapshot") })
    #expect(report.purgedObjects == 0)

    let remaining = try await history.catalog.snapshots(service: "profile")
    #expect(remaining.map(\.id) == (anchorDay..<10).map { "day-\($0)" })
    let segments = try await history.catalog.segments(service: "profile")
    #expect(segments.first?.firstSeq == anchorSeq + 1)

    var samples: [Int64] = [cutoff, cutoff + 1, nowMicros - 1, history.latestMicros]
    samples += stride(from: cutoff, through: history.latestMicros, by: Int(17 * minute + 3_000_000)).map { $0 }
    for micros in samples where micros <= history.latestMicros {
      let plan = try await history.catalog.plan(service: "profile", target: .time(micros: micros))
      let expected = HourlyHistory.seq(at: micros)
      #expect(plan.snapshot.lastSeq <= expected, "\(micros)")
      #expect((plan.segments.last?.lastSeq ?? plan.snapshot.lastSeq) >= expected, "\(micros)")
    }
    let anchorPoint = HourlyHistory.time(anchorSeq)
    for micros in [anchorPoint - 1, cutoff - day - 1, HourlyHistory.base] {
      await #expect(throws: RecoveryError.self) {
        try await history.catalog.plan(service: "profile", target: .time(micros: micros))
      }
    }
  }

  @Test func manualSnapshotsSurviveAndStayRestorableAtTheirPoint() async throws {
    let history = try await HourlyHistory(days: 10)
    let manual = history.snapshot(id: "before-load", kind: .manual, lastSeq: 600)
    try await history.add(manual)
    let nowMicros = history.latestMicros
    let report = try await history.sweeper(windowDays: 2).sweep(service: "profile", now: date(nowMicros))

    #expect(!report.deletedSnapshots.contains(manual.id))
    #expect(report.kept.contains { $0.objectKey == manual.objectKey && $0.reason == .manual })
    #expect(report.kept.contains { $0.reason == .endsManualSnapshot && $0.objectKey.contains("00601-") })
    #expect(try await history.catalog.snapshot(id: manual.id) != nil)
    #expect(history.target.keys.contains(manual.objectKey))

    let plan = try await history.catalog.plan(service: "profile", target: .time(micros: manual.pointMicros))
    #expect(plan.snapshot.id == manual.id)
    #expect(plan.segments.isEmpty)
    // Between the manual snapshot and the window the journal is gone, and before it nothing exists.
    await #expect(throws: RecoveryError.self) {
      try await history.catalog.plan(service: "profile", target: .time(micros: manual.pointMicros + hour))
    }
    await #expect(throws: RecoveryError.outsideWindow(earliest: manual.pointMicros, latest: history.latestMicros)) {
      try await history.catalog.plan(service: "profile", target: .time(micros: manual.pointMicros - 1))
    }
  }

  @Test func nothingIsDeletedWhileNoSnapshotIsOlderThanTheWindow() async throws {
    let history = try await HourlyHistory(days: 3)
    let report = try await history.sweeper(windowDays: 7).sweep(service: "profile", now: date(history.latestMicros))
    #expect(report.deletedSnapshots.isEmpty && report.deletedSegments.isEmpty)
    #expect(try await history.catalog.snapshots(service: "profile").count == 3)
    #expect(!report.notes.isEmpty)
  }

  @Test func objectsStayReadableForTheGracePeriodThenArePurged() async throws {
    let history = try await HourlyHistory(days: 10)
    let sweeper = try history.sweeper(windowDays: 3, gracePeriodMicros: 2 * hour)
    let nowMicros = history.latestMicros
    let day0 = BackupLayout.snapshotKey(service: "profile", id: "day-0")
    _ = try await sweeper.sweep(service: "profile", now: date(nowMicros))
    #expect(history.target.keys.contains(day0))
    #expect(!history.target.keys.contains(BackupLayout.manifestKey(for: day0)))

    let early = try await sweeper.sweep(service: "profile", now: date(nowMicros + hour))
    #expect(early.purgedObjects == 0)
    let late = try await sweeper.sweep(service: "profile", now: date(nowMicros + 2 * hour))
    #expect(late.purgedObjects == 7 + 7 * 24)
    #expect(!history.target.keys.contains(day0))
    #expect(!history.target.keys.contains { $0.hasPrefix(ObjectRetirement.ledgerPrefix) })
    #expect(history.target.keys.contains(BackupLayout.snapshotKey(service: "profile", id: "day-7")))
  }
}

/// A real "items" service database backed up to one target, written transaction by
/// transaction, for restore tests around retention and lifecycle.
struct LiveItemsBackup {
  struct State {
    var seq: Int64
    var micros: Int64
    var items: [String: Item]
  }

  let directory: URL
  let database: ServiceDatabase
  let archive: BackupArchive
  let catalog: BackupCatalog
  private var written = 0
  private var shippedSeq: Int64 = 0

  init(directory: URL, target: any StorageTarget) async throws {
    self.directory = directory
    database = try openItemsDatabase(at: directory.appendingPathComponent("live.sqlite"))
    archive = BackupArchive(target: target, sealer: makeSealer(chunkSize: 4096), scratchDirectory: directory.appendingPathComponent("scratch"))
    catalog = try BackupCatalog(path: directory.appendingPathComponent("catalog.sqlite"))
  }

  /// Commits `count` transactions of one upsert each; returns the state after the last.
  @discardableResult
  mutating func write(_ count: Int) async throws -> State {
    for _ in 0..<count {
      written += 1
      let row = itemRow("item-\(written % 4)", Item(label: "write \(written)", count: Int64(written)))
      try await database.write { _, journal in try journal.upsert("items", row) }
      try await Task.sleep(for: .milliseconds(2))
    }
    let head = try await database.journal(after: 0, limit: 100_000).last!
    return State(seq: head.sequence, micros: head.commitTimeMicros, items: try await database.read { try items(in: $0) })
  }

  func snapshot(kind: SnapshotKind, takenAtMicros: Int64 = Int64(Date().timeIntervalSince1970 * 1_000_000)) async throws -> SnapshotEntry {
    let file = try await database.snapshot(into: directory.appendingPathComponent("snapshot-\(UUID().uuidString).sqlite"))
    let entry = try await archive.storeSnapshot(file: file.url, service: "items", kind: kind, takenAtMicros: takenAtMicros)
    try await catalog.add(entry)
    return entry
  }

  /// Stores every record not yet shipped, three per segment.
  mutating func shipSegments() async throws {
    let records = try await database.journal(after: shippedSeq, limit: 100_000).map { JournalSegment.Record($0) }
    for start in stride(from: 0, to: records.count, by: 3) {
      let chunk = Array(records[start..<min(records.count, start + 3)])
      try await catalog.add(try await archive.storeSegment(try JournalSegment(service: "items", records: chunk)))
    }
    shippedSeq += Int64(records.count)
  }

  var restore: OfflineRestore { OfflineRestore(archive: archive, logger: testLogger) }
}

extension RetentionSweeperTests {
  @Test func aRestorePlannedBeforeTheSweepStillSucceeds() async throws {
    try await withTemporaryDirectory { directory in
      let target = InMemoryTarget(name: "primary")
      var live = try await LiveItemsBackup(directory: directory, target: target)
      try await live.write(5)
      let older = try await live.snapshot(kind: .automated)
      let middle = try await live.write(5)
      try await live.write(5)
      let newer = try await live.snapshot(kind: .automated)
      let end = try await live.write(5)
      try await live.shipSegments()

      let plan = try await live.catalog.plan(service: "items", target: .time(micros: middle.micros))
      #expect(plan.snapshot.id == older.id)
      let sweeper = RetentionSweeper(
        policy: try RetentionPolicy(windowDays: 1), catalog: live.catalog,
        retirement: ObjectRetirement(targets: [target], sealer: live.archive.sealer, gracePeriodMicros: hour))
      let sweptAt = newer.pointMicros + day
      let report = try await sweeper.sweep(service: "items", now: date(sweptAt))
      #expect(report.deletedSnapshots == [older.id])
      #expect(report.deletedSegments.count == 5)

      // New plans no longer reach the swept time; the plan made before still restores it.
      await #expect(throws: RecoveryError.self) {
        try await live.catalog.plan(service: "items", target: .time(micros: middle.micros))
      }
      let restored = try await live.restore.restore(plan, into: directory.appendingPathComponent("during.sqlite"))
      #expect(restored.restoredSeq == middle.seq)
      #expect(try items(ofFile: restored.file) == middle.items)
      let latest = try await live.restore.restore(
        service: "items", to: .time(micros: end.micros), from: live.catalog, into: directory.appendingPathComponent("latest.sqlite"))
      #expect(latest.restoredSeq == end.seq)
      #expect(try items(ofFile: latest.file) == end.items)

      // Once the grace period has passed, the retired objects are gone.
      let later = try await sweeper.sweep(service: "items", now: date(sweptAt + hour))
      #expect(later.purgedObjects == 1 + report.deletedSegments.count)
      #expect(!target.keys.contains(older.objectKey))
      await #expect(throws: OfflineRestoreError.self) {
        try await live.restore.restore(plan, into: directory.appendingPathComponent("after.sqlite"))
      }
    }
  }
}
