import GRDB
import GraphModel
import LoyaltyRuntime

/// What a deletion removed.
public struct DeletionSummary: Sendable, Equatable {
  /// Edges removed with a node (derived ones included).
  public var edgesDeleted: Int
  /// Journal sequence of the deletion's last change.
  public var sequence: Int64
}

extension GraphStore {
  /// Most referrers a refused deletion names.
  static let referrersNamed = 5

  /// Deletes the node and every edge touching it, in one transaction. Refused
  /// (`GraphError.nodeReferenced`) while other facts name it in their properties: deleting it
  /// would leave them pointing at nothing.
  public func deleteNode(_ id: String) async throws -> DeletionSummary {
    try await database.write { db, journal in
      guard let labelText = try String.fetchOne(db, sql: "SELECT label FROM nodes WHERE id = ?", arguments: [id]) else {
        throw GraphError.nodeNotFound(id: id)
      }
      let referrers = try Self.referrers(of: id, label: NodeLabel(rawValue: labelText), db: db)
      guard referrers.isEmpty else {
        throw GraphError.nodeReferenced(id: id, referrers: Array(referrers.prefix(Self.referrersNamed)), total: referrers.count)
      }
      let edges = try String.fetchAll(
        db, sql: "SELECT id FROM edges WHERE from_id = ? UNION SELECT id FROM edges WHERE to_id = ? ORDER BY 1",
        arguments: [id, id])
      for edge in edges {
        try journal.delete(Self.edgesTable.name, key: edge)
      }
      try journal.delete(Self.nodesTable.name, key: id)
      return DeletionSummary(edgesDeleted: edges.count, sequence: try Self.lastSequence(in: db))
    }
  }

  /// Deletes one edge the caller wrote. Derived edges follow their node's properties and are
  /// refused (`GraphError.derivedEdge`).
  public func deleteEdge(type: EdgeType, fromID: String, toID: String, key: String) async throws -> DeletionSummary {
    let id = GraphEdge.id(type: type, fromID: fromID, toID: toID, key: key)
    return try await database.write { db, journal in
      guard let derived = try Bool.fetchOne(db, sql: "SELECT derived FROM edges WHERE id = ?", arguments: [id]) else {
        throw GraphError.edgeNotFound(id: id)
      }
      if derived {
        let owner = GraphReferences.owner(of: GraphEdge(type: type, fromID: fromID, toID: toID, key: key))
        throw GraphError.derivedEdge(id: id, owner: owner.nodeID, property: owner.property)
      }
      try journal.delete(Self.edgesTable.name, key: id)
      return DeletionSummary(edgesDeleted: 1, sequence: try Self.lastSequence(in: db))
    }
  }

  /// Nodes whose properties name `id`, and edges whose properties do (source documents),
  /// sorted; edges are named "edge <id>".
  static func referrers(of id: String, label: NodeLabel?, db: Database) throws -> [String] {
    // Derived edges mirror every reference a node's properties make; the referring node is
    // the edge's owner.
    var referrers = try String.fetchAll(
      db,
      sql: """
        SELECT from_id FROM edges WHERE to_id = ? AND derived = 1 AND type <> ? AND from_id <> ?
        UNION
        SELECT to_id FROM edges WHERE from_id = ? AND derived = 1 AND type = ? AND to_id <> ?
        """,
      arguments: [id, EdgeType.hasEliteTier.rawValue, id, id, EdgeType.hasEliteTier.rawValue, id])
    if label == .webSourceDocument {
      let citingTypes = GraphSchema.edgeProperties.filter { $0.value.contains { $0.name == "source_document_id" } }.keys.map(\.rawValue).sorted()
      let edges = try String.fetchAll(
        db,
        sql: """
          SELECT id FROM edges
          WHERE type IN (\(placeholders(citingTypes.count))) AND json_extract(properties, '$.source_document_id') = ?
          """,
        arguments: StatementArguments(citingTypes + [id]))
      referrers += edges.map { "edge \($0)" }
    }
    return referrers.sorted()
  }
}
