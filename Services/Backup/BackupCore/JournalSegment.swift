import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// A batch of consecutive change-journal records of one service, as shipped to storage:
/// sequences strictly increase by one and commit times never go backwards.
///
/// Encoded form (before sealing):
///
///     "LMJS" | version (1) | service (varint length + UTF-8)
///     | first seq | last seq | first commit µs | last commit µs   (Int64, big-endian)
///     | record count (varint) | records, each a varint length + a serialized ChangeRecord
public struct JournalSegment: Sendable, Equatable {
  public typealias Record = Loyalty_Replication_V1_ChangeRecord

  public let service: String
  public let records: [Record]

  /// Checks that `records` are non-empty, valid and continuous.
  public init(service: String, records: [Record]) throws(JournalSegmentError) {
    guard !records.isEmpty else { throw .empty(service: service) }
    var previous: Record?
    for record in records {
      guard record.seq > 0 else {
        throw .invalidRecord(service: service, seq: record.seq, detail: "sequence numbers start at 1")
      }
      guard record.operation == .upsert || record.operation == .delete else {
        throw .invalidRecord(service: service, seq: record.seq, detail: "operation \(record.operation) is neither upsert nor delete")
      }
      guard record.hasCommitTime, !record.entity.isEmpty else {
        throw .invalidRecord(service: service, seq: record.seq, detail: "a commit time and an entity are required")
      }
      if let previous {
        guard record.seq == previous.seq + 1 else {
          throw .discontinuous(service: service, expected: previous.seq + 1, found: record.seq)
        }
        guard record.commitTime.micros >= previous.commitTime.micros else {
          throw .invalidRecord(service: service, seq: record.seq, detail: "it commits before its predecessor")
        }
      }
      previous = record
    }
    self.service = service
    self.records = records
  }

  public var firstSeq: Int64 { records[0].seq }
  public var lastSeq: Int64 { records[records.count - 1].seq }
  public var firstCommitTimeMicros: Int64 { records[0].commitTime.micros }
  public var lastCommitTimeMicros: Int64 { records[records.count - 1].commitTime.micros }

  /// The records as the runtime's journal records, ready for `JournalReplay`.
  public func journalRecords() throws(JournalSegmentError) -> [JournalRecord] {
    var converted: [JournalRecord] = []
    converted.reserveCapacity(records.count)
    for record in records {
      do {
        converted.append(try JournalRecord(record))
      } catch {
        throw .invalidRecord(service: service, seq: record.seq, detail: error.message)
      }
    }
    return converted
  }

  private static let magic = Data("LMJS".utf8)
  private static let version: UInt8 = 1

  public func encoded() throws -> Data {
    var data = Self.magic
    data.append(Self.version)
    let name = Data(service.utf8)
    data.appendVarint(UInt64(name.count))
    data.append(name)
    for value in [firstSeq, lastSeq, firstCommitTimeMicros, lastCommitTimeMicros] {
      withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) }
    }
    data.appendVarint(UInt64(records.count))
    for record in records {
      let bytes: Data = try record.serializedBytes()
      data.appendVarint(UInt64(bytes.count))
      data.append(bytes)
    }
    return data
  }

  /// Decodes an encoded segment and verifies it: the header agrees with the records, and
  /// the records are continuous.
  public init(decoding data: Data) throws(JournalSegmentError) {
    var reader = ByteReader(Data(data))
    guard reader.take(4) == Self.magic else { throw .malformed("it does not start with the segment marker") }
    guard let version = reader.take(1)?.first, version == Self.version else {
      throw .malformed("unsupported segment version")
    }
    guard let nameLength = reader.varint(), nameLength <= 1024, let name = reader.take(Int(nameLength)),
      let service = String(data: name, encoding: .utf8)
    else { throw .malformed("unreadable service name") }
    guard let firstSeq = reader.int64(), let lastSeq = reader.int64(), let firstCommit = reader.int64(),
      let lastCommit = reader.int64(), let count = reader.varint()
    else { throw .malformed("the header of \(service)'s segment is cut short") }
    guard firstSeq > 0, lastSeq >= firstSeq, count == UInt64(lastSeq - firstSeq) + 1 else {
      throw .headerMismatch(service: service, detail: "\(count) records cannot span sequences \(firstSeq)–\(lastSeq)")
    }
    var records: [Record] = []
    records.reserveCapacity(Int(min(count, 1 << 20)))
    for position in 0..<count {
      guard let length = reader.varint(), length <= UInt64(reader.remaining), let bytes = reader.take(Int(length)) else {
        throw .malformed("record \(position + 1) of \(count) in \(service)'s segment is cut short")
      }
      do {
        records.append(try Record(serializedBytes: bytes))
      } catch {
        throw .malformed("record \(position + 1) of \(count) in \(service)'s segment is not a ChangeRecord")
      }
    }
    guard reader.remaining == 0 else { throw .malformed("\(reader.remaining) bytes follow the last record") }
    try self.init(service: service, records: records)
    guard self.firstSeq == firstSeq, self.lastSeq == lastSeq else {
      throw .headerMismatch(
        service: service, detail: "the header says \(firstSeq)–\(lastSeq), the records are \(self.firstSeq)–\(self.lastSeq)")
    }
    guard firstCommitTimeMicros == firstCommit, lastCommitTimeMicros == lastCommit else {
      throw .headerMismatch(service: service, detail: "the header's commit times differ from the records'")
    }
  }
}

public enum JournalSegmentError: Error, Equatable, CustomStringConvertible {
  case empty(service: String)
  case malformed(String)
  case headerMismatch(service: String, detail: String)
  /// Sequence numbers do not increase by exactly one.
  case discontinuous(service: String, expected: Int64, found: Int64)
  case invalidRecord(service: String, seq: Int64, detail: String)

  public var description: String {
    switch self {
    case .empty(let service): "a journal segment of \(service) must hold at least one record"
    case .malformed(let detail): "not a journal segment: \(detail)"
    case .headerMismatch(let service, let detail): "journal segment of \(service) is inconsistent: \(detail)"
    case .discontinuous(let service, let expected, let found):
      "journal segment of \(service) is not continuous: expected sequence \(expected), found \(found)"
    case .invalidRecord(let service, let seq, let detail): "journal segment of \(service), sequence \(seq): \(detail)"
    }
  }
}

extension Data {
  mutating func appendVarint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      append(UInt8(value & 0x7f) | 0x80)
      value >>= 7
    }
    append(UInt8(value))
  }
}

/// Reads the fields of an encoded segment; nil when the data ends early.
struct ByteReader {
  private let data: Data
  private var offset: Int

  init(_ data: Data) {
    self.data = data
    self.offset = data.startIndex
  }

  var remaining: Int { data.endIndex - offset }

  mutating func take(_ count: Int) -> Data? {
    guard count >= 0, count <= remaining else { return nil }
    defer { offset += count }
    return data[offset..<offset + count]
  }

  mutating func int64() -> Int64? {
    guard let bytes = take(8) else { return nil }
    return Int64(bitPattern: bytes.reduce(0) { $0 << 8 | UInt64($1) })
  }

  mutating func varint() -> UInt64? {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while shift < 64, let byte = take(1)?.first {
      value |= UInt64(byte & 0x7f) << shift
      if byte < 0x80 { return value }
      shift += 7
    }
    return nil
  }
}
