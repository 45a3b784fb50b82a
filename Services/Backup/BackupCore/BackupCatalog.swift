import Foundation
import GRDB

/// The catalog of recovery points: snapshots and journal segments of every service, with
/// the storage targets holding each object. It lives in its own small SQLite database;
/// everything in it can also be rebuilt from the manifests on a target (`rebuild(from:sealer:)`).
public final class BackupCatalog: Sendable {
  /// Nil for an in-memory catalog.
  public let path: URL?
  private let queue: DatabaseQueue

  /// Opens (creating and migrating as needed) the catalog database at `path`.
  public init(path: URL) throws {
    self.path = path
    try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
    queue = try DatabaseQueue(path: path.path, configuration: Self.configuration)
    try Self.migrate(queue, path: path.path)
  }

  /// A catalog held in memory only, e.g. to rebuild one from a target for a single restore.
  public init() throws {
    self.path = nil
    queue = try DatabaseQueue(configuration: Self.configuration)
    try Self.migrate(queue, path: ":memory:")
  }

  private static var configuration: Configuration {
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.busyMode = .timeout(10)
    return configuration
  }

  private static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("catalog-v1") { db in
      try db.execute(sql: """
        CREATE TABLE snapshot (
          id TEXT PRIMARY KEY NOT NULL,
          service TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('automated', 'manual')),
          taken_at INTEGER NOT NULL,
          last_seq INTEGER NOT NULL CHECK (last_seq >= 0),
          last_commit_time INTEGER,
          schema_version INTEGER NOT NULL,
          size_bytes INTEGER NOT NULL,
          sealed_size_bytes INTEGER NOT NULL,
          sealed_sha256 TEXT NOT NULL,
          object_key TEXT NOT NULL UNIQUE,
          content_sha256 TEXT NOT NULL
        );
        CREATE INDEX snapshot_by_service ON snapshot(service, last_seq);
        CREATE TABLE snapshot_table (
          snapshot_id TEXT NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
          table_name TEXT NOT NULL,
          row_count INTEGER NOT NULL,
          sha256 TEXT NOT NULL,
          PRIMARY KEY (snapshot_id, table_name)
        );
        CREATE TABLE segment (
          object_key TEXT PRIMARY KEY NOT NULL,
          service TEXT NOT NULL,
          first_seq INTEGER NOT NULL CHECK (first_seq > 0),
          last_seq INTEGER NOT NULL CHECK (last_seq >= first_seq),
          first_commit_time INTEGER NOT NULL,
          last_commit_time INTEGER NOT NULL,
          record_count INTEGER NOT NULL,
          sealed_size_bytes INTEGER NOT NULL,
          sealed_sha256 TEXT NOT NULL
        );
        CREATE INDEX segment_by_service ON segment(service, first_seq);
        CREATE TABLE object_copy (
          object_key TEXT NOT NULL,
          target TEXT NOT NULL,
          PRIMARY KEY (object_key, target)
        );
        """)
    }
    return migrator
  }

  private static func migrate(_ queue: DatabaseQueue, path: String) throws {
    let migrator = migrator
    let unknown = try queue.read { db in try migrator.appliedIdentifiers(db).subtracting(migrator.migrations) }
    guard unknown.isEmpty else {
      throw CatalogError.newerSchema(path: path, unknownMigrations: unknown.sorted())
    }
    try migrator.migrate(queue)
  }

  // MARK: Adding and removing

  /// Records a snapshot. Adding one already known (same id, object and checksum) only
  /// records its targets; the same id with another object is a conflict.
  public func add(_ snapshot: SnapshotEntry) async throws {
    guard !snapshot.targets.isEmpty else {
      throw CatalogError.invalidEntry("snapshot \(snapshot.id) has no target holding it")
    }
    try await queue.write { db in
      if let existing = try Self.fetchSnapshot(id: snapshot.id, in: db) {
        guard existing.objectKey == snapshot.objectKey, existing.sealedSHA256 == snapshot.sealedSHA256 else {
          throw CatalogError.conflict(
            "snapshot \(snapshot.id) is already recorded as \(existing.objectKey) (SHA-256 \(existing.sealedSHA256)), not \(snapshot.objectKey) (SHA-256 \(snapshot.sealedSHA256))")
        }
      } else {
        try db.execute(
          sql: """
            INSERT INTO snapshot (id, service, kind, taken_at, last_seq, last_commit_time, schema_version, size_bytes,
              sealed_size_bytes, sealed_sha256, object_key, content_sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
          arguments: [
            snapshot.id, snapshot.service, snapshot.kind.rawValue, snapshot.takenAtMicros, snapshot.lastSeq,
            snapshot.lastCommitTimeMicros, snapshot.schemaVersion, snapshot.sizeBytes, snapshot.sealedSizeBytes,
            snapshot.sealedSHA256.lowercased(), snapshot.objectKey, snapshot.content.sha256,
          ])
        for table in snapshot.content.tables {
          try db.execute(
            sql: "INSERT INTO snapshot_table (snapshot_id, table_name, row_count, sha256) VALUES (?, ?, ?, ?)",
            arguments: [snapshot.id, table.name, table.rowCount, table.sha256])
        }
      }
      for target in snapshot.targets { try Self.insertCopy(snapshot.objectKey, target: target, in: db) }
    }
  }

  /// Records a segment. Adding one already known (same object, range and checksum) only
  /// records its targets; anything else under the same object key is a conflict.
  public func add(_ segment: SegmentEntry) async throws {
    guard !segment.targets.isEmpty else {
      throw CatalogError.invalidEntry("segment \(segment.objectKey) has no target holding it")
    }
    guard segment.firstSeq > 0, segment.lastSeq >= segment.firstSeq,
      segment.recordCount == segment.lastSeq - segment.firstSeq + 1
    else {
      throw CatalogError.invalidEntry(
        "segment \(segment.objectKey): \(segment.recordCount) records cannot span sequences \(segment.range)")
    }
    try await queue.write { db in
      if let existing = try Self.fetchSegment(objectKey: segment.objectKey, in: db) {
        guard existing.range == segment.range, existing.sealedSHA256 == segment.sealedSHA256 else {
          throw CatalogError.conflict(
            "segment \(segment.objectKey) is already recorded with sequences \(existing.range) (SHA-256 \(existing.sealedSHA256)), not \(segment.range) (SHA-256 \(segment.sealedSHA256))")
        }
      } else {
        try db.execute(
          sql: """
            INSERT INTO segment (object_key, service, first_seq, last_seq, first_commit_time, last_commit_time,
              record_count, sealed_size_bytes, sealed_sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
          arguments: [
            segment.objectKey, segment.service, segment.firstSeq, segment.lastSeq, segment.firstCommitTimeMicros,
            segment.lastCommitTimeMicros, segment.recordCount, segment.sealedSizeBytes, segment.sealedSHA256.lowercased(),
          ])
      }
      for target in segment.targets { try Self.insertCopy(segment.objectKey, target: target, in: db) }
    }
  }

  /// Records that `target` holds a copy of a known snapshot or segment object.
  public func addCopy(objectKey: String, target: String) async throws {
    try await queue.write { db in
      guard try Self.isKnown(objectKey, in: db) else { throw CatalogError.unknownObject(objectKey) }
      try Self.insertCopy(objectKey, target: target, in: db)
    }
  }

  /// Forgets `target`'s copy of an object; the entry stays, possibly with no copy left.
  public func removeCopy(objectKey: String, target: String) async throws {
    try await queue.write { db in
      try db.execute(sql: "DELETE FROM object_copy WHERE object_key = ? AND target = ?", arguments: [objectKey, target])
    }
  }

  /// Forgets a snapshot and its copies. Removing an unknown snapshot is not an error.
  public func removeSnapshot(id: String) async throws {
    try await queue.write { db in
      guard let key = try String.fetchOne(db, sql: "SELECT object_key FROM snapshot WHERE id = ?", arguments: [id]) else {
        return
      }
      try db.execute(sql: "DELETE FROM snapshot WHERE id = ?", arguments: [id])
      try db.execute(sql: "DELETE FROM object_copy WHERE object_key = ?", arguments: [key])
    }
  }

  /// Forgets a segment and its copies. Removing an unknown segment is not an error.
  public func removeSegment(objectKey: String) async throws {
    try await queue.write { db in
      try db.execute(sql: "DELETE FROM segment WHERE object_key = ?", arguments: [objectKey])
      try db.execute(sql: "DELETE FROM object_copy WHERE object_key = ?", arguments: [objectKey])
    }
  }

  private static func insertCopy(_ objectKey: String, target: String, in db: Database) throws {
    try db.execute(sql: "INSERT OR IGNORE INTO object_copy (object_key, target) VALUES (?, ?)", arguments: [objectKey, target])
  }

  private static func isKnown(_ objectKey: String, in db: Database) throws -> Bool {
    try Bool.fetchOne(
      db,
      sql: "SELECT EXISTS (SELECT 1 FROM snapshot WHERE object_key = ?) OR EXISTS (SELECT 1 FROM segment WHERE object_key = ?)",
      arguments: [objectKey, objectKey]) ?? false
  }

  // MARK: Listing

  /// Services with at least one snapshot or segment, sorted.
  public func services() async throws -> [String] {
    try await queue.read { db in
      try String.fetchAll(db, sql: "SELECT service FROM snapshot UNION SELECT service FROM segment ORDER BY 1")
    }
  }

  /// A service's snapshots, oldest (lowest last sequence) first.
  public func snapshots(service: String) async throws -> [SnapshotEntry] {
    try await queue.read { db in
      let ids = try String.fetchAll(
        db, sql: "SELECT id FROM snapshot WHERE service = ? ORDER BY last_seq, taken_at, id", arguments: [service])
      return try ids.compactMap { try Self.fetchSnapshot(id: $0, in: db) }
    }
  }

  public func snapshot(id: String) async throws -> SnapshotEntry? {
    try await queue.read { db in try Self.fetchSnapshot(id: id, in: db) }
  }

  /// A service's segments in sequence order.
  public func segments(service: String) async throws -> [SegmentEntry] {
    try await queue.read { db in
      // One query for all copies: a week of one-second segments is hundreds of thousands.
      var copies: [String: [String]] = [:]
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT c.object_key, c.target FROM object_copy c JOIN segment s ON s.object_key = c.object_key
          WHERE s.service = ? ORDER BY c.target
          """,
        arguments: [service])
      {
        copies[row["object_key"], default: []].append(row["target"])
      }
      return try Row.fetchAll(
        db, sql: "SELECT * FROM segment WHERE service = ? ORDER BY first_seq, last_seq, object_key", arguments: [service]
      ).map { row in Self.segment(from: row, targets: copies[row["object_key"]] ?? []) }
    }
  }

  public func segment(objectKey: String) async throws -> SegmentEntry? {
    try await queue.read { db in try Self.fetchSegment(objectKey: objectKey, in: db) }
  }

  /// The highest sequence stored in any segment of `service`, nil when none is stored: where
  /// log shipping resumes.
  public func lastShippedSeq(service: String) async throws -> Int64? {
    try await queue.read { db in
      try Int64.fetchOne(db, sql: "SELECT max(last_seq) FROM segment WHERE service = ?", arguments: [service])
    }
  }

  /// The commit time of the record at `seq` when a stored segment ends with it: how log
  /// shipping recognises that the service still has the history it shipped.
  public func commitTimeMicros(service: String, endingSegmentAt seq: Int64) async throws -> Int64? {
    try await queue.read { db in
      try Int64.fetchOne(
        db, sql: "SELECT last_commit_time FROM segment WHERE service = ? AND last_seq = ? LIMIT 1", arguments: [service, seq])
    }
  }

  private static func fetchSnapshot(id: String, in db: Database) throws -> SnapshotEntry? {
    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM snapshot WHERE id = ?", arguments: [id]) else { return nil }
    let tables = try Row.fetchAll(
      db, sql: "SELECT table_name, row_count, sha256 FROM snapshot_table WHERE snapshot_id = ?", arguments: [id]
    )
    .map { DatabaseDigest.Table(name: $0["table_name"], rowCount: $0["row_count"], sha256: $0["sha256"]) }
    .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    let kindName: String = row["kind"]
    guard let kind = SnapshotKind(rawValue: kindName) else {
      throw CatalogError.invalidEntry("snapshot \(id) has unknown kind '\(kindName)'")
    }
    let objectKey: String = row["object_key"]
    return SnapshotEntry(
      id: id, service: row["service"], kind: kind, takenAtMicros: row["taken_at"], lastSeq: row["last_seq"],
      lastCommitTimeMicros: row["last_commit_time"], schemaVersion: row["schema_version"], sizeBytes: row["size_bytes"],
      sealedSizeBytes: row["sealed_size_bytes"], sealedSHA256: row["sealed_sha256"], objectKey: objectKey,
      content: DatabaseDigest(tables: tables, sha256: row["content_sha256"]), targets: try targets(of: objectKey, in: db))
  }

  private static func fetchSegment(objectKey: String, in db: Database) throws -> SegmentEntry? {
    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM segment WHERE object_key = ?", arguments: [objectKey]) else {
      return nil
    }
    return segment(from: row, targets: try targets(of: objectKey, in: db))
  }

  private static func segment(from row: Row, targets: [String]) -> SegmentEntry {
    SegmentEntry(
      service: row["service"], firstSeq: row["first_seq"], lastSeq: row["last_seq"],
      firstCommitTimeMicros: row["first_commit_time"], lastCommitTimeMicros: row["last_commit_time"],
      recordCount: row["record_count"], sealedSizeBytes: row["sealed_size_bytes"], sealedSHA256: row["sealed_sha256"],
      objectKey: row["object_key"], targets: targets)
  }

  private static func targets(of objectKey: String, in db: Database) throws -> [String] {
    try String.fetchAll(db, sql: "SELECT target FROM object_copy WHERE object_key = ? ORDER BY target", arguments: [objectKey])
  }
}

public enum CatalogError: Error, Equatable, CustomStringConvertible {
  case newerSchema(path: String, unknownMigrations: [String])
  /// An entry disagrees with what the catalog already holds under the same name.
  case conflict(String)
  case unknownObject(String)
  case invalidEntry(String)

  public var description: String {
    switch self {
    case .newerSchema(let path, let unknown):
      "the backup catalog \(path) was written by a newer version (unknown migrations: \(unknown.joined(separator: ", ")))"
    case .conflict(let detail): "catalog conflict: \(detail)"
    case .unknownObject(let key): "the catalog has no snapshot or segment stored as \(key)"
    case .invalidEntry(let detail): "invalid catalog entry: \(detail)"
    }
  }
}
