import BackupCore
import BackupStorage
import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import Testing

@Suite struct LogShipperTests {
  @Test func shipsRecordsWrittenWhileItRunsWithinAboutASecond() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      try await fixture.write(1...5)
      let shipper = fixture.shipper(.init())  // the default one-second flush interval
      let running = Task { try await shipper.run() }
      #expect(try await eventually { shipper.status.lastStoredSeq == 5 })

      // One write while idle is stored by the one-second timer alone, with no further writes
      // and far below the size limits; the bound leaves room for a loaded machine.
      try await Task.sleep(for: .milliseconds(300))
      let head = try await fixture.write([6])
      let written = ContinuousClock.now
      #expect(try await eventually { try await fixture.catalog.lastShippedSeq(service: "items") == head })
      #expect(ContinuousClock.now - written < .seconds(5))

      // Writes while it runs are all shipped, continuously.
      let last = try await fixture.write(7...40)
      #expect(try await eventually { try await fixture.catalog.lastShippedSeq(service: "items") == last })
      let segments = try await fixture.catalog.segments(service: "items")
      #expect(coverage(of: segments, through: last) == nil)
      #expect(segments.count >= 3)
      var shipped: [Int64] = []
      for segment in segments { shipped += try await fixture.archive.fetchSegment(segment).records.map(\.seq) }
      #expect(shipped == Array(1...last))

      let status = shipper.status
      #expect(status.lastStoredSeq == last && status.isCaughtUp && status.lastError == nil)
      #expect(status.lagSeconds(nowMicros: Int64(Date().timeIntervalSince1970 * 1_000_000)) == 0)
      running.cancel()
      try await running.value
      await fixture.database.close()
    }
  }

  @Test func aRestartedShipperResumesWithoutGapOrDuplicate() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      let first = fixture.shipper()
      let running = Task { try await first.run() }
      let writer = Task {
        for round in 0..<60 {
          try await fixture.write([round])
          try await Task.sleep(for: .milliseconds(5))
        }
      }
      #expect(try await eventually { (first.status.lastStoredSeq ?? 0) >= 10 })
      running.cancel()
      try await running.value
      try await writer.value
      // Cancelled mid-stream, it stored everything it had received.
      let stoppedAt = try #require(try await fixture.catalog.lastShippedSeq(service: "items"))
      #expect(first.status.lastStoredSeq == stoppedAt && first.status.pendingRecords == 0)
      let head = try await fixture.write(100..<120)
      #expect(stoppedAt < head)

      let second = fixture.shipper()
      let resumed = Task { try await second.run() }
      #expect(try await eventually { try await fixture.catalog.lastShippedSeq(service: "items") == head })
      resumed.cancel()
      try await resumed.value

      // The new stream starts at the last stored record, to check it is the same history.
      #expect(fixture.source.calls.afterSeqsRequested == [0, stoppedAt - 1])
      let segments = try await fixture.catalog.segments(service: "items")
      #expect(coverage(of: segments, through: head) == nil)
      var shipped: [Int64] = []
      for segment in segments { shipped += try await fixture.archive.fetchSegment(segment).records.map(\.seq) }
      #expect(shipped == Array(1...head))
      await fixture.database.close()
    }
  }

  @Test func storesFullSegmentsAtOnceAndTheRestWhenCancelled() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      let shipper = fixture.shipper(.init(flushInterval: .seconds(60), maxSegmentRecords: 5))
      let running = Task { try await shipper.run() }
      let head = try await fixture.write(1...23)
      #expect(try await eventually { shipper.status.lastStoredSeq == 20 })
      #expect(try await eventually { shipper.status.pendingRecords == 3 })
      #expect(!shipper.status.isCaughtUp)
      running.cancel()
      try await running.value
      let segments = try await fixture.catalog.segments(service: "items")
      #expect(segments.map(\.range) == [1...5, 6...10, 11...15, 16...20, 21...23].map { SequenceRange(first: $0.lowerBound, last: $0.upperBound) })
      #expect(head == 23 && shipper.status.lastStoredSeq == 23)
      await fixture.database.close()
    }
  }

  @Test func dropsDuplicatesAfterAReconnectAndResumesFromTheCatalog() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      let source = ScriptedSource(
        service: "items",
        streams: [
          .init(records: (1...3).map { changeRecord(seq: $0, micros: 1_000 * $0) }, ending: .fail(RPCError(code: .unavailable, message: "gone"))),
          .init(records: (2...6).map { changeRecord(seq: $0, micros: 1_000 * $0) }, ending: .stayOpen),
        ])
      let shipper = LogShipper(
        source: source, archive: fixture.archive, catalog: fixture.catalog,
        configuration: .init(flushInterval: .milliseconds(50), initialBackoff: .milliseconds(10)), logger: testLogger)
      let running = Task { try await shipper.run() }
      #expect(try await eventually { shipper.status.lastStoredSeq == 6 })
      running.cancel()
      try await running.value
      // The records of the failed stream were stored before asking again from the catalog,
      // from the last stored record on.
      #expect(source.calls.afterSeqsRequested == [0, 2])
      let segments = try await fixture.catalog.segments(service: "items")
      #expect(coverage(of: segments, through: 6) == nil)
      await fixture.database.close()
    }
  }

  @Test func aHoleInTheJournalStopsShippingWithAClearError() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      let source = ScriptedSource(
        service: "items",
        streams: [.init(records: [1, 2, 2, 3, 5, 6].map { changeRecord(seq: $0, micros: 1_000 * $0) }, ending: .stayOpen)])
      let shipper = LogShipper(source: source, archive: fixture.archive, catalog: fixture.catalog, logger: testLogger)
      await #expect(throws: LogShipperError.gap(service: "items", expected: 4, found: 5)) {
        try await shipper.run()
      }
      #expect(try await fixture.catalog.lastShippedSeq(service: "items") == 3)
      let status = shipper.status
      #expect(status.stoppedBecause?.contains("expected sequence 4, received 5") == true)
      #expect(!status.isCaughtUp && status.lastStoredSeq == 3)
      await fixture.database.close()
    }
  }

  @Test func aServiceWithAnotherHistoryStopsShippingInsteadOfMixingThem() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      let source = ScriptedSource(
        service: "items",
        streams: [
          .init(records: (1...3).map { changeRecord(seq: $0, micros: 1_000 * $0) }, ending: .fail(RPCError(code: .unavailable, message: "gone"))),
          // The database was recreated: sequence 3 exists again, committed at another time.
          .init(records: (3...5).map { changeRecord(seq: $0, micros: 9_000 * $0) }, ending: .stayOpen),
        ])
      let shipper = LogShipper(
        source: source, archive: fixture.archive, catalog: fixture.catalog,
        configuration: .init(flushInterval: .milliseconds(50), initialBackoff: .milliseconds(10)), logger: testLogger)
      await #expect(throws: LogShipperError.historyMismatch(service: "items", seq: 3, storedCommitTimeMicros: 3_000, serviceCommitTimeMicros: 27_000)) {
        try await shipper.run()
      }
      #expect(try await fixture.catalog.lastShippedSeq(service: "items") == 3)
      #expect(shipper.status.stoppedBecause?.contains("no longer holds the history") == true)
      await fixture.database.close()
    }
  }

  @Test func lagIsTheAgeOfTheNewestStoredChangeWhileAnythingIsPending() {
    var status = LogShipperStatus(service: "items")
    #expect(status.lagSeconds(nowMicros: 10_000_000) == 0)
    status.oldestPendingCommitTimeMicros = 7_000_000
    status.pendingRecords = 1
    #expect(status.lagSeconds(nowMicros: 10_000_000) == 3)
    status.lastStoredCommitTimeMicros = 8_500_000
    #expect(status.lagSeconds(nowMicros: 10_000_000) == 1.5)
    status.isStreaming = true
    status.pendingRecords = 0
    #expect(status.lagSeconds(nowMicros: 10_000_000) == 0)
  }
}
