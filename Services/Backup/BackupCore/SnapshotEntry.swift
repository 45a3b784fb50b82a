/// Why a snapshot exists, which decides how long it is kept.
public enum SnapshotKind: String, Sendable, Hashable, Codable, CaseIterable {
  /// Taken on the schedule; deleted by retention.
  case automated
  /// Taken on demand; kept until deleted explicitly.
  case manual
}

/// A recovery point: a sealed, consistent copy of one service's database. Times are
/// microseconds since 1970, like the change journal's commit times.
public struct SnapshotEntry: Sendable, Hashable, Codable {
  public var id: String
  public var service: String
  public var kind: SnapshotKind
  public var takenAtMicros: Int64
  /// The last journal sequence the copy contains (0 for an empty journal).
  public var lastSeq: Int64
  /// The commit time of that record; nil for an empty journal.
  public var lastCommitTimeMicros: Int64?
  /// The number of schema migrations applied to the copy.
  public var schemaVersion: Int
  /// The size of the database file before sealing.
  public var sizeBytes: Int64
  public var sealedSizeBytes: Int64
  /// SHA-256 (lowercase hex) of the sealed object, verified on every read.
  public var sealedSHA256: String
  public var objectKey: String
  /// Row counts and logical digest of the copy, for comparing restores with it.
  public var content: DatabaseDigest
  /// Names of the storage targets holding the object, sorted.
  public var targets: [String]

  public init(
    id: String, service: String, kind: SnapshotKind, takenAtMicros: Int64, lastSeq: Int64, lastCommitTimeMicros: Int64?,
    schemaVersion: Int, sizeBytes: Int64, sealedSizeBytes: Int64, sealedSHA256: String, objectKey: String,
    content: DatabaseDigest, targets: [String]
  ) {
    self.id = id
    self.service = service
    self.kind = kind
    self.takenAtMicros = takenAtMicros
    self.lastSeq = lastSeq
    self.lastCommitTimeMicros = lastCommitTimeMicros
    self.schemaVersion = schemaVersion
    self.sizeBytes = sizeBytes
    self.sealedSizeBytes = sealedSizeBytes
    self.sealedSHA256 = sealedSHA256
    self.objectKey = objectKey
    self.content = content
    self.targets = targets.sorted()
  }

  /// The earliest time this snapshot represents: its last commit, or when it was taken if its
  /// journal is empty.
  public var pointMicros: Int64 { lastCommitTimeMicros ?? takenAtMicros }
}
