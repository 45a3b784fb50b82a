/// A stored journal segment: consecutive change records of one service.
public struct SegmentEntry: Sendable, Hashable, Codable {
  public var service: String
  public var firstSeq: Int64
  public var lastSeq: Int64
  public var firstCommitTimeMicros: Int64
  public var lastCommitTimeMicros: Int64
  public var recordCount: Int64
  public var sealedSizeBytes: Int64
  /// SHA-256 (lowercase hex) of the sealed object, verified on every read.
  public var sealedSHA256: String
  public var objectKey: String
  /// Names of the storage targets holding the object, sorted.
  public var targets: [String]

  public init(
    service: String, firstSeq: Int64, lastSeq: Int64, firstCommitTimeMicros: Int64, lastCommitTimeMicros: Int64,
    recordCount: Int64, sealedSizeBytes: Int64, sealedSHA256: String, objectKey: String, targets: [String]
  ) {
    self.service = service
    self.firstSeq = firstSeq
    self.lastSeq = lastSeq
    self.firstCommitTimeMicros = firstCommitTimeMicros
    self.lastCommitTimeMicros = lastCommitTimeMicros
    self.recordCount = recordCount
    self.sealedSizeBytes = sealedSizeBytes
    self.sealedSHA256 = sealedSHA256
    self.objectKey = objectKey
    self.targets = targets.sorted()
  }

  public var range: SequenceRange { SequenceRange(first: firstSeq, last: lastSeq) }
}

/// An inclusive range of journal sequences.
public struct SequenceRange: Sendable, Hashable, Codable, CustomStringConvertible {
  public var first: Int64
  public var last: Int64

  public init(first: Int64, last: Int64) {
    self.first = first
    self.last = last
  }

  public var description: String { "\(first)–\(last)" }
}
