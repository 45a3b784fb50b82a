import Crypto
import Foundation
import GRDB
import IngestionCore
import Logging
import LoyaltyRuntime

/// The landing zone and the pipeline's runs, in one SQLite database whose every change goes
/// through the change journal, so backups, log shipping and point-in-time restores cover every
/// document version with the runs that processed it.
///
/// Content is stored once per SHA-256 (`blobs`); `document_versions` holds every upload of a
/// key and every delete marker, S3-versioning style; stage outputs are versions too, under
/// "runs/<run id>/…". Blobs live in the database rather than beside it so that a restore to any
/// point in time brings back exactly the documents that existed then.
public struct IngestionStore: Sendable {
  public static let blobsTable = JournaledTable(name: "blobs", primaryKey: "sha256")
  public static let versionsTable = JournaledTable(name: "document_versions", primaryKey: "version_id")
  public static let runsTable = JournaledTable(name: "runs", primaryKey: "run_id")

  public static let migrations: [ServiceDatabase.Migration] = [
    .init("ingestion-v1") { db in
      try db.execute(sql: """
        CREATE TABLE blobs (
          sha256 TEXT PRIMARY KEY NOT NULL,
          size INTEGER NOT NULL,
          content BLOB NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE document_versions (
          version_id TEXT PRIMARY KEY NOT NULL,
          key TEXT NOT NULL,
          sha256 TEXT,
          size INTEGER NOT NULL,
          type TEXT,
          source_url TEXT NOT NULL,
          notes TEXT NOT NULL,
          uploaded_by TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          kind TEXT NOT NULL
        );
        CREATE INDEX document_versions_key ON document_versions(key, version_id);
        CREATE INDEX document_versions_sha256 ON document_versions(sha256);
        CREATE TABLE runs (
          run_id TEXT PRIMARY KEY NOT NULL,
          document_key TEXT NOT NULL,
          document_version_id TEXT NOT NULL,
          state TEXT NOT NULL,
          stage TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          reason TEXT NOT NULL,
          outputs TEXT NOT NULL,
          facts_extracted INTEGER NOT NULL,
          facts_flagged INTEGER NOT NULL,
          graph_sequence INTEGER NOT NULL,
          extractor TEXT NOT NULL,
          source_document_id TEXT NOT NULL,
          reviewed_by TEXT NOT NULL,
          supersedes_run_id TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          next_attempt_at INTEGER NOT NULL
        );
        CREATE INDEX runs_state ON runs(state, next_attempt_at);
        CREATE INDEX runs_key ON runs(document_key, run_id);
        """)
    }
  ]

  /// Keys under this prefix hold stage outputs; uploads may not use it.
  public static let stageOutputPrefix = "runs/"

  public let database: ServiceDatabase

  public init(database: ServiceDatabase) {
    self.database = database
  }

  public static func openDatabase(at path: URL, durability: ServiceDatabase.Durability, logger: Logger) throws -> ServiceDatabase {
    try ServiceDatabase(
      path: path, migrations: migrations, tables: [blobsTable, versionsTable, runsTable], durability: durability, logger: logger)
  }

  static func nowMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

  static func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
  }

  // MARK: Uploads and versions

  public struct Upload: Sendable {
    public var key: String
    public var content: Data
    public var type: DocumentType
    public var sourceURL: String
    public var notes: String
    public var uploadedBy: String
  }

  public struct StoredUpload: Sendable {
    public var version: DocumentVersionRecord
    public var deduplicated: Bool
    public var run: RunRecord
  }

  /// Stores the content (once per SHA-256), a new version of the key and a run for it, in
  /// one transaction.
  public func store(_ upload: Upload) async throws -> StoredUpload {
    let sha256 = Self.sha256Hex(upload.content)
    return try await database.write { db, journal in
      let now = Self.nowMicros()
      let deduplicated = try Self.putBlob(upload.content, sha256: sha256, now: now, db: db, journal: journal)
      let version = DocumentVersionRecord(
        versionID: try Self.nextVersionID(db: db, now: now), key: upload.key, sha256: sha256, size: Int64(upload.content.count),
        type: upload.type, sourceURL: upload.sourceURL, notes: upload.notes, uploadedBy: upload.uploadedBy, createdAtMicros: now,
        kind: .document)
      try journal.upsert(Self.versionsTable.name, version.row)
      let run = RunRecord(
        runID: RunRecord.runID(forVersion: version.versionID), documentKey: upload.key, documentVersionID: version.versionID,
        nowMicros: now)
      try journal.upsert(Self.runsTable.name, run.row)
      return StoredUpload(version: version, deduplicated: deduplicated, run: run)
    }
  }

  /// Adds a delete marker as the key's current version. NOT_FOUND when the key has no
  /// versions or is already deleted.
  public func delete(key: String, by principal: String) async throws -> DocumentVersionRecord {
    try await database.write { db, journal in
      guard let current = try Self.versions(of: key, db: db, limit: 1).first else {
        throw IngestionError.documentNotFound(key: key, versionID: nil)
      }
      guard !current.isDeleteMarker else { throw IngestionError.alreadyDeleted(key: key) }
      let now = Self.nowMicros()
      let marker = DocumentVersionRecord(
        versionID: try Self.nextVersionID(db: db, now: now), key: key, sha256: nil, size: 0, type: nil, sourceURL: "", notes: "",
        uploadedBy: principal, createdAtMicros: now, kind: current.kind)
      try journal.upsert(Self.versionsTable.name, marker.row)
      return marker
    }
  }

  /// The versions of a key, newest first.
  public func versions(of key: String) async throws -> [DocumentVersionRecord] {
    try await database.read { db in try Self.versions(of: key, db: db, limit: nil) }
  }

  /// A version of a key (the current one when `versionID` is nil) with its content; NOT_FOUND
  /// for an unknown key or version and when the version asked for is a delete marker.
  public func document(key: String, versionID: String?) async throws -> (DocumentVersionRecord, Data) {
    try await database.read { db in
      let version: DocumentVersionRecord?
      if let versionID {
        version = try Row.fetchOne(
          db, sql: "SELECT * FROM document_versions WHERE key = ? AND version_id = ?", arguments: [key, versionID]
        ).map(DocumentVersionRecord.init(row:))
      } else {
        version = try Self.versions(of: key, db: db, limit: 1).first
      }
      guard let version else { throw IngestionError.documentNotFound(key: key, versionID: versionID) }
      guard let sha256 = version.sha256 else { throw IngestionError.deleted(key: key, versionID: version.versionID) }
      guard let content = try Data.fetchOne(db, sql: "SELECT content FROM blobs WHERE sha256 = ?", arguments: [sha256]) else {
        throw IngestionError.documentNotFound(key: key, versionID: version.versionID)
      }
      return (version, content)
    }
  }

  /// One version of a key without its content; NOT_FOUND when there is none.
  public func version(key: String, versionID: String) async throws -> DocumentVersionRecord {
    try await database.read { db in
      guard
        let row = try Row.fetchOne(
          db, sql: "SELECT * FROM document_versions WHERE key = ? AND version_id = ?", arguments: [key, versionID])
      else { throw IngestionError.documentNotFound(key: key, versionID: versionID) }
      return DocumentVersionRecord(row: row)
    }
  }

  /// Current versions of keys after `afterKey`, in key order.
  public func currentVersions(
    prefix: String, includeDeleted: Bool, includeStageOutputs: Bool, afterKey: String, limit: Int
  ) async throws -> [DocumentVersionRecord] {
    try await database.read { db in
      var rows: [DocumentVersionRecord] = []
      var cursor = afterKey
      // Deleted keys and stage outputs are filtered after the query; keep reading until full.
      while rows.count < limit {
        let batch = try Row.fetchAll(
          db,
          sql: """
            SELECT v.* FROM document_versions v
            JOIN (SELECT key, max(version_id) AS newest FROM document_versions
                  WHERE key > ? AND substr(key, 1, ?) = ? GROUP BY key ORDER BY key LIMIT ?) c
              ON v.key = c.key AND v.version_id = c.newest
            ORDER BY v.key
            """,
          arguments: [cursor, prefix.utf8.count, prefix, limit * 2]
        ).map(DocumentVersionRecord.init(row:))
        guard let last = batch.last else { break }
        cursor = last.key
        rows += batch.filter { version in
          (includeDeleted || !version.isDeleteMarker) && (includeStageOutputs || !version.key.hasPrefix(Self.stageOutputPrefix))
        }
      }
      return Array(rows.prefix(limit))
    }
  }

  static func versions(of key: String, db: Database, limit: Int?) throws -> [DocumentVersionRecord] {
    try Row.fetchAll(
      db, sql: "SELECT * FROM document_versions WHERE key = ? ORDER BY version_id DESC LIMIT ?",
      arguments: [key, limit ?? -1]
    ).map(DocumentVersionRecord.init(row:))
  }

  /// Stores the blob unless it is there; returns whether it was.
  static func putBlob(_ content: Data, sha256: String, now: Int64, db: Database, journal: JournalWriter) throws -> Bool {
    if try Bool.fetchOne(db, sql: "SELECT 1 FROM blobs WHERE sha256 = ?", arguments: [sha256]) == true { return true }
    try journal.upsert(
      blobsTable.name,
      ["sha256": sha256.databaseValue, "size": Int64(content.count).databaseValue, "content": content.databaseValue, "created_at": now.databaseValue])
    return false
  }

  /// Version ids are the upload time in microseconds, zero-padded so that text order is
  /// upload order, and strictly increasing even when uploads share a microsecond.
  static func nextVersionID(db: Database, now: Int64) throws -> String {
    let newest = try String.fetchOne(db, sql: "SELECT max(version_id) FROM document_versions").flatMap { Int64($0) } ?? 0
    return String(format: "%016lld", max(now, newest + 1))
  }

  /// Stores `content` as a new version of a stage-output key.
  static func putStageOutput(
    key: String, content: Data, kind: DocumentVersionRecord.Kind, db: Database, journal: JournalWriter
  ) throws -> DocumentVersionRecord {
    let now = nowMicros()
    let sha256 = sha256Hex(content)
    _ = try putBlob(content, sha256: sha256, now: now, db: db, journal: journal)
    let version = DocumentVersionRecord(
      versionID: try nextVersionID(db: db, now: now), key: key, sha256: sha256, size: Int64(content.count), type: .text,
      sourceURL: "", notes: "", uploadedBy: "ingestion-service", createdAtMicros: now, kind: kind)
    try journal.upsert(versionsTable.name, version.row)
    return version
  }
}
