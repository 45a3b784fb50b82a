import BackupCore
import Foundation
import Testing

/// A synthetic journal: the commit time of every sequence, with runs of equal times (records
/// of one transaction) and gaps from microseconds to seconds.
private struct History {
  static let base: Int64 = 1_700_000_000_000_000
  /// `times[seq - 1]` is the commit time of `seq`.
  let times: [Int64]

  init(count: Int, using generator: inout some RandomNumberGenerator) {
    var time = Self.base
    var times: [Int64] = []
    for _ in 0..<count {
      time += [0, 0, 1, 2, 37, 1_000, 250_000, 3_000_000].randomElement(using: &generator)!
      times.append(time)
    }
    self.times = times
  }

  init(evenlyEvery step: Int64, count: Int) {
    times = (1...count).map { Self.base + Int64($0) * step }
  }

  func time(_ seq: Int64) -> Int64 { times[Int(seq) - 1] }

  /// The last sequence committed at or before `micros` (0 before the first).
  func expectedSeq(at micros: Int64) -> Int64 {
    var low = 0
    var high = times.count
    while low < high {
      let middle = (low + high) / 2
      if times[middle] <= micros { low = middle + 1 } else { high = middle }
    }
    return Int64(low)
  }

  func snapshot(_ id: String, lastSeq: Int64) -> SnapshotEntry {
    let commit = lastSeq == 0 ? nil : time(lastSeq)
    return SnapshotEntry(
      id: id, service: "profile", kind: .automated, takenAtMicros: (commit ?? Self.base - 1_000) + 500, lastSeq: lastSeq,
      lastCommitTimeMicros: commit, schemaVersion: 1, sizeBytes: 1, sealedSizeBytes: 1, sealedSHA256: "",
      objectKey: "snap/\(id)", content: DatabaseDigest(tables: [], sha256: ""), targets: ["primary"])
  }

  func segment(_ first: Int64, _ last: Int64, key: String? = nil) -> SegmentEntry {
    SegmentEntry(
      service: "profile", firstSeq: first, lastSeq: last, firstCommitTimeMicros: time(first),
      lastCommitTimeMicros: time(last), recordCount: last - first + 1, sealedSizeBytes: 1, sealedSHA256: "",
      objectKey: key ?? "seg/\(first)-\(last)", targets: ["primary"])
  }

  /// Consecutive segments of random lengths covering every sequence.
  func tiling(using generator: inout some RandomNumberGenerator) -> [SegmentEntry] {
    var segments: [SegmentEntry] = []
    var first: Int64 = 1
    while first <= Int64(times.count) {
      let last = min(Int64(times.count), first + Int64.random(in: 0...59, using: &generator))
      segments.append(segment(first, last))
      first = last + 1
    }
    return segments
  }

  /// Replays `plan` against the history: the sequence a restore following it ends at.
  func replayedSeq(_ plan: RecoveryPlan) -> Int64 {
    var head = plan.snapshot.lastSeq
    for segment in plan.segments where segment.lastSeq > head {
      for seq in max(segment.firstSeq, head + 1)...segment.lastSeq {
        if time(seq) > plan.targetMicros { return head }
        guard seq == head + 1 else { return -1 }
        head = seq
      }
    }
    return head
  }
}

/// SplitMix64: reproducible randomness, so that a failure can be replayed from its seed.
private struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

@Suite struct RecoveryPlannerTests {
  private func plan(
    _ target: RecoveryTarget, _ snapshots: [SnapshotEntry], _ segments: [SegmentEntry], excluding: Set<String> = []
  ) throws(RecoveryError) -> RecoveryPlan {
    try RecoveryPlanner.plan(
      service: "profile", target: target, snapshots: snapshots, segments: segments, excludingSnapshots: excluding)
  }

  @Test(arguments: [1 as UInt64, 2, 3, 4])
  func pointInTimeIsExactAtManyRandomTimes(seed: UInt64) throws {
    var generator = SeededGenerator(state: seed)
    let history = History(count: 2_000, using: &generator)
    let snapshots = [
      history.snapshot("empty", lastSeq: 0), history.snapshot("s700", lastSeq: 700),
      history.snapshot("s1500", lastSeq: 1_500),
    ]
    let segments = history.tiling(using: &generator).shuffled(using: &generator)
    let earliest = snapshots[0].takenAtMicros
    let latest = history.times.last!

    var targets: [Int64] = (0..<300).map { _ in Int64.random(in: earliest...latest, using: &generator) }
    for _ in 0..<200 {
      let seq = Int64.random(in: 1...2_000, using: &generator)
      targets += [history.time(seq), history.time(seq) - 1, history.time(seq) + 1]
    }
    targets += snapshots.map(\.pointMicros) + [earliest, latest]

    for target in targets where target >= earliest && target <= latest {
      let plan = try plan(.time(micros: target), snapshots, segments)
      let comment = Comment(rawValue: "seed \(seed), target \(target)")
      #expect(history.replayedSeq(plan) == history.expectedSeq(at: target), comment)
      let newest = snapshots.filter { $0.pointMicros <= target }.max { $0.lastSeq < $1.lastSeq }!
      #expect(plan.snapshot == newest, comment)
      #expect(plan.notes.isEmpty, comment)
      #expect(plan.window == RecoveryWindow(earliestMicros: earliest, latestMicros: latest))
      // Continuous, and no segment beyond the one holding the last record to replay.
      if let first = plan.segments.first {
        #expect(first.firstSeq <= plan.snapshot.lastSeq + 1 && first.lastSeq > plan.snapshot.lastSeq, comment)
        #expect(zip(plan.segments, plan.segments.dropFirst()).allSatisfy { $1.firstSeq == $0.lastSeq + 1 }, comment)
        #expect(plan.segments.last!.firstCommitTimeMicros <= target, comment)
      }
    }
    let newest = try plan(.latest, snapshots, segments)
    #expect(newest.targetMicros == latest)
    #expect(history.replayedSeq(newest) == 2_000)
    #expect(newest.snapshot.id == "s1500")
  }

  @Test func timesOutsideTheWindowAreErrorsNotLatest() throws {
    var generator = SeededGenerator(state: 9)
    let history = History(count: 500, using: &generator)
    let snapshots = [history.snapshot("s100", lastSeq: 100), history.snapshot("s400", lastSeq: 400)]
    let segments = history.tiling(using: &generator).filter { $0.lastSeq > 100 }
    let window = RecoveryError.outsideWindow(earliest: history.time(100), latest: history.time(500))
    #expect(throws: window) { try plan(.time(micros: history.time(100) - 1), snapshots, segments) }
    #expect(throws: window) { try plan(.time(micros: history.time(500) + 1), snapshots, segments) }
    #expect(throws: window) { try plan(.time(micros: 0), snapshots, segments) }
    #expect(history.replayedSeq(try plan(.time(micros: history.time(100)), snapshots, segments)) == history.expectedSeq(at: history.time(100)))
    #expect(history.replayedSeq(try plan(.time(micros: history.time(500)), snapshots, segments)) == 500)
    #expect(throws: RecoveryError.noRecoveryPoint(service: "profile")) { try plan(.latest, [], segments) }
    #expect(RecoveryError.outsideWindow(earliest: 1_700_000_000_000_000, latest: 1_700_000_001_000_001).description.contains(
      "2023-11-14T22:13:20.000000Z"))
  }

  @Test func aMissingMiddleSegmentIsAGap() throws {
    let history = History(evenlyEvery: 1_000, count: 300)
    let snapshots = [history.snapshot("s50", lastSeq: 50), history.snapshot("s200", lastSeq: 200)]
    let segments = stride(from: 1, through: 300, by: 25).map { history.segment(Int64($0), Int64($0) + 24) }

    // 101–125 is lost: between s50 and s200.
    let lost = segments.filter { $0.firstSeq != 101 }
    for seq: Int64 in [60, 99] {
      let plan = try plan(.time(micros: history.time(seq)), snapshots, lost)
      #expect(history.replayedSeq(plan) == seq)
    }
    for seq: Int64 in [100, 101, 150, 199] {
      #expect(throws: RecoveryError.gap(after: 100, next: 126)) { try plan(.time(micros: history.time(seq)), snapshots, lost) }
    }
    // The newer snapshot does not need the lost segment.
    #expect(history.replayedSeq(try plan(.time(micros: history.time(250)), snapshots, lost)) == 250)

    // 226–250 is lost: after the newest snapshot, so no snapshot can cross it.
    let lostLate = segments.filter { $0.firstSeq != 226 }
    #expect(history.replayedSeq(try plan(.time(micros: history.time(224)), snapshots, lostLate)) == 224)
    #expect(throws: RecoveryError.gap(after: 225, next: 251)) { try plan(.latest, snapshots, lostLate) }
    // Nothing shipped after 250, but a newer snapshot exists: the window reaches it, and
    // the times between cannot be restored exactly.
    let withLateSnapshot = snapshots + [history.snapshot("s290", lastSeq: 290)]
    let lostTail = segments.filter { $0.lastSeq <= 250 }
    #expect(throws: RecoveryError.gap(after: 250, next: nil)) {
      try plan(.time(micros: history.time(260)), withLateSnapshot, lostTail)
    }
    #expect(history.replayedSeq(try plan(.time(micros: history.time(249)), withLateSnapshot, lostTail)) == 249)
    #expect(history.replayedSeq(try plan(.latest, withLateSnapshot, lostTail)) == 290)
  }

  @Test func anUnusableNewestSnapshotFallsBackToAnOlderOneAndSaysSo() throws {
    let history = History(evenlyEvery: 1_000, count: 300)
    let snapshots = [history.snapshot("s50", lastSeq: 50), history.snapshot("s200", lastSeq: 200)]
    let segments = stride(from: 1, through: 300, by: 25).map { history.segment(Int64($0), Int64($0) + 24) }
    let plan = try plan(.time(micros: history.time(260)), snapshots, segments, excluding: ["s200"])
    #expect(plan.snapshot.id == "s50")
    #expect(history.replayedSeq(plan) == 260)
    #expect(plan.notes.count == 2)
    #expect(plan.notes[0].contains("s200") && plan.notes[0].contains("excluded"))
    #expect(plan.notes[1].contains("older snapshot s50"))
    // Without the older snapshot, the window starts later.
    #expect(throws: RecoveryError.outsideWindow(earliest: history.time(200), latest: history.time(300))) {
      try self.plan(.time(micros: history.time(100)), snapshots, segments, excluding: ["s50"])
    }
    #expect(throws: RecoveryError.noRecoveryPoint(service: "profile")) {
      try self.plan(.latest, snapshots, segments, excluding: ["s50", "s200"])
    }
  }

  @Test func overlappingAndDuplicateSegmentsAreRefusedWhereTheyMatter() throws {
    let history = History(evenlyEvery: 1_000, count: 100)
    let snapshots = [history.snapshot("empty", lastSeq: 0)]
    let tiling = [history.segment(1, 40), history.segment(41, 80), history.segment(81, 100)]

    let overlapping = tiling + [history.segment(60, 90)]
    #expect(throws: RecoveryError.overlap(SequenceRange(first: 41, last: 80), SequenceRange(first: 60, last: 90))) {
      try plan(.time(micros: history.time(70)), snapshots, overlapping)
    }
    #expect(throws: RecoveryError.self) { try plan(.latest, snapshots, overlapping) }
    // Before the overlap, the chain is sound.
    #expect(history.replayedSeq(try plan(.time(micros: history.time(30)), snapshots, overlapping)) == 30)

    let duplicate = tiling + [history.segment(41, 80, key: "copy/41-80")]
    #expect {
      try plan(.time(micros: history.time(50)), snapshots, duplicate)
    } throws: { error in
      guard case RecoveryError.overlap(let first, let second) = error else { return false }
      return first == second && first == SequenceRange(first: 41, last: 80) && "\(error)".contains("both hold")
    }

    // A segment that starts before a snapshot and continues after it is how shipping works.
    let straddling = [history.snapshot("s50", lastSeq: 50)]
    #expect(history.replayedSeq(try plan(.latest, straddling, tiling)) == 100)
    #expect(try plan(.latest, straddling, tiling).segments.map(\.firstSeq) == [41, 81])
  }

  @Test func segmentsStartingAfterTheTargetAreNotFetched() throws {
    let history = History(evenlyEvery: 1_000, count: 100)
    let snapshots = [history.snapshot("s40", lastSeq: 40)]
    let segments = [history.segment(1, 40), history.segment(41, 80), history.segment(81, 100)]
    let atSnapshot = try plan(.time(micros: history.time(40) + 500), snapshots, segments)
    #expect(atSnapshot.segments.isEmpty)
    #expect(try plan(.time(micros: history.time(80)), snapshots, segments).segments.map(\.firstSeq) == [41])
    #expect(try plan(.time(micros: history.time(81)), snapshots, segments).segments.map(\.firstSeq) == [41, 81])
  }
}
