import GRDB
import GraphModel
import LoyaltyRuntime

/// Which edges of a node to follow.
public enum GraphDirection: Sendable, Hashable {
  case outgoing
  case incoming
  case both
}

/// An edge of a node with the node at its other end.
public struct GraphNeighbor: Sendable, Hashable {
  public var edge: GraphEdgeRecord
  public var node: GraphNodeRecord
}

/// Counts of what the graph holds.
public struct GraphStatistics: Sendable, Equatable {
  public var nodesByLabel: [String: Int64]
  public var edgesByType: [String: Int64]
  public var nodeCount: Int64
  public var edgeCount: Int64
  /// Journal sequence of the last change.
  public var lastSequence: Int64
}

extension GraphStore {
  /// The stored node; `GraphError.nodeNotFound` when there is none.
  public func node(_ id: String) async throws -> GraphNodeRecord {
    try await database.read { db in
      guard let row = try Row.fetchOne(db, sql: "SELECT * FROM nodes WHERE id = ?", arguments: [id]) else {
        throw GraphError.nodeNotFound(id: id)
      }
      return try Self.nodeRecord(row)
    }
  }

  /// The stored nodes among `ids`, in the order of `ids`; ids without a node are left out.
  public func nodes(_ ids: [String]) async throws -> [GraphNodeRecord] {
    try await database.read { db in
      var found: [String: GraphNodeRecord] = [:]
      // SQLite limits bound parameters per statement; 500 stays far below every build's limit.
      for start in stride(from: 0, to: ids.count, by: 500) {
        let chunk = Array(ids[start..<min(start + 500, ids.count)])
        let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
        for row in try Row.fetchAll(db, sql: "SELECT * FROM nodes WHERE id IN (\(placeholders))", arguments: StatementArguments(chunk)) {
          let record = try Self.nodeRecord(row)
          found[record.node.id] = record
        }
      }
      return ids.compactMap { found[$0] }
    }
  }

  /// The stored edge with this id ("TYPE|from|to|key"); `GraphError.edgeNotFound` when there
  /// is none.
  public func edge(_ id: String) async throws -> GraphEdgeRecord {
    try await database.read { db in
      guard let row = try Row.fetchOne(db, sql: "SELECT * FROM edges WHERE id = ?", arguments: [id]) else {
        throw GraphError.edgeNotFound(id: id)
      }
      return try Self.edgeRecord(row)
    }
  }

  /// The node's edges (outgoing first, each ordered by type, neighbour id and key) with their
  /// far ends, filtered by edge type and neighbour label (all when empty); at most `limit`,
  /// `truncated` when more matched.
  public func neighbors(
    of id: String,
    direction: GraphDirection = .both,
    edgeTypes: Set<EdgeType> = [],
    neighborLabels: Set<NodeLabel> = [],
    limit: Int = 100
  ) async throws -> (neighbors: [GraphNeighbor], truncated: Bool) {
    guard limit > 0 else { throw GraphError.invalidArgument(field: "limit", reason: "must be positive") }
    return try await database.read { db in
      guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM nodes WHERE id = ?)", arguments: [id]) == true else {
        throw GraphError.nodeNotFound(id: id)
      }
      var found: [GraphNeighbor] = []
      if direction != .incoming {
        found += try Self.neighborRows(of: id, outgoing: true, edgeTypes: edgeTypes, neighborLabels: neighborLabels, limit: limit + 1, db: db)
      }
      if direction != .outgoing {
        // A loop already listed as outgoing is not listed again.
        let incoming = try Self.neighborRows(of: id, outgoing: false, edgeTypes: edgeTypes, neighborLabels: neighborLabels, limit: limit + 1, db: db)
        found += incoming.filter { direction == .incoming || $0.edge.edge.fromID != id }
      }
      return (Array(found.prefix(limit)), found.count > limit)
    }
  }

  private static func neighborRows(
    of id: String, outgoing: Bool, edgeTypes: Set<EdgeType>, neighborLabels: Set<NodeLabel>, limit: Int, db: Database
  ) throws -> [GraphNeighbor] {
    let (near, far) = outgoing ? ("from_id", "to_id") : ("to_id", "from_id")
    var sql = """
      SELECT e.id AS edge_id, e.type, e.from_id, e.to_id, e.key, e.properties AS edge_properties, e.derived,
        e.updated_at AS edge_updated_at, n.id, n.label, n.properties, n.updated_at
      FROM edges e JOIN nodes n ON n.id = e.\(far)
      WHERE e.\(near) = ?
      """
    var arguments: [String] = [id]
    if !edgeTypes.isEmpty {
      sql += " AND e.type IN (\(placeholders(edgeTypes.count)))"
      arguments += edgeTypes.map(\.rawValue).sorted()
    }
    if !neighborLabels.isEmpty {
      sql += " AND n.label IN (\(placeholders(neighborLabels.count)))"
      arguments += neighborLabels.map(\.rawValue).sorted()
    }
    sql += " ORDER BY e.type, e.\(far), e.key LIMIT \(limit)"
    return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
      let edge = try edgeRecord(
        id: row["edge_id"], type: row["type"], fromID: row["from_id"], toID: row["to_id"], key: row["key"],
        properties: row["edge_properties"], derived: row["derived"], updatedAtMicros: row["edge_updated_at"])
      return GraphNeighbor(edge: edge, node: try nodeRecord(row))
    }
  }

  /// Counts by label and type, and the journal head, from one consistent read.
  public func statistics() async throws -> GraphStatistics {
    try await database.read { db in
      var nodesByLabel: [String: Int64] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT label, count(*) FROM nodes GROUP BY label") {
        nodesByLabel[row[0]] = row[1]
      }
      var edgesByType: [String: Int64] = [:]
      for row in try Row.fetchAll(db, sql: "SELECT type, count(*) FROM edges GROUP BY type") {
        edgesByType[row[0]] = row[1]
      }
      return GraphStatistics(
        nodesByLabel: nodesByLabel, edgesByType: edgesByType,
        nodeCount: nodesByLabel.values.reduce(0, +), edgeCount: edgesByType.values.reduce(0, +),
        lastSequence: try Self.lastSequence(in: db))
    }
  }
}
