import Foundation
import GRDB
import Logging
import LoyaltyRuntime
import Synchronization

/// The gateway's API keys: stored in a journaled SQLite table, served from memory.
///
/// Every key is held in an in-memory snapshot so that `lookup(presentedKey:)`, which runs for
/// every request on an event loop, is a synchronous dictionary lookup plus one SHA-256.
/// Changes made through this store update the snapshot as they commit; changes made by
/// another process on the same file (an offline `gateway keys create`) are picked up by
/// `reload()`, which the gateway calls every few seconds.
///
/// The table keeps the SHA-256 of each whole key, never the secret, and nothing here logs a
/// key.
public final class APIKeyStore: Sendable {
  public static let apiKeysTable = JournaledTable(name: "api_keys", primaryKey: "id")
  /// The journaled tables this store writes, for `ServiceDatabase`.
  public static let tables: [JournaledTable] = [apiKeysTable]

  public static let migrations: [ServiceDatabase.Migration] = [
    .init("api-keys-v1") { db in
      try db.execute(sql: """
        CREATE TABLE api_keys (
          id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 12 AND id NOT GLOB '*[^0-9a-f]*'),
          key_sha256 TEXT NOT NULL CHECK (length(key_sha256) = 64 AND key_sha256 NOT GLOB '*[^0-9a-f]*'),
          subject TEXT NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('traveler', 'curator', 'admin')),
          label TEXT NOT NULL,
          daily_quota INTEGER NOT NULL CHECK (daily_quota BETWEEN 0 AND 1000000000),
          created_at INTEGER NOT NULL,
          revoked_at INTEGER
        );
        """)
    }
  ]

  public static func openDatabase(at path: URL, durability: ServiceDatabase.Durability, logger: Logger) throws
    -> ServiceDatabase
  {
    try ServiceDatabase(path: path, migrations: migrations, tables: tables, durability: durability, logger: logger)
  }

  /// A key as held in memory: its record and the SHA-256 of the whole key.
  private struct StoredKey: Sendable {
    var record: APIKeyRecord
    var digest: [UInt8]
  }

  public let database: ServiceDatabase
  /// Keys by id. Only changed on the database's writer (in commit order), so a reload can
  /// never put back a key state older than a change this process already made.
  private let snapshot = Mutex<[String: StoredKey]>([:])

  /// Opens the store and loads every key into memory.
  public init(database: ServiceDatabase) async throws {
    self.database = database
    try await reload()
  }

  // MARK: Authentication

  /// Checks a key as presented by a client. Synchronous and cheap: it reads only memory.
  public func lookup(presentedKey: String) -> Result<APIKeyRecord, AuthenticationFailure> {
    guard let key = PresentedAPIKey(parsing: presentedKey) else {
      return .failure(
        AuthenticationFailure(
          reason: .malformedAPIKey,
          message: "the API key is malformed; an API key looks like lmk_<12 hex characters>_<43 characters>"))
    }
    let stored = snapshot.withLock { $0[key.id] }
    // A wrong secret for a known id is reported exactly like an unknown id.
    guard let stored, key.matches(digest: stored.digest) else {
      return .failure(
        AuthenticationFailure(
          reason: .unknownAPIKey, message: "API key '\(key.id)' is not valid; check the key or ask for a new one"))
    }
    guard !stored.record.isRevoked else {
      return .failure(
        AuthenticationFailure(reason: .revokedAPIKey, message: "API key '\(key.id)' has been revoked; ask for a new one"))
    }
    return .success(stored.record)
  }

  // MARK: Management

  /// Creates a key. `secret` is the whole key to hand to its holder (`lmk_<id>_<secret>`);
  /// it is returned only here and cannot be recovered later.
  ///
  /// - Throws: `APIKeyError.invalidArgument` naming `subject`, `role`, `label` or
  ///   `daily_quota`; storage errors.
  public func create(subject: String, role: Role, label: String = "", dailyQuota: Int = 0) async throws
    -> (record: APIKeyRecord, secret: String)
  {
    try APIKeyValidation.validateSubject(subject)
    try APIKeyValidation.validateRole(role)
    let label = try APIKeyValidation.normalizedLabel(label)
    try APIKeyValidation.validateDailyQuota(dailyQuota)
    return try await database.write { db, journal in
      var key = PresentedAPIKey.generate()
      // Ids are 48 random bits: a collision is unlikely, but it must not replace a key.
      while try Self.exists(key.id, in: db) { key = PresentedAPIKey.generate() }
      let record = APIKeyRecord(
        id: key.id, subject: subject, role: role, label: label, dailyQuota: dailyQuota,
        createdAt: Self.date(micros: Self.micros(Date())))
      let stored = StoredKey(record: record, digest: key.digest)
      try journal.upsert(Self.apiKeysTable.name, Self.row(stored))
      db.afterNextTransaction(onCommit: { _ in self.snapshot.withLock { $0[record.id] = stored } })
      return (record, key.text)
    }
  }

  /// Keys ordered by creation time, read from the database (so including keys created by
  /// another process since the last reload).
  public func list(includeRevoked: Bool = false) async throws -> [APIKeyRecord] {
    try await database.read { db in
      let filter = includeRevoked ? "" : "WHERE revoked_at IS NULL"
      return try Row.fetchAll(db, sql: "SELECT * FROM api_keys \(filter) ORDER BY created_at, id")
        .map { try Self.storedKey(from: $0).record }
    }
  }

  /// Revokes a key at once; requests presenting it fail from then on. Revoking a revoked key
  /// returns it unchanged.
  ///
  /// - Throws: `APIKeyError.invalidArgument` (field `id`) when `id` is not a key id,
  ///   `APIKeyError.notFound` when no key has it; storage errors.
  public func revoke(id: String) async throws -> APIKeyRecord {
    try APIKeyValidation.validateID(id)
    return try await database.write { db, journal in
      guard let row = try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?", arguments: [id]) else {
        throw APIKeyError.notFound(id: id)
      }
      var stored = try Self.storedKey(from: row)
      guard !stored.record.isRevoked else {
        // Revoked by another process since the last reload: apply it here too, now.
        self.snapshot.withLock { $0[id] = stored }
        return stored.record
      }
      stored.record.revokedAt = Self.date(micros: Self.micros(Date()))
      try journal.upsert(Self.apiKeysTable.name, Self.row(stored))
      db.afterNextTransaction(onCommit: { [stored] _ in self.snapshot.withLock { $0[id] = stored } })
      return stored.record
    }
  }

  /// Re-reads every key from the database, so that keys created or revoked by another
  /// process take effect. Rows that cannot be read are left out: they never authenticate.
  public func reload() async throws {
    // Runs on the writer so that no change of this process commits between the read and the
    // swap; a stale read could otherwise briefly bring back a key just revoked.
    try await database.write { db, _ in
      var keys: [String: StoredKey] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT * FROM api_keys") {
        if let stored = try? Self.storedKey(from: row) { keys[stored.record.id] = stored }
      }
      self.snapshot.withLock { $0 = keys }
    }
  }

  // MARK: Rows

  private static func exists(_ id: String, in db: Database) throws -> Bool {
    try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = ?)", arguments: [id]) ?? false
  }

  private static func row(_ stored: StoredKey) -> [String: DatabaseValue] {
    let record = stored.record
    return [
      "id": record.id.databaseValue,
      "key_sha256": PresentedAPIKey.hex(stored.digest).databaseValue,
      "subject": record.subject.databaseValue,
      "role": record.role.rawValue.databaseValue,
      "label": record.label.databaseValue,
      "daily_quota": record.dailyQuota.databaseValue,
      "created_at": micros(record.createdAt).databaseValue,
      "revoked_at": record.revokedAt.map(micros).databaseValue,
    ]
  }

  private static func storedKey(from row: Row) throws(APIKeyError) -> StoredKey {
    let id: String = row["id"] ?? ""
    guard let roleName = row["role"] as String?, let role = Role(rawValue: roleName),
      APIKeyValidation.assignableRoles.contains(role)
    else {
      throw .unreadableRecord(id: id, reason: "its role is not traveler, curator or admin")
    }
    guard let hex = row["key_sha256"] as String?, let digest = PresentedAPIKey.bytes(fromHex: hex), digest.count == 32
    else {
      throw .unreadableRecord(id: id, reason: "its key hash is not 64 hex characters")
    }
    guard let subject = row["subject"] as String?, let label = row["label"] as String?,
      let dailyQuota = row["daily_quota"] as Int?, let createdAt = row["created_at"] as Int64?
    else {
      throw .unreadableRecord(id: id, reason: "a column is missing or has the wrong type")
    }
    let revokedAt = row["revoked_at"] as Int64?
    let record = APIKeyRecord(
      id: id, subject: subject, role: role, label: label, dailyQuota: dailyQuota,
      createdAt: date(micros: createdAt), revokedAt: revokedAt.map(date(micros:)))
    return StoredKey(record: record, digest: digest)
  }

  /// Times are stored as microseconds since 1970, like the rest of the suite.
  private static func micros(_ date: Date) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
  }

  private static func date(micros: Int64) -> Date {
    Date(timeIntervalSince1970: Double(micros) / 1_000_000)
  }
}
