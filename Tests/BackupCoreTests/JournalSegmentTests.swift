import BackupCore
import Foundation
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Testing

@Suite struct JournalSegmentTests {
  private func records(_ seqs: [Int64], micros: (Int64) -> Int64 = { 1_000_000 + $0 * 10 }) -> [JournalSegment.Record] {
    seqs.map { changeRecord(seq: $0, micros: micros($0), key: "k\($0)") }
  }

  @Test func encodesAndDecodesWithItsRange() throws {
    var batch = records(Array(41...45), micros: { 1_000_000 + ($0 / 2) * 10 })
    batch[2].operation = .delete
    batch[2].value = Data()
    let segment = try JournalSegment(service: "profile", records: batch)
    #expect(segment.firstSeq == 41 && segment.lastSeq == 45)
    #expect(segment.firstCommitTimeMicros == 1_000_200 && segment.lastCommitTimeMicros == 1_000_220)
    let decoded = try JournalSegment(decoding: try segment.encoded())
    #expect(decoded == segment)
    #expect(decoded.service == "profile")
    let journal = try decoded.journalRecords()
    #expect(journal.map(\.sequence) == Array(41...45))
    #expect(journal[2].operation == .delete && journal[0].operation == .upsert)
    #expect(journal[0].value == batch[0].value)
  }

  @Test func continuityIsRequired() throws {
    #expect(throws: JournalSegmentError.discontinuous(service: "p", expected: 3, found: 4)) {
      try JournalSegment(service: "p", records: records([1, 2, 4]))
    }
    #expect(throws: JournalSegmentError.discontinuous(service: "p", expected: 3, found: 2)) {
      try JournalSegment(service: "p", records: records([1, 2, 2, 3]))
    }
    #expect(throws: JournalSegmentError.discontinuous(service: "p", expected: 6, found: 4)) {
      try JournalSegment(service: "p", records: records([5, 4]))
    }
    #expect(throws: JournalSegmentError.empty(service: "p")) { try JournalSegment(service: "p", records: []) }
    #expect {
      try JournalSegment(service: "p", records: records([1, 2], micros: { 100 - $0 }))
    } throws: { error in
      guard case JournalSegmentError.invalidRecord(_, let seq, _) = error else { return false }
      return seq == 2
    }
    var unspecified = records([7])
    unspecified[0].operation = .unspecified
    #expect(throws: JournalSegmentError.self) { try JournalSegment(service: "p", records: unspecified) }
  }

  @Test func decodingVerifiesTheHeaderAgainstTheRecords() throws {
    let encoded = try JournalSegment(service: "p", records: records([10, 11, 12])).encoded()
    // The header's first sequence sits after "LMJS", the version and the 1-byte name.
    let firstSeqOffset = 4 + 1 + 1 + 1
    var wrongFirst = encoded
    wrongFirst[firstSeqOffset + 7] = 9
    #expect(throws: JournalSegmentError.self) { try JournalSegment(decoding: wrongFirst) }
    var wrongTime = encoded
    wrongTime[firstSeqOffset + 16 + 7] ^= 0x01
    #expect {
      try JournalSegment(decoding: wrongTime)
    } throws: { error in
      guard case JournalSegmentError.headerMismatch = error else { return false }
      return true
    }
    #expect(throws: JournalSegmentError.self) { try JournalSegment(decoding: encoded.dropLast(3)) }
    #expect(throws: JournalSegmentError.self) { try JournalSegment(decoding: encoded + Data([0])) }
    #expect(throws: JournalSegmentError.self) { try JournalSegment(decoding: Data("nonsense".utf8)) }
  }

  @Test func aSegmentWithAHoleCannotBeDecoded() throws {
    // Hand-build a segment whose header claims 1–3 but whose records skip sequence 2.
    let good = try JournalSegment(service: "p", records: records([1, 2, 3]))
    var encoded = try good.encoded()
    let second: Data = try good.records[1].serializedBytes()
    let replacement: Data = try changeRecord(seq: 4, micros: good.records[1].commitTime.micros, key: "k2").serializedBytes()
    #expect(second.count == replacement.count)
    let range = try #require(encoded.range(of: second))
    encoded.replaceSubrange(range, with: replacement)
    #expect(throws: JournalSegmentError.discontinuous(service: "p", expected: 2, found: 4)) {
      try JournalSegment(decoding: encoded)
    }
  }
}
