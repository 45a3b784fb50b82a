import Foundation
import GRDB
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// Persistence of profiles and idempotent balance adjustments. Each profile is one row
/// holding its whole v1 document (protobuf JSON) and its v2 additions (`v2_fields`, see
/// `StoredProfile`) beside indexed columns; every change goes through the journal in the same
/// transaction. v1 and v2 handlers share these rows.
public struct ProfileStore: Sendable {
  public static let profilesTable = JournaledTable(name: "profiles", primaryKey: "user_id")
  public static let adjustmentsTable = JournaledTable(name: "balance_adjustments", primaryKey: "id")

  public static let migrations: [ServiceDatabase.Migration] = [
    .init("profiles-v1") { db in
      try db.execute(sql: """
        CREATE TABLE profiles (
          user_id TEXT PRIMARY KEY NOT NULL,
          version INTEGER NOT NULL,
          home_airport TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          document TEXT NOT NULL
        );
        CREATE TABLE balance_adjustments (
          id TEXT PRIMARY KEY NOT NULL,
          user_id TEXT NOT NULL,
          program_id TEXT NOT NULL,
          request_id TEXT NOT NULL,
          delta INTEGER NOT NULL,
          balance_after INTEGER NOT NULL,
          version_after INTEGER NOT NULL,
          reason TEXT NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX balance_adjustments_user ON balance_adjustments(user_id);
        """)
    },
    // What v1 documents cannot hold (see `StoredProfile`), as a v2 Profile in protobuf JSON.
    // Journal records written before it carry no such column and replay with the default.
    .init("profiles-v2-fields") { db in
      try db.execute(sql: "ALTER TABLE profiles ADD COLUMN v2_fields TEXT NOT NULL DEFAULT '{}'")
    },
  ]

  public let database: ServiceDatabase
  private let cache: ProfileCache

  public init(database: ServiceDatabase) {
    self.database = database
    self.cache = ProfileCache(epoch: database.notifier.epoch)
  }

  public static func openDatabase(at path: URL, durability: ServiceDatabase.Durability, logger: Logger) throws -> ServiceDatabase {
    try ServiceDatabase(
      path: path, migrations: migrations, tables: [profilesTable, adjustmentsTable],
      durability: durability, logger: logger)
  }

  // MARK: Reads

  public func profile(_ userID: String) async throws -> Loyalty_Profile_V1_Profile {
    try await storedProfile(userID).document
  }

  /// The whole stored profile, for v2 reads.
  public func storedProfile(_ userID: String) async throws -> StoredProfile {
    let epoch = database.notifier.epoch
    let (cached, token) = cache.lookupStored(userID, epoch: epoch)
    if let cached { return cached }
    let profile = try await database.read { db in try Self.load(userID, in: db) }
    cache.fill(profile, token: token, epoch: epoch)
    return profile
  }

  /// Profiles ordered by user id, after `afterUserID`.
  public func profiles(after afterUserID: String, limit: Int) async throws -> [Loyalty_Profile_V1_Profile] {
    try await database.read { db in
      try String.fetchAll(
        db, sql: "SELECT document FROM profiles WHERE user_id > ? ORDER BY user_id LIMIT ?",
        arguments: [afterUserID, limit]
      ).map { try Loyalty_Profile_V1_Profile(jsonString: $0) }
    }
  }

  // MARK: Writes

  public func create(_ profile: Loyalty_Profile_V1_Profile) async throws -> Loyalty_Profile_V1_Profile {
    try await create(StoredProfile(document: profile)).document
  }

  public func create(_ profile: StoredProfile) async throws -> StoredProfile {
    try await database.write { db, journal in
      if try Self.exists(profile.document.userID, in: db) {
        throw ProfileError.profileExists(userID: profile.document.userID)
      }
      var created = profile
      let now = Google_Protobuf_Timestamp(date: Date())
      created.document.createTime = now
      created.document.updateTime = now
      created.document.version = 1
      created.pruneV2Fields()
      try save(created, db: db, journal: journal)
      return created
    }
  }

  /// Loads the profile, checks `expectedVersion`, applies `change`, bumps the version and
  /// saves, all in one transaction.
  public func modify(
    _ userID: String,
    expectedVersion: Int64?,
    _ change: @escaping @Sendable (inout Loyalty_Profile_V1_Profile) throws -> Void
  ) async throws -> Loyalty_Profile_V1_Profile {
    try await modifyStored(userID, expectedVersion: expectedVersion) { profile in try change(&profile.document) }.document
  }

  /// `modify` over the whole stored profile. v2 additions that no longer match a membership
  /// or goal of the changed document are dropped (`StoredProfile.pruneV2Fields`).
  public func modifyStored(
    _ userID: String,
    expectedVersion: Int64?,
    _ change: @escaping @Sendable (inout StoredProfile) throws -> Void
  ) async throws -> StoredProfile {
    try await database.write { db, journal in
      var profile = try Self.load(userID, in: db)
      try Self.check(expectedVersion, against: profile.document)
      try change(&profile)
      profile.pruneV2Fields()
      profile.document.version = try Self.nextVersion(after: profile.document.version)
      profile.document.updateTime = Google_Protobuf_Timestamp(date: Date())
      try save(profile, db: db, journal: journal)
      return profile
    }
  }

  public func delete(_ userID: String, expectedVersion: Int64?) async throws {
    try await database.write { db, journal in
      let profile = try Self.load(userID, in: db).document
      try Self.check(expectedVersion, against: profile)
      let adjustments = try String.fetchAll(db, sql: "SELECT id FROM balance_adjustments WHERE user_id = ?", arguments: [userID])
      for id in adjustments {
        try journal.delete(Self.adjustmentsTable.name, key: id)
      }
      try journal.delete(Self.profilesTable.name, key: userID)
      let (cache, epoch) = (self.cache, database.notifier.epoch)
      db.afterNextTransaction(onCommit: { _ in cache.committedDeletion(of: userID, epoch: epoch) })
    }
  }

  public struct Adjustment: Sendable, Equatable {
    public var balance: Int64
    public var version: Int64
    public var replayed: Bool
  }

  /// Applies a balance change once per (user, request id); a repeat returns the first result.
  public func adjustBalance(_ request: Loyalty_Profile_V1_AdjustBalanceRequest) async throws -> Adjustment {
    try await database.write { db, journal in
      let id = "\(request.userID)/\(request.requestID)"
      if let previous = try Row.fetchOne(db, sql: "SELECT * FROM balance_adjustments WHERE id = ?", arguments: [id]) {
        guard previous["program_id"] == request.programID, previous["delta"] == request.delta else {
          throw ProfileError.requestIDReused(requestID: request.requestID)
        }
        return Adjustment(balance: previous["balance_after"], version: previous["version_after"], replayed: true)
      }
      var stored = try Self.load(request.userID, in: db)
      var profile = stored.document
      guard let index = profile.memberships.firstIndex(where: { $0.programID == request.programID }) else {
        throw ProfileError.membershipNotFound(programID: request.programID)
      }
      let balance = profile.memberships[index].balance
      let (newBalance, overflow) = balance.addingReportingOverflow(request.delta)
      guard !overflow, newBalance >= 0, newBalance <= ProfileValidation.maxBalance else {
        throw ProfileError.insufficientBalance(programID: request.programID, balance: balance, delta: request.delta)
      }
      let now = Date()
      profile.memberships[index].balance = newBalance
      profile.memberships[index].balanceAsOf = Google_Protobuf_Timestamp(date: now)
      profile.version = try Self.nextVersion(after: profile.version)
      profile.updateTime = Google_Protobuf_Timestamp(date: now)
      stored.document = profile
      try save(stored, db: db, journal: journal)
      try journal.upsert(Self.adjustmentsTable.name, [
        "id": id.databaseValue,
        "user_id": request.userID.databaseValue,
        "program_id": request.programID.databaseValue,
        "request_id": request.requestID.databaseValue,
        "delta": request.delta.databaseValue,
        "balance_after": newBalance.databaseValue,
        "version_after": profile.version.databaseValue,
        "reason": request.reason.databaseValue,
        "created_at": Int64(now.timeIntervalSince1970 * 1_000_000).databaseValue,
      ])
      return Adjustment(balance: newBalance, version: profile.version, replayed: false)
    }
  }

  // MARK: Rows

  private static func exists(_ userID: String, in db: Database) throws -> Bool {
    try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM profiles WHERE user_id = ?)", arguments: [userID]) ?? false
  }

  private static func load(_ userID: String, in db: Database) throws -> StoredProfile {
    guard let row = try Row.fetchOne(db, sql: "SELECT document, v2_fields FROM profiles WHERE user_id = ?", arguments: [userID]) else {
      throw ProfileError.profileNotFound(userID: userID)
    }
    return StoredProfile(
      document: try Loyalty_Profile_V1_Profile(jsonString: row["document"]),
      v2Fields: try Loyalty_Profile_V2_Profile(jsonString: row["v2_fields"]))
  }

  private static func nextVersion(after version: Int64) throws -> Int64 {
    let (next, overflow) = version.addingReportingOverflow(1)
    guard !overflow else { throw RPCError(code: .failedPrecondition, message: "the profile's version cannot grow further") }
    return next
  }

  private static func check(_ expectedVersion: Int64?, against profile: Loyalty_Profile_V1_Profile) throws {
    if let expectedVersion, expectedVersion != profile.version {
      throw ProfileError.versionMismatch(expected: expectedVersion, actual: profile.version)
    }
  }

  /// Writes the profile row and journal record, and refreshes the cache once it commits.
  private func save(_ profile: StoredProfile, db: Database, journal: JournalWriter) throws {
    try Self.saveRow(profile, journal: journal)
    let (cache, epoch) = (self.cache, database.notifier.epoch)
    db.afterNextTransaction(onCommit: { _ in cache.committed(profile, epoch: epoch) })
  }

  private static func saveRow(_ stored: StoredProfile, journal: JournalWriter) throws {
    let profile = stored.document
    try journal.upsert(profilesTable.name, [
      "user_id": profile.userID.databaseValue,
      "version": profile.version.databaseValue,
      "home_airport": profile.homeAirport.databaseValue,
      "created_at": profile.createTime.micros.databaseValue,
      "updated_at": profile.updateTime.micros.databaseValue,
      "document": try profile.jsonString().databaseValue,
      "v2_fields": try stored.v2Fields.jsonString().databaseValue,
    ])
  }
}
