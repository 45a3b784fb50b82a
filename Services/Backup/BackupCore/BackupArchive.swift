import BackupStorage
import Crypto
import Foundation
import GRDB
import LoyaltyRuntime

/// Backup objects on one storage target: each snapshot or journal segment is sealed
/// (encrypted and checksummed) and stored with a sealed manifest next to it, written after the
/// data so that a manifest always describes an object that exists. Reads verify the checksum
/// recorded in the catalog entry and that the content matches the entry.
public struct BackupArchive: Sendable {
  public let target: any StorageTarget
  public let sealer: ObjectSealer
  /// Where sealed files are staged on their way to and from the target.
  public let scratchDirectory: URL

  public init(target: any StorageTarget, sealer: ObjectSealer, scratchDirectory: URL) {
    self.target = target
    self.sealer = sealer
    self.scratchDirectory = scratchDirectory
  }

  /// How errors name an object: the target and the key.
  public func objectName(_ key: String) -> String { "\(target.name):\(key)" }

  // MARK: Storing

  /// Seals and stores a consistent copy of `service`'s database (from `ServiceDatabase.snapshot`
  /// or the Snapshot RPC). Its journal head, schema version and content digest are read from
  /// the file itself. Returns the catalog entry, listing this target.
  public func storeSnapshot(file: URL, service: String, kind: SnapshotKind, takenAtMicros: Int64) async throws -> SnapshotEntry {
    try Self.requireValidService(service)
    let id = BackupLayout.newSnapshotID(takenAtMicros: takenAtMicros)
    let key = BackupLayout.snapshotKey(service: service, id: id)
    let sealedFile = try scratchFile("seal")
    defer { try? FileManager.default.removeItem(at: sealedFile) }
    // Both only read the file: the digest and the sealing run side by side.
    async let readFacts = SnapshotFileFacts.read(file)
    let sealer = self.sealer
    let sealed = try await BlockingIO.run { try sealer.sealFile(file, to: sealedFile) }
    let facts = try await readFacts
    try await target.adoptFile(key, from: sealedFile, ifAbsent: true)
    let entry = SnapshotEntry(
      id: id, service: service, kind: kind, takenAtMicros: takenAtMicros, lastSeq: facts.lastSeq,
      lastCommitTimeMicros: facts.lastCommitTimeMicros, schemaVersion: facts.schemaVersion, sizeBytes: sealed.plaintextSize,
      sealedSizeBytes: sealed.sealedSize, sealedSHA256: sealed.sha256, objectKey: key, content: facts.content,
      targets: [target.name])
    try await storeManifest(CatalogManifest(entry), for: key)
    return entry
  }

  /// Seals and stores a journal segment. Storing a segment again (after a crash between the
  /// upload and the catalog update) adopts the stored object when it holds the same records;
  /// different records under the same range are a conflict.
  public func storeSegment(_ segment: JournalSegment) async throws -> SegmentEntry {
    try Self.requireValidService(segment.service)
    let key = BackupLayout.segmentKey(service: segment.service, firstSeq: segment.firstSeq, lastSeq: segment.lastSeq)
    let sealed = try sealer.seal(try segment.encoded())
    var stored = sealed
    do {
      try await target.put(key, data: sealed.bytes, ifAbsent: true)
    } catch StorageError.alreadyExists {
      let existing = try await target.get(key)
      let opened = try JournalSegment(decoding: try sealer.open(existing, expectedSHA256: nil, object: objectName(key)))
      guard opened == segment else {
        throw BackupArchiveError.conflict(
          object: objectName(key), detail: "it already holds different records for sequences \(segment.firstSeq)–\(segment.lastSeq)")
      }
      stored = SealedObject(bytes: existing, sha256: SHA256.hash(data: existing).hexString)
    }
    let entry = SegmentEntry(
      service: segment.service, firstSeq: segment.firstSeq, lastSeq: segment.lastSeq,
      firstCommitTimeMicros: segment.firstCommitTimeMicros, lastCommitTimeMicros: segment.lastCommitTimeMicros,
      recordCount: Int64(segment.records.count), sealedSizeBytes: Int64(stored.bytes.count), sealedSHA256: stored.sha256,
      objectKey: key, targets: [target.name])
    try await storeManifest(CatalogManifest(entry), for: key)
    return entry
  }

  private func storeManifest(_ manifest: CatalogManifest, for objectKey: String) async throws {
    let key = BackupLayout.manifestKey(for: objectKey)
    let sealed = try sealer.seal(try manifest.encoded())
    do {
      try await target.put(key, data: sealed.bytes, ifAbsent: true)
    } catch StorageError.alreadyExists {
      let existing = try await readManifest(key)
      guard existing == manifest else {
        throw BackupArchiveError.conflict(object: objectName(key), detail: "it already describes a different object")
      }
    }
  }

  /// Reads and opens the manifest stored at `key`.
  func readManifest(_ key: String) async throws -> CatalogManifest {
    let sealed = try await target.get(key)
    return try CatalogManifest(decoding: try sealer.open(sealed, expectedSHA256: nil, object: objectName(key)), object: objectName(key))
  }

  // MARK: Reading

  /// Downloads, verifies and decrypts a snapshot into `destination` (replaced if present).
  public func fetchSnapshot(_ entry: SnapshotEntry, to destination: URL) async throws {
    let (sealer, object) = (self.sealer, objectName(entry.objectKey))
    // A directory target's object is decrypted where it lies, without a copy.
    if let local = try await target.localFile(for: entry.objectKey) {
      return try await BlockingIO.run {
        try sealer.openFile(local, expectedSHA256: entry.sealedSHA256, object: object, to: destination)
      }
    }
    let sealedFile = try scratchFile("open")
    defer { try? FileManager.default.removeItem(at: sealedFile) }
    try await target.getFile(entry.objectKey, to: sealedFile)
    try await BlockingIO.run {
      try sealer.openFile(sealedFile, expectedSHA256: entry.sealedSHA256, object: object, to: destination)
    }
  }

  /// Downloads, verifies, decrypts and decodes a segment, and checks it is the one the
  /// entry describes.
  public func fetchSegment(_ entry: SegmentEntry) async throws -> JournalSegment {
    let name = objectName(entry.objectKey)
    let sealed = try await target.get(entry.objectKey)
    let segment: JournalSegment
    do {
      segment = try JournalSegment(decoding: try sealer.open(sealed, expectedSHA256: entry.sealedSHA256, object: name))
    } catch let error as JournalSegmentError {
      throw BackupIntegrityError.inconsistent(object: name, detail: error.description)
    }
    guard segment.service == entry.service, segment.firstSeq == entry.firstSeq, segment.lastSeq == entry.lastSeq,
      segment.firstCommitTimeMicros == entry.firstCommitTimeMicros, segment.lastCommitTimeMicros == entry.lastCommitTimeMicros
    else {
      throw BackupIntegrityError.inconsistent(
        object: name,
        detail: "it holds \(segment.service) sequences \(segment.firstSeq)–\(segment.lastSeq) committed \(segment.firstCommitTimeMicros)–\(segment.lastCommitTimeMicros) µs, the entry says \(entry.service) \(entry.range) committed \(entry.firstCommitTimeMicros)–\(entry.lastCommitTimeMicros) µs")
    }
    return segment
  }

  private func scratchFile(_ purpose: String) throws -> URL {
    do {
      try FileManager.default.createDirectory(at: scratchDirectory, withIntermediateDirectories: true)
    } catch {
      throw StorageError.localFile(path: scratchDirectory.path, detail: "cannot create the scratch folder: \(error.localizedDescription)")
    }
    return scratchDirectory.appendingPathComponent("\(purpose)-\(UUID().uuidString).sealed")
  }

  private static func requireValidService(_ service: String) throws(BackupArchiveError) {
    guard BackupLayout.isValidServiceName(service) else {
      throw .invalidService(service)
    }
  }
}

public enum BackupArchiveError: Error, Equatable, CustomStringConvertible {
  case invalidService(String)
  /// An object already stored under the key holds something else.
  case conflict(object: String, detail: String)
  case invalidSnapshotFile(path: String, detail: String)

  public var description: String {
    switch self {
    case .invalidService(let name):
      "invalid service name '\(name)': use 1–64 lowercase letters, digits, '-' or '_'"
    case .conflict(let object, let detail): "cannot store \(object): \(detail)"
    case .invalidSnapshotFile(let path, let detail): "\(path) is not a service database snapshot: \(detail)"
    }
  }
}

/// What a snapshot file says about itself.
struct SnapshotFileFacts {
  var lastSeq: Int64
  var lastCommitTimeMicros: Int64?
  var schemaVersion: Int
  var content: DatabaseDigest

  static func read(_ file: URL) async throws -> SnapshotFileFacts {
    var configuration = Configuration()
    configuration.readonly = true
    let queue: DatabaseQueue
    do {
      queue = try DatabaseQueue(path: file.path, configuration: configuration)
    } catch {
      throw BackupArchiveError.invalidSnapshotFile(path: file.path, detail: "not a SQLite database (\(error))")
    }
    defer { try? queue.close() }
    return try await queue.read { db in
      guard try db.tableExists("journal") else {
        throw BackupArchiveError.invalidSnapshotFile(path: file.path, detail: "it has no change journal")
      }
      let head = try Row.fetchOne(db, sql: "SELECT seq, committed_at FROM journal ORDER BY seq DESC LIMIT 1")
      let migrations = try db.tableExists("grdb_migrations")
        ? try Int.fetchOne(db, sql: "SELECT count(*) FROM grdb_migrations") ?? 0 : 0
      return SnapshotFileFacts(
        lastSeq: head?["seq"] ?? 0, lastCommitTimeMicros: head?["committed_at"], schemaVersion: migrations,
        content: try DatabaseDigest.compute(in: db))
    }
  }
}
