import GRDB
import GraphModel
import LoyaltyRuntime

/// The result of a breadth-first traversal.
public struct GraphTraversal: Sendable, Equatable {
  /// Visited nodes: start nodes first, then in breadth-first order.
  public var nodes: [GraphNodeRecord]
  /// Hop count of each node of `nodes`, by index.
  public var depths: [Int]
  /// Edges followed between visited nodes, in the order they were met.
  public var edges: [GraphEdgeRecord]
  /// The node or edge limit cut the traversal short.
  public var truncated: Bool
}

extension GraphStore {
  /// Most edges a traversal returns, whatever its node limit.
  public static let traversalEdgeLimit = 20_000

  /// Visits the graph breadth-first from `startIDs` up to `maxDepth` hops over edges of
  /// `edgeTypes` (all when empty) in `direction`, entering only nodes labelled one of
  /// `nodeLabels` (all when empty; start nodes are always visited), at most `limit` nodes.
  /// Nodes of one depth come in the order their predecessors were visited, each
  /// predecessor's edges ordered by id. One read transaction sees one state of the graph.
  public func traverse(
    from startIDs: [String],
    maxDepth: Int,
    direction: GraphDirection = .both,
    edgeTypes: Set<EdgeType> = [],
    nodeLabels: Set<NodeLabel> = [],
    limit: Int = 500
  ) async throws -> GraphTraversal {
    guard (1...4).contains(maxDepth) else { throw GraphError.invalidArgument(field: "max_depth", reason: "\(maxDepth) is outside 1…4") }
    guard limit > 0 else { throw GraphError.invalidArgument(field: "limit", reason: "must be positive") }
    return try await database.read { db in
      var traversal = Traversal(direction: direction, edgeTypes: edgeTypes, nodeLabels: nodeLabels, limit: limit, db: db)
      try traversal.run(from: startIDs, maxDepth: maxDepth)
      return try traversal.result()
    }
  }
}

/// The state of one traversal inside a read transaction.
private struct Traversal {
  struct EdgeRow {
    var id: String
    var type: String
    var fromID: String
    var toID: String
    var key: String
    var properties: String
    var derived: Bool
    var updatedAt: Int64
  }

  let direction: GraphDirection
  let edgeTypes: [String]
  let nodeLabels: Set<NodeLabel>
  let limit: Int
  let db: Database
  var visited: [String: Int] = [:]
  var order: [GraphNodeRecord] = []
  var depths: [Int] = []
  var edges: [EdgeRow] = []
  var edgeIDs: Set<String> = []
  /// Edges met whose far end was not (yet) visited.
  var pending: [EdgeRow] = []
  var truncated = false

  init(direction: GraphDirection, edgeTypes: Set<EdgeType>, nodeLabels: Set<NodeLabel>, limit: Int, db: Database) {
    self.direction = direction
    self.edgeTypes = edgeTypes.map(\.rawValue).sorted()
    self.nodeLabels = nodeLabels
    self.limit = limit
    self.db = db
  }

  mutating func run(from startIDs: [String], maxDepth: Int) throws {
    var frontier: [String] = []
    let starts = try nodes(startIDs)
    for id in startIDs where visited[id] == nil {
      guard let node = starts[id] else { throw GraphError.nodeNotFound(id: id) }
      guard order.count < limit else {
        truncated = true
        break
      }
      visit(node, depth: 0)
      frontier.append(id)
    }
    var depth = 0
    while depth < maxDepth, !frontier.isEmpty, !truncated {
      depth += 1
      let met = try edges(touching: frontier)
      var candidates: [String] = []
      var seen = Set<String>()
      for edge in met {
        for end in [edge.fromID, edge.toID] where visited[end] == nil && seen.insert(end).inserted {
          candidates.append(end)
        }
        pending.append(edge)
      }
      let found = try nodes(candidates)
      frontier = []
      for id in candidates {
        guard let node = found[id], nodeLabels.isEmpty || nodeLabels.contains(node.node.label) else { continue }
        guard order.count < limit else {
          truncated = true
          break
        }
        visit(node, depth: depth)
        frontier.append(id)
      }
      keepPendingEdgesBetweenVisited()
    }
    keepPendingEdgesBetweenVisited()
  }

  private mutating func visit(_ node: GraphNodeRecord, depth: Int) {
    visited[node.node.id] = order.count
    order.append(node)
    depths.append(depth)
  }

  private mutating func keepPendingEdgesBetweenVisited() {
    var remaining: [EdgeRow] = []
    for edge in pending where !edgeIDs.contains(edge.id) {
      guard visited[edge.fromID] != nil, visited[edge.toID] != nil else {
        remaining.append(edge)
        continue
      }
      guard edges.count < GraphStore.traversalEdgeLimit else {
        truncated = true
        break
      }
      edges.append(edge)
      edgeIDs.insert(edge.id)
    }
    pending = remaining
  }

  /// Edges of the frontier nodes in the traversal's direction, grouped by frontier node in
  /// frontier order, each group ordered by edge id.
  private func edges(touching frontier: [String]) throws -> [EdgeRow] {
    var byNode: [String: [EdgeRow]] = [:]
    let columns = [(GraphDirection.outgoing, "from_id"), (.incoming, "to_id")].filter { direction == .both || direction == $0.0 }
    for (side, column) in columns {
      try GraphStore.forEachChunk(of: frontier) { chunk in
        var sql = "SELECT id, type, from_id, to_id, key, properties, derived, updated_at FROM edges WHERE \(column) IN (\(GraphStore.placeholders(chunk.count)))"
        var arguments = chunk
        if !edgeTypes.isEmpty {
          sql += " AND type IN (\(GraphStore.placeholders(edgeTypes.count)))"
          arguments += edgeTypes
        }
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
        while let row = try cursor.next() {
          let edge = EdgeRow(
            id: row[0], type: row[1], fromID: row[2], toID: row[3], key: row[4], properties: row[5], derived: row[6],
            updatedAt: row[7])
          byNode[side == .outgoing ? edge.fromID : edge.toID, default: []].append(edge)
        }
      }
    }
    var seen = Set<String>()
    var ordered: [EdgeRow] = []
    for id in frontier {
      for edge in (byNode[id] ?? []).sorted(by: { $0.id < $1.id }) where seen.insert(edge.id).inserted {
        ordered.append(edge)
      }
    }
    return ordered
  }

  private func nodes(_ ids: [String]) throws -> [String: GraphNodeRecord] {
    var found: [String: GraphNodeRecord] = [:]
    try GraphStore.forEachChunk(of: ids) { chunk in
      let cursor = try Row.fetchCursor(
        db, sql: "SELECT * FROM nodes WHERE id IN (\(GraphStore.placeholders(chunk.count)))", arguments: StatementArguments(chunk))
      while let row = try cursor.next() {
        let record = try GraphStore.nodeRecord(row)
        found[record.node.id] = record
      }
    }
    return found
  }

  func result() throws -> GraphTraversal {
    GraphTraversal(
      nodes: order, depths: depths,
      edges: try edges.map {
        try GraphStore.edgeRecord(
          id: $0.id, type: $0.type, fromID: $0.fromID, toID: $0.toID, key: $0.key, properties: $0.properties,
          derived: $0.derived, updatedAtMicros: $0.updatedAt)
      },
      truncated: truncated)
  }
}
