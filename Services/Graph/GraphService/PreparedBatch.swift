import Foundation
import GraphModel

/// A batch checked against the schema on its own, before any stored data is consulted:
/// every node and edge validated (errors name the field, e.g. `nodes[3].properties.iata`),
/// no id twice, properties encoded once and the references they make listed.
///
/// The first problem in batch order is reported (nodes before edges), whether the batch was
/// prepared on one core or several.
struct PreparedBatch: Sendable {
  struct Node: Sendable {
    var node: GraphNode
    var properties: String
    var references: [NodeReference]
  }

  struct Edge: Sendable {
    var edge: GraphEdge
    var id: String
    var properties: String
    var references: [NodeReference]
  }

  var nodes: [Node]
  var edges: [Edge]
  /// Position of each node in `nodes`, by id.
  var nodeIndex: [String: Int]

  /// Batches smaller than this are prepared on the calling task.
  static let parallelThreshold = 4096

  /// Prepares the batch, spreading the per-item work over the processors for large batches
  /// (an OpenFlights import is ~74,000 items).
  static func prepare(_ batch: GraphBatch) async throws -> PreparedBatch {
    let workers = min(ProcessInfo.processInfo.activeProcessorCount, 8)
    guard workers > 1, batch.nodes.count + batch.edges.count >= parallelThreshold else {
      return try PreparedBatch(
        nodes: prepared(batch.nodes[...], using: prepare(node:at:)), edges: prepared(batch.edges[...], using: prepare(edge:at:)))
    }
    async let nodes = preparedInParallel(batch.nodes, workers: workers, using: prepare(node:at:))
    async let edges = preparedInParallel(batch.edges, workers: workers, using: prepare(edge:at:))
    return try PreparedBatch(nodes: await nodes, edges: await edges)
  }

  /// Items prepared up to the first failure, and the failure.
  struct Outcome<Item: Sendable>: Sendable {
    var items: [Item]
    var failure: GraphError?
  }

  private static func prepared<Input, Item>(
    _ inputs: ArraySlice<Input>, using prepare: (Input, Int) throws(GraphError) -> Item
  ) -> Outcome<Item> {
    var items: [Item] = []
    items.reserveCapacity(inputs.count)
    for index in inputs.indices {
      do {
        items.append(try prepare(inputs[index], index))
      } catch {
        return Outcome(items: items, failure: error)
      }
    }
    return Outcome(items: items, failure: nil)
  }

  private static func preparedInParallel<Input: Sendable, Item: Sendable>(
    _ inputs: [Input], workers: Int, using prepare: @escaping @Sendable (Input, Int) throws(GraphError) -> Item
  ) async -> Outcome<Item> {
    let chunkSize = max(1, (inputs.count + workers - 1) / workers)
    let chunks = stride(from: 0, to: inputs.count, by: chunkSize).map { inputs[$0..<min($0 + chunkSize, inputs.count)] }
    let outcomes = await withTaskGroup(of: (Int, Outcome<Item>).self) { group in
      for (position, chunk) in chunks.enumerated() {
        group.addTask { (position, prepared(chunk, using: prepare)) }
      }
      var outcomes = [Outcome<Item>?](repeating: nil, count: chunks.count)
      for await (position, outcome) in group { outcomes[position] = outcome }
      return outcomes.map { $0! }
    }
    // Chunks are contiguous: the first failing chunk holds the first failure.
    var items: [Item] = []
    items.reserveCapacity(inputs.count)
    for outcome in outcomes {
      items += outcome.items
      if outcome.failure != nil { return Outcome(items: items, failure: outcome.failure) }
    }
    return Outcome(items: items, failure: nil)
  }

  /// Checks ids for repeats in order; the first repeat or preparation failure, whichever
  /// comes first in the batch, is thrown.
  private init(nodes: Outcome<Node>, edges: Outcome<Edge>) throws(GraphError) {
    nodeIndex = Dictionary(minimumCapacity: nodes.items.count)
    for (index, item) in nodes.items.enumerated() {
      if let first = nodeIndex.updateValue(index, forKey: item.node.id) {
        throw .invalidArgument(field: "nodes[\(index)].id", reason: "'\(item.node.id)' appears twice in the batch (also nodes[\(first)])")
      }
    }
    if let failure = nodes.failure { throw failure }
    var edgeIndex: [String: Int] = Dictionary(minimumCapacity: edges.items.count)
    for (index, item) in edges.items.enumerated() {
      if let first = edgeIndex.updateValue(index, forKey: item.id) {
        throw .invalidArgument(field: "edges[\(index)]", reason: "edge '\(item.id)' appears twice in the batch (also edges[\(first)])")
      }
    }
    if let failure = edges.failure { throw failure }
    self.nodes = nodes.items
    self.edges = edges.items
  }

  private static func prepare(node: GraphNode, at index: Int) throws(GraphError) -> Node {
    let field = "nodes[\(index)]"
    do {
      try GraphSchema.validate(node, field: field)
    } catch {
      throw GraphError(error)
    }
    try requireFiniteNumbers(node.properties, field: "\(field).properties")
    return Node(node: node, properties: PropertyCoding.encode(node.properties), references: GraphReferences.references(of: node))
  }

  private static func prepare(edge: GraphEdge, at index: Int) throws(GraphError) -> Edge {
    let field = "edges[\(index)]"
    do {
      try GraphSchema.validate(edge, field: field)
    } catch {
      throw GraphError(error)
    }
    try requireFiniteNumbers(edge.properties, field: "\(field).properties")
    return Edge(edge: edge, id: edge.id, properties: PropertyCoding.encode(edge.properties), references: GraphReferences.references(of: edge))
  }

  /// NaN and infinities have no JSON form; the schema checks only the numbers it knows.
  private static func requireFiniteNumbers(_ properties: Properties, field: String) throws(GraphError) {
    func check(_ value: PropertyValue, field: String) throws(GraphError) {
      switch value {
      case .number(let number) where !number.isFinite:
        throw .invalidArgument(field: field, reason: "\(number) is not a finite number")
      case .list(let items):
        for (index, item) in items.enumerated() { try check(item, field: "\(field)[\(index)]") }
      case .object(let fields):
        for (name, item) in fields { try check(item, field: "\(field).\(name)") }
      case .null, .bool, .number, .string:
        break
      }
    }
    for (name, value) in properties { try check(value, field: "\(field).\(name)") }
  }

  /// Ids the batch names (edge endpoints, references) without defining them as nodes.
  var externalIDs: [String] {
    var ids = Set<String>()
    for node in nodes {
      for reference in node.references where nodeIndex[reference.targetID] == nil {
        ids.insert(reference.targetID)
      }
    }
    for edge in edges {
      if nodeIndex[edge.edge.fromID] == nil { ids.insert(edge.edge.fromID) }
      if nodeIndex[edge.edge.toID] == nil { ids.insert(edge.edge.toID) }
      for reference in edge.references where nodeIndex[reference.targetID] == nil {
        ids.insert(reference.targetID)
      }
    }
    return ids.sorted()
  }
}
