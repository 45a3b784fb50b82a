import Foundation
import GRDB
import Logging
import Synchronization

/// The SQLite database of one stateful service: WAL mode, migrations recorded and applied at
/// open, a change journal written in the same transaction as every mutation, consistent
/// snapshots, and atomic replacement by a restored copy.
public final class ServiceDatabase: Sendable {
  public enum Durability: String, Sendable {
    /// Every commit is fsynced: acknowledged writes survive power loss.
    case full
    /// Commits reach the OS before acknowledgement and survive a process crash; the last
    /// transactions may be lost on power loss.
    case normal
  }

  /// A migration step, registered in order; identifiers are recorded in the database.
  public struct Migration: Sendable {
    public var identifier: String
    public var migrate: @Sendable (Database) throws -> Void

    public init(_ identifier: String, migrate: @escaping @Sendable (Database) throws -> Void) {
      self.identifier = identifier
      self.migrate = migrate
    }
  }

  private enum Connection {
    case open(DatabasePool)
    case replacing
    case closed
  }

  private struct State {
    var connection: Connection
    var operationsInFlight = 0
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    var closeRequested = false
  }

  public let path: URL
  public let tables: [String: JournaledTable]
  public let notifier: JournalNotifier
  private let migrations: [Migration]
  private let durability: Durability
  private let state: Mutex<State>
  private let logger: Logger

  public init(
    path: URL,
    migrations: [Migration],
    tables: [JournaledTable],
    durability: Durability = .full,
    logger: Logger
  ) throws {
    self.path = path
    self.migrations = migrations
    self.tables = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
    self.durability = durability
    self.logger = logger
    let pool = try Self.openPool(at: path, migrations: migrations, durability: durability)
    let head = try pool.read { try JournalRecord.head(in: $0) }
    self.notifier = JournalNotifier(latest: head.sequence)
    self.state = Mutex(State(connection: .open(pool)))
  }

  private static func configuration(durability: Durability) -> Configuration {
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
    }
    return configuration
  }

  static func migrator(_ migrations: [Migration]) -> DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("journal-v1") { db in
      try db.execute(sql: JournalRecord.createTableSQL)
    }
    for migration in migrations {
      migrator.registerMigration(migration.identifier, migrate: migration.migrate)
    }
    return migrator
  }

  private static func openPool(at path: URL, migrations: [Migration], durability: Durability) throws -> DatabasePool {
    let pool = try DatabasePool(path: path.path, configuration: configuration(durability: durability))
    try migrate(pool, migrations: migrations, path: path)
    return pool
  }

  /// Applies pending migrations; refuses a database written by a newer version.
  static func migrate(_ writer: some DatabaseWriter, migrations: [Migration], path: URL) throws {
    let migrator = migrator(migrations)
    let unknown = try writer.read { db in
      try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
    }
    guard unknown.isEmpty else {
      throw StoreError.newerSchema(path: path.path, unknownMigrations: unknown.sorted())
    }
    try migrator.migrate(writer)
  }

  // MARK: Operations

  private func enter() throws(StoreError) -> DatabasePool {
    try state.withLock { state throws(StoreError) -> DatabasePool in
      switch state.connection {
      case .open(let pool):
        state.operationsInFlight += 1
        return pool
      case .replacing:
        throw StoreError.unavailable("the database is being restored; retry shortly")
      case .closed:
        throw StoreError.unavailable("the database is closed")
      }
    }
  }

  private func leave() {
    let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      state.operationsInFlight -= 1
      guard state.operationsInFlight == 0 else { return [] }
      defer { state.drainWaiters.removeAll() }
      return state.drainWaiters
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Returns once no operation is inside the database. Callers first stop new ones from
  /// entering; cancellation does not cut the wait short, since the file must not be touched
  /// while an operation still uses it.
  private func drain() async {
    await withCheckedContinuation { continuation in
      let drained = state.withLock { state -> Bool in
        guard state.operationsInFlight > 0 else { return true }
        state.drainWaiters.append(continuation)
        return false
      }
      if drained { continuation.resume() }
    }
  }

  public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
    let pool = try enter()
    defer { leave() }
    return try await pool.read(body)
  }

  /// Runs `body` in one write transaction. Journal records appended through the
  /// `JournalWriter` commit with the data, and followers are woken after the commit.
  public func write<T: Sendable>(_ body: @escaping @Sendable (Database, JournalWriter) throws -> T) async throws -> T {
    let pool = try enter()
    defer { leave() }
    let tables = self.tables
    let (result, lastSequence) = try await pool.write { db -> (T, Int64?) in
      let journal = try JournalWriter(db: db, tables: tables)
      let result = try body(db, journal)
      return (result, journal.lastSequence)
    }
    if let lastSequence { notifier.publish(lastSequence) }
    return result
  }

  /// Journal records after `sequence`, oldest first.
  public func journal(after sequence: Int64, limit: Int = 500) async throws -> [JournalRecord] {
    try await read { db in try JournalRecord.fetch(after: sequence, limit: limit, from: db) }
  }

  /// True when the file is in place and answers a query.
  public func probe() async -> Bool {
    guard FileManager.default.fileExists(atPath: path.path) else { return false }
    do {
      _ = try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
      return true
    } catch StoreError.unavailable {
      // Being replaced by a restore is not a failure of the dependency.
      return true
    } catch {
      return false
    }
  }

  // MARK: Snapshots and restore

  /// Describes a consistent copy of the database written to a file.
  public struct SnapshotFile: Sendable {
    public var url: URL
    public var lastSequence: Int64
    public var lastCommitTimeMicros: Int64?
    public var schemaVersion: Int
    public var sizeBytes: Int64
  }

  /// Writes a transactionally consistent copy with `VACUUM INTO` from a reader connection,
  /// so writers continue meanwhile. The copy describes itself: its journal head is read from it.
  public func snapshot(into url: URL) async throws -> SnapshotFile {
    let pool = try enter()
    defer { leave() }
    try? FileManager.default.removeItem(at: url)
    try await pool.unsafeRead { db in
      try db.execute(sql: "VACUUM INTO ?", arguments: [url.path])
    }
    let copy = try DatabaseQueue(path: url.path)
    defer { try? copy.close() }
    let (head, applied) = try await copy.read { db in
      (try JournalRecord.head(in: db), try Self.migrator(self.migrations).appliedIdentifiers(db).count)
    }
    let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
    return SnapshotFile(
      url: url, lastSequence: head.sequence, lastCommitTimeMicros: head.commitTimeMicros,
      schemaVersion: applied, sizeBytes: size)
  }

  public struct RestoreOutcome: Sendable {
    public var restoredSequence: Int64
    public var appliedChanges: Int
    public var lastCommitTimeMicros: Int64?
  }

  /// Checks a snapshot file, migrates it, rolls it forward with `changes` (contiguous after
  /// the snapshot's journal head, none after `targetMicros`), then swaps it in atomically.
  /// Calls arriving during the swap get `StoreError.unavailable`; none sees a partial state.
  public func restore(from candidate: URL, changes: [JournalRecord], upToMicros targetMicros: Int64?) async throws -> RestoreOutcome {
    let outcome = try prepare(candidate, changes: changes, upToMicros: targetMicros)
    try await replace(with: candidate, latest: outcome.restoredSequence)
    return outcome
  }

  private func prepare(_ candidate: URL, changes: [JournalRecord], upToMicros targetMicros: Int64?) throws -> RestoreOutcome {
    let queue: DatabaseQueue
    do {
      queue = try DatabaseQueue(path: candidate.path)
    } catch {
      throw StoreError.invalidSnapshot("not a SQLite database: \(error)")
    }
    defer { try? queue.close() }
    let integrity = try? queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    guard integrity == ["ok"] else {
      throw StoreError.invalidSnapshot("integrity check failed: \((integrity ?? ["unreadable"]).prefix(3).joined(separator: "; "))")
    }
    guard try queue.read({ try $0.tableExists("journal") }) else {
      throw StoreError.invalidSnapshot("it has no change journal; it is not a snapshot of this service")
    }
    try Self.migrate(queue, migrations: migrations, path: candidate)
    let tables = self.tables
    let latestAcceptableMicros = Int64(Date().timeIntervalSince1970 * 1_000_000) + Self.maximumClockAheadMicros
    do {
      return try queue.write { db in
        var head = try JournalRecord.head(in: db)
        var applied = 0
        for record in changes where record.sequence > head.sequence {
          if let targetMicros, record.commitTimeMicros > targetMicros { break }
          guard record.sequence == head.sequence + 1 else {
            throw StoreError.journalGap(JournalError.gap(expected: head.sequence + 1, found: record.sequence))
          }
          guard record.commitTimeMicros >= (head.commitTimeMicros ?? 0), record.commitTimeMicros <= latestAcceptableMicros else {
            throw StoreError.invalidSnapshot("change \(record.sequence) has a commit time out of order or in the future")
          }
          guard let table = tables[record.entity] else {
            throw StoreError.invalidSnapshot(JournalError.unknownEntity(record.entity).description)
          }
          try table.apply(record, in: db)
          try record.insert(into: db)
          head = (record.sequence, record.commitTimeMicros)
          applied += 1
        }
        try Self.checkColumnTypes(of: [JournaledTable(name: "journal", primaryKey: "seq")] + Array(tables.values), in: db)
        return RestoreOutcome(restoredSequence: head.sequence, appliedChanges: applied, lastCommitTimeMicros: head.commitTimeMicros)
      }
    } catch let error as StoreError {
      throw error
    } catch {
      throw StoreError.invalidSnapshot("\(error)")
    }
  }

  /// How far ahead of this machine's clock a restored commit time may be.
  static let maximumClockAheadMicros: Int64 = 24 * 3600 * 1_000_000

  /// Refuses rows whose values do not have their column's declared type (SQLite would store
  /// them anyway), so that restored data cannot break the code reading it later.
  static func checkColumnTypes(of tables: [JournaledTable], in db: Database) throws {
    for table in tables {
      for column in try db.columns(in: table.name) {
        let expected: String
        switch column.type.uppercased() {
        case "INTEGER": expected = "integer"
        case "TEXT": expected = "text"
        case "BLOB": expected = "blob"
        default: continue
        }
        let name = column.name.sqlQuotedIdentifier
        let allowed = column.isNotNull ? "'\(expected)'" : "'\(expected)', 'null'"
        let wrong = try Int.fetchOne(
          db, sql: "SELECT count(*) FROM \(table.name.sqlQuotedIdentifier) WHERE typeof(\(name)) NOT IN (\(allowed))") ?? 0
        guard wrong == 0 else {
          throw StoreError.invalidSnapshot("\(wrong) row(s) of \(table.name) hold a value of the wrong type in '\(column.name)'")
        }
      }
    }
  }

  private func replace(with candidate: URL, latest: Int64) async throws {
    let oldPool: DatabasePool = try state.withLock { state throws(StoreError) -> DatabasePool in
      guard case .open(let pool) = state.connection else {
        throw StoreError.unavailable("another restore is in progress")
      }
      state.connection = .replacing
      return pool
    }
    logger.notice("replacing database with restored copy", metadata: ["path": "\(path.path)"])
    // Calls already inside the database finish first; new ones are turned away meanwhile.
    await drain()
    let fileManager = FileManager.default
    let aside = path.appendingPathExtension("pre-restore")
    do {
      try oldPool.close()
      try? fileManager.removeItem(at: aside)
      try fileManager.moveItem(at: path, to: aside)
      for suffix in ["-wal", "-shm"] {
        try? fileManager.removeItem(atPath: path.path + suffix)
      }
      try fileManager.moveItem(at: candidate, to: path)
      let pool = try Self.openPool(at: path, migrations: migrations, durability: durability)
      // Followers and caches learn of the new epoch before any call can see the new file.
      notifier.restored(latest: latest)
      reopen(pool)
      try? fileManager.removeItem(at: aside)
    } catch {
      logger.error("restore swap failed; reopening the previous database", metadata: ["error": "\(error)"])
      if fileManager.fileExists(atPath: aside.path) {
        try? fileManager.removeItem(at: path)
        try? fileManager.moveItem(at: aside, to: path)
      }
      let pool = try Self.openPool(at: path, migrations: migrations, durability: durability)
      reopen(pool)
      throw error
    }
  }

  /// Ends a restore: serves from `pool`, unless shutdown began meanwhile.
  private func reopen(_ pool: DatabasePool) {
    let closeNow = state.withLock { state -> Bool in
      if state.closeRequested {
        state.connection = .closed
        return true
      }
      state.connection = .open(pool)
      return false
    }
    if closeNow { try? pool.close() }
  }

  /// Waits for running operations and closes the database; later calls are UNAVAILABLE.
  /// During a restore, the restore closes the database when it ends.
  public func close() async {
    notifier.close()
    let pool: DatabasePool? = state.withLock { state in
      state.closeRequested = true
      guard case .open(let pool) = state.connection else { return nil }
      state.connection = .closed
      return pool
    }
    guard let pool else { return }
    await drain()
    do {
      try pool.close()
    } catch {
      logger.warning("closing the database failed", metadata: ["error": "\(error)"])
    }
  }
}

/// Appends journal records inside the write transaction that makes the change. Use its
/// `upsert` and `delete` for journaled tables: they change the row and record it together.
public final class JournalWriter {
  private let db: Database
  private let tables: [String: JournaledTable]
  private let commitTimeMicros: Int64
  private(set) var lastSequence: Int64?

  init(db: Database, tables: [String: JournaledTable]) throws {
    self.db = db
    self.tables = tables
    let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
    // Commit times never go backwards along the journal, even if the wall clock does.
    let previous = try JournalRecord.head(in: db).commitTimeMicros ?? 0
    self.commitTimeMicros = max(now, previous)
  }

  private func table(_ name: String) throws -> JournaledTable {
    guard let table = tables[name] else { throw JournalError.unknownEntity(name) }
    return table
  }

  /// Inserts or replaces the whole row and journals it.
  public func upsert(_ tableName: String, _ row: [String: DatabaseValue]) throws {
    let table = try table(tableName)
    guard case .string(let key)? = row[table.primaryKey]?.storage else {
      throw JournalError.invalidValue("row for \(tableName) has no text '\(table.primaryKey)'")
    }
    let value = try table.upsert(row, in: db)
    try append(entity: tableName, key: key, operation: .upsert, value: value)
  }

  public func delete(_ tableName: String, key: String) throws {
    let table = try table(tableName)
    try table.delete(key: key, in: db)
    try append(entity: tableName, key: key, operation: .delete, value: Data())
  }

  private func append(entity: String, key: String, operation: JournalRecord.Operation, value: Data) throws {
    try db.execute(
      sql: "INSERT INTO journal (committed_at, entity, key, op, value) VALUES (?, ?, ?, ?, ?)",
      arguments: [commitTimeMicros, entity, key, operation.rawValue, value])
    lastSequence = db.lastInsertedRowID
  }
}
