import Foundation
import GRDB

/// The record of restore drills, in its own small SQLite database: each result is stored
/// whole (as JSON) with the columns it is looked up by.
public final class DrillLog: Sendable {
  private let queue: DatabaseQueue

  /// Opens (creating as needed) the drill log at `path`.
  public init(path: URL) throws {
    try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    queue = try DatabaseQueue(path: path.path, configuration: configuration)
    try Self.migrator.migrate(queue)
  }

  /// A log held in memory only.
  public init() throws {
    queue = try DatabaseQueue()
    try Self.migrator.migrate(queue)
  }

  private static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("drill-log-v1") { db in
      try db.execute(sql: """
        CREATE TABLE drill (
          id TEXT PRIMARY KEY NOT NULL,
          service TEXT NOT NULL,
          started_at INTEGER NOT NULL,
          outcome TEXT NOT NULL,
          result TEXT NOT NULL
        );
        CREATE INDEX drill_by_service ON drill(service, started_at);
        """)
    }
    return migrator
  }

  /// Records a result; recording the same id again replaces it.
  public func record(_ result: DrillResult) async throws {
    let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
    try await queue.write { db in
      try db.execute(
        sql: "INSERT OR REPLACE INTO drill (id, service, started_at, outcome, result) VALUES (?, ?, ?, ?, ?)",
        arguments: [result.id, result.service, result.startedAtMicros, result.outcome.rawValue, json])
    }
  }

  /// Drills of `service` (every service when nil), newest first.
  public func list(service: String? = nil) async throws -> [DrillResult] {
    let rows = try await queue.read { db in
      if let service {
        try String.fetchAll(
          db, sql: "SELECT result FROM drill WHERE service = ? ORDER BY started_at DESC, id DESC", arguments: [service])
      } else {
        try String.fetchAll(db, sql: "SELECT result FROM drill ORDER BY started_at DESC, id DESC")
      }
    }
    return try rows.map(Self.decode)
  }

  /// The newest successful drill of `service`, nil when none succeeded.
  public func lastSuccess(service: String) async throws -> DrillResult? {
    let row = try await queue.read { db in
      try String.fetchOne(
        db,
        sql: "SELECT result FROM drill WHERE service = ? AND outcome = ? ORDER BY started_at DESC, id DESC LIMIT 1",
        arguments: [service, DrillResult.Outcome.successful.rawValue])
    }
    return try row.map(Self.decode)
  }

  private static func decode(_ json: String) throws -> DrillResult {
    try JSONDecoder().decode(DrillResult.self, from: Data(json.utf8))
  }
}
