import Foundation
import GraphModel
import LoyaltyAPI

/// Reading the fields of graph requests: each problem is an INVALID_ARGUMENT naming the field.
enum GraphRequestFields {
  static func nodeID(_ id: String, field: String = "id") throws(GraphError) -> String {
    guard !id.isEmpty else { throw .invalidArgument(field: field, reason: "is required") }
    guard id.utf8.count <= 200 else { throw .invalidArgument(field: field, reason: "is longer than 200 bytes") }
    return id
  }

  static func edgeType(_ text: String, field: String) throws(GraphError) -> EdgeType {
    guard let type = EdgeType(rawValue: text) else {
      let reason = text.isEmpty ? "is required" : "'\(text)' is not an edge type"
      throw .invalidArgument(field: field, reason: "\(reason) (one of \(EdgeType.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    return type
  }

  static func edgeTypes(_ texts: [String], field: String) throws(GraphError) -> Set<EdgeType> {
    var types = Set<EdgeType>()
    for (index, text) in texts.enumerated() {
      types.insert(try edgeType(text, field: "\(field)[\(index)]"))
    }
    return types
  }

  static func labels(_ texts: [String], field: String) throws(GraphError) -> Set<NodeLabel> {
    var labels = Set<NodeLabel>()
    for (index, text) in texts.enumerated() {
      guard let label = NodeLabel(rawValue: text) else {
        throw .invalidArgument(
          field: "\(field)[\(index)]",
          reason: "'\(text)' is not a node label (one of \(NodeLabel.allCases.map(\.rawValue).joined(separator: ", ")))")
      }
      labels.insert(label)
    }
    return labels
  }

  static func direction(_ direction: Loyalty_Graph_V1_Direction) throws(GraphError) -> GraphDirection {
    switch direction {
    case .unspecified, .both: return .both
    case .outgoing: return .outgoing
    case .incoming: return .incoming
    case .UNRECOGNIZED(let value):
      throw .invalidArgument(field: "direction", reason: "\(value) is not a direction (1 outgoing, 2 incoming, 3 both)")
    }
  }

  /// `value`, or `defaultValue` when it is 0; refused outside `range`.
  static func bounded(_ value: Int32, field: String, default defaultValue: Int, range: ClosedRange<Int>) throws(GraphError) -> Int {
    guard value != 0 else { return defaultValue }
    guard range.contains(Int(value)) else {
      throw .invalidArgument(field: field, reason: "\(value) is outside \(range.lowerBound)…\(range.upperBound) (0 means \(defaultValue))")
    }
    return Int(value)
  }

  /// An IATA code as upper-case letters (or digits when allowed) of the given length,
  /// accepting lower case and surrounding spaces.
  static func code(_ text: String, length: Int, digits: Bool, field: String, what: String) throws(GraphError) -> String {
    let code = text.trimmingCharacters(in: .whitespaces).uppercased()
    guard !code.isEmpty else { throw .invalidArgument(field: field, reason: "is required") }
    guard code.count == length, code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || (digits && ("0"..."9").contains($0)) }) else {
      throw .invalidArgument(field: field, reason: "'\(text)' is not \(article(what)) \(what) (\(length) letters\(digits ? " or digits" : ""))")
    }
    return code
  }

  /// The nodes and edges of an UpsertBatch request, each error naming `nodes[i]…`/`edges[i]…`.
  static func batch(nodes: [Loyalty_Graph_V1_Node], edges: [Loyalty_Graph_V1_Edge]) throws(GraphError) -> GraphBatch {
    var batch = GraphBatch()
    batch.nodes.reserveCapacity(nodes.count)
    batch.edges.reserveCapacity(edges.count)
    do {
      for (index, message) in nodes.enumerated() {
        batch.nodes.append(try GraphNode(message, field: "nodes[\(index)]"))
      }
      for (index, message) in edges.enumerated() {
        batch.edges.append(try GraphEdge(message, field: "edges[\(index)]"))
      }
    } catch {
      throw GraphError(error)
    }
    return batch
  }
}
