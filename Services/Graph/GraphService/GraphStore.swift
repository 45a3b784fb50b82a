import Foundation
import GRDB
import GraphModel
import Logging
import LoyaltyRuntime

/// Persistence of the knowledge graph on SQLite: one row per node and per edge, properties as
/// compact sorted-key JSON text (`PropertyCoding`), every
/// change journalled in the same transaction.
///
/// Besides the edges callers write, the store keeps *derived* edges (CREDITS_TO_PROGRAM,
/// APPLIES_TO, HAS_ELITE_TIER, EXTRACTED_FROM) in step with the references facts make in
/// their properties (see `GraphReferences`). Hot read paths use `snapshot()`, an in-memory
/// copy of the whole graph rebuilt when the journal has moved on.
public struct GraphStore: Sendable {
  public static let nodesTable = JournaledTable(name: "nodes", primaryKey: "id")
  public static let edgesTable = JournaledTable(name: "edges", primaryKey: "id")

  public static let migrations: [ServiceDatabase.Migration] = [
    .init("graph-v1") { db in
      // Edge ids start with the type ("TYPE|from|to|key"), so the primary key also serves
      // scans by type.
      try db.execute(sql: """
        CREATE TABLE nodes (
          id TEXT PRIMARY KEY NOT NULL,
          label TEXT NOT NULL,
          properties TEXT NOT NULL,
          updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX nodes_label ON nodes(label);
        CREATE TABLE edges (
          id TEXT PRIMARY KEY NOT NULL,
          type TEXT NOT NULL,
          from_id TEXT NOT NULL,
          to_id TEXT NOT NULL,
          key TEXT NOT NULL,
          properties TEXT NOT NULL,
          derived INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX edges_from ON edges(from_id, type);
        CREATE INDEX edges_to ON edges(to_id, type);
        """)
    }
  ]

  public let database: ServiceDatabase
  private let snapshots: GraphSnapshotCache

  public init(database: ServiceDatabase) {
    self.database = database
    self.snapshots = GraphSnapshotCache()
  }

  /// Opens (creating and migrating as needed) the graph database.
  public static func openDatabase(at path: URL, durability: ServiceDatabase.Durability, logger: Logger) throws -> ServiceDatabase {
    try ServiceDatabase(
      path: path, migrations: migrations, tables: [nodesTable, edgesTable], durability: durability, logger: logger)
  }

  /// The whole graph in memory, as of the latest committed change (or later). Built once per
  /// journal position and shared; concurrent callers wait for one rebuild.
  public func snapshot() async throws -> GraphSnapshot {
    let database = self.database
    return try await snapshots.snapshot(notifier: database.notifier) { epoch in
      try await GraphSnapshot.load(from: database, epoch: epoch)
    }
  }
}

/// What one upsert changed. Derived edges are not counted among the batch's edges.
public struct UpsertSummary: Sendable, Equatable {
  public var nodesCreated = 0
  public var nodesUpdated = 0
  public var nodesUnchanged = 0
  public var edgesCreated = 0
  public var edgesUpdated = 0
  public var edgesUnchanged = 0
  /// Derived edges written or removed because a node's references changed.
  public var derivedEdgesWritten = 0
  public var derivedEdgesRemoved = 0
  /// Journal sequence of the batch's last change; 0 when nothing changed.
  public var sequence: Int64 = 0

  public init() {}

  public var nodesWritten: Int { nodesCreated + nodesUpdated }
  public var edgesWritten: Int { edgesCreated + edgesUpdated }
}

/// A stored node with the time of its last change.
public struct GraphNodeRecord: Sendable, Hashable {
  public var node: GraphNode
  /// Microseconds since 1970.
  public var updatedAtMicros: Int64
}

/// A stored edge with the time of its last change.
public struct GraphEdgeRecord: Sendable, Hashable {
  public var edge: GraphEdge
  /// True for edges the store keeps in step with a node's properties.
  public var derived: Bool
  /// Microseconds since 1970.
  public var updatedAtMicros: Int64
}

extension GraphStore {
  static func nowMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

  /// The journal head inside the current transaction.
  static func lastSequence(in db: Database) throws -> Int64 {
    try Int64.fetchOne(db, sql: "SELECT seq FROM journal ORDER BY seq DESC LIMIT 1") ?? 0
  }

  /// Runs `body` over `ids` in chunks small enough for one statement's parameters.
  static func forEachChunk(of ids: [String], size: Int = 500, _ body: ([String]) throws -> Void) rethrows {
    var start = 0
    while start < ids.count {
      let end = min(start + size, ids.count)
      try body(Array(ids[start..<end]))
      start = end
    }
  }

  static func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ",")
  }

  static func nodeRecord(_ row: Row) throws -> GraphNodeRecord {
    let id: String = row["id"]
    let labelText: String = row["label"]
    guard let label = NodeLabel(rawValue: labelText) else {
      throw GraphStoreCorruption("node '\(id)' has unknown label '\(labelText)'")
    }
    return GraphNodeRecord(
      node: GraphNode(id: id, label: label, properties: try PropertyCoding.decode(row["properties"])),
      updatedAtMicros: row["updated_at"])
  }

  static func edgeRecord(_ row: Row) throws -> GraphEdgeRecord {
    try edgeRecord(
      id: row["id"], type: row["type"], fromID: row["from_id"], toID: row["to_id"], key: row["key"],
      properties: row["properties"], derived: row["derived"], updatedAtMicros: row["updated_at"])
  }

  static func edgeRecord(
    id: String, type typeText: String, fromID: String, toID: String, key: String, properties: String, derived: Bool,
    updatedAtMicros: Int64
  ) throws -> GraphEdgeRecord {
    guard let type = EdgeType(rawValue: typeText) else {
      throw GraphStoreCorruption("edge '\(id)' has unknown type '\(typeText)'")
    }
    return GraphEdgeRecord(
      edge: GraphEdge(type: type, fromID: fromID, toID: toID, key: key, properties: try PropertyCoding.decode(properties)),
      derived: derived, updatedAtMicros: updatedAtMicros)
  }
}

/// Stored data the code cannot read (only possible if the file was changed behind its back).
struct GraphStoreCorruption: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
