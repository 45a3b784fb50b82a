import GRDB
import GraphModel
import LoyaltyRuntime

extension GraphStore {
  /// Creates or replaces the batch's nodes and edges in one transaction: all or nothing.
  ///
  /// Every item is checked against `GraphSchema`; edge endpoints, and the nodes that
  /// properties refer to, must exist (in the batch or the graph) with the labels the schema
  /// expects. Large batches are checked on several cores.
  /// A node or edge equal to the stored one is left alone and journals nothing, so a batch
  /// can be re-sent safely. A node's derived edges follow its new properties.
  @discardableResult
  public func upsert(_ batch: GraphBatch) async throws -> UpsertSummary {
    let prepared = try await PreparedBatch.prepare(batch)
    guard !batch.isEmpty else { return UpsertSummary() }
    return try await database.write { db, journal in
      try Self.apply(prepared, db: db, journal: journal, now: Self.nowMicros())
    }
  }

  private struct StoredNodeRow {
    var label: String
    var properties: String
  }

  private struct StoredEdgeRow {
    var properties: String
    var derived: Bool
  }

  private static func apply(_ batch: PreparedBatch, db: Database, journal: JournalWriter, now: Int64) throws -> UpsertSummary {
    let stored = try storedNodes(batch.nodes.map(\.node.id), db: db)
    for (index, item) in batch.nodes.enumerated() {
      if let row = stored[item.node.id], row.label != item.node.label.rawValue, let storedLabel = NodeLabel(rawValue: row.label) {
        throw GraphError.labelChange(field: "nodes[\(index)].label", id: item.node.id, stored: storedLabel, requested: item.node.label)
      }
    }
    let external = try labels(of: batch.externalIDs, db: db)
    func label(of id: String) -> NodeLabel? {
      if let index = batch.nodeIndex[id] { return batch.nodes[index].node.label }
      return external[id]
    }
    func check(_ reference: NodeReference, field: String) throws {
      guard let found = label(of: reference.targetID) else {
        throw GraphError.referenceNotFound(field: "\(field).\(reference.field)", id: reference.targetID)
      }
      guard found == reference.targetLabel else {
        throw GraphError.wrongLabel(
          field: "\(field).\(reference.field)", id: reference.targetID, label: found, expected: reference.targetLabel.rawValue)
      }
    }
    for (index, item) in batch.nodes.enumerated() {
      for reference in item.references { try check(reference, field: "nodes[\(index)]") }
    }
    for (index, item) in batch.edges.enumerated() {
      try checkEndpoints(of: item.edge, field: "edges[\(index)]", label: label(of:))
      for reference in item.references { try check(reference, field: "edges[\(index)]") }
    }

    var summary = UpsertSummary()
    for item in batch.nodes {
      let previous = stored[item.node.id]
      if let previous, previous.properties == item.properties {
        summary.nodesUnchanged += 1
        continue
      }
      try journal.upsert(nodesTable.name, [
        "id": item.node.id.databaseValue,
        "label": item.node.label.rawValue.databaseValue,
        "properties": item.properties.databaseValue,
        "updated_at": now.databaseValue,
      ])
      if previous == nil { summary.nodesCreated += 1 } else { summary.nodesUpdated += 1 }
      try updateDerivedEdges(of: item, previousProperties: previous?.properties, journal: journal, now: now, summary: &summary)
    }

    let storedEdges = try storedEdges(batch.edges.map(\.id), db: db)
    for item in batch.edges {
      let previous = storedEdges[item.id]
      if let previous, !previous.derived, previous.properties == item.properties {
        summary.edgesUnchanged += 1
        continue
      }
      try journal.upsert(edgesTable.name, edgeRow(item.edge, id: item.id, properties: item.properties, derived: false, now: now))
      if previous == nil { summary.edgesCreated += 1 } else { summary.edgesUpdated += 1 }
    }

    if summary.nodesWritten + summary.edgesWritten + summary.derivedEdgesWritten + summary.derivedEdgesRemoved > 0 {
      summary.sequence = try lastSequence(in: db)
    }
    return summary
  }

  private static func checkEndpoints(of edge: GraphEdge, field: String, label: (String) -> NodeLabel?) throws {
    guard let from = label(edge.fromID) else { throw GraphError.referenceNotFound(field: "\(field).from_id", id: edge.fromID) }
    guard let to = label(edge.toID) else { throw GraphError.referenceNotFound(field: "\(field).to_id", id: edge.toID) }
    if let property = GraphReferences.derivingProperty(of: edge.type, from: from) {
      throw GraphError.invalidArgument(
        field: "\(field).type",
        reason: "\(edge.type.rawValue) edges of \(article(from.rawValue)) \(from.rawValue) follow its \(property) property; set the property instead of writing the edge")
    }
    guard GraphSchema.allows(edge.type, from: from, to: to) else {
      let allowed = (GraphSchema.edgeEndpoints[edge.type] ?? []).map { "\($0.from.rawValue) → \($0.to.rawValue)" }
      throw GraphError.invalidArgument(
        field: field,
        reason: "\(edge.type.rawValue) joins \(allowed.joined(separator: ", ")), not \(from.rawValue) → \(to.rawValue) ('\(edge.fromID)' → '\(edge.toID)')")
    }
  }

  /// Replaces the node's derived edges by those its new properties call for, touching only
  /// the ones that differ.
  private static func updateDerivedEdges(
    of item: PreparedBatch.Node, previousProperties: String?, journal: JournalWriter, now: Int64, summary: inout UpsertSummary
  ) throws {
    let wanted = GraphReferences.derivedEdges(of: item.node)
    var existing: [String: GraphEdge] = [:]
    if let previousProperties, mayReference(item.node.label) {
      let previous = GraphNode(id: item.node.id, label: item.node.label, properties: try PropertyCoding.decode(previousProperties))
      existing = GraphReferences.derivedEdges(of: previous)
    }
    for id in existing.keys.sorted() where wanted[id] == nil {
      try journal.delete(edgesTable.name, key: id)
      summary.derivedEdgesRemoved += 1
    }
    for (id, edge) in wanted.sorted(by: { $0.key < $1.key }) where existing[id] == nil {
      try journal.upsert(edgesTable.name, edgeRow(edge, id: id, properties: "{}", derived: true, now: now))
      summary.derivedEdgesWritten += 1
    }
  }

  /// Labels whose properties can name other nodes.
  private static func mayReference(_ label: NodeLabel) -> Bool {
    switch label {
    case .airport, .airline, .fareClass, .webSourceDocument: false
    case .alliance, .loyaltyProgram, .earningRule, .awardChartEntry, .eliteTier: true
    }
  }

  static func edgeRow(_ edge: GraphEdge, id: String, properties: String, derived: Bool, now: Int64) -> [String: DatabaseValue] {
    [
      "id": id.databaseValue,
      "type": edge.type.rawValue.databaseValue,
      "from_id": edge.fromID.databaseValue,
      "to_id": edge.toID.databaseValue,
      "key": edge.key.databaseValue,
      "properties": properties.databaseValue,
      "derived": (derived ? 1 : 0).databaseValue,
      "updated_at": now.databaseValue,
    ]
  }

  private static func storedNodes(_ ids: [String], db: Database) throws -> [String: StoredNodeRow] {
    var rows: [String: StoredNodeRow] = [:]
    try forEachChunk(of: ids) { chunk in
      let statement = try db.cachedStatement(sql: "SELECT id, label, properties FROM nodes WHERE id IN (\(placeholders(chunk.count)))")
      let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(chunk))
      while let row = try cursor.next() {
        rows[row[0]] = StoredNodeRow(label: row[1], properties: row[2])
      }
    }
    return rows
  }

  private static func storedEdges(_ ids: [String], db: Database) throws -> [String: StoredEdgeRow] {
    var rows: [String: StoredEdgeRow] = [:]
    try forEachChunk(of: ids) { chunk in
      let statement = try db.cachedStatement(sql: "SELECT id, properties, derived FROM edges WHERE id IN (\(placeholders(chunk.count)))")
      let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(chunk))
      while let row = try cursor.next() {
        rows[row[0]] = StoredEdgeRow(properties: row[1], derived: row[2])
      }
    }
    return rows
  }

  /// The labels of those of `ids` that are stored.
  static func labels(of ids: [String], db: Database) throws -> [String: NodeLabel] {
    var labels: [String: NodeLabel] = [:]
    try forEachChunk(of: ids) { chunk in
      let statement = try db.cachedStatement(sql: "SELECT id, label FROM nodes WHERE id IN (\(placeholders(chunk.count)))")
      let cursor = try Row.fetchCursor(statement, arguments: StatementArguments(chunk))
      while let row = try cursor.next() {
        let text: String = row[1]
        if let label = NodeLabel(rawValue: text) { labels[row[0]] = label }
      }
    }
    return labels
  }
}

func article(_ word: String) -> String {
  "AEIOU".contains(word.first ?? "x") ? "an" : "a"
}
