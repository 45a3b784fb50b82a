import GraphModel

/// A node named by id in another fact's properties, e.g. an EarningRule's `program_id`.
struct NodeReference: Hashable, Sendable {
  /// Where the reference sits, relative to the node or edge: `properties.carriers[1]`.
  var field: String
  /// The property that makes it.
  var property: String
  var targetID: String
  var targetLabel: NodeLabel
}

/// The references facts make in their properties, and the structural edges that mirror them.
///
/// Every derived edge belongs to exactly one node, whose properties it follows: the from node,
/// except HAS_ELITE_TIER, which runs from the program to the tier naming it. The store
/// writes and removes these edges itself; callers cannot write them directly.
enum GraphReferences {
  /// The references in a node's properties, in property order.
  static func references(of node: GraphNode) -> [NodeReference] {
    var references: [NodeReference] = []
    switch node.label {
    case .earningRule, .awardChartEntry, .eliteTier:
      if let program = node["program_id"]?.stringValue {
        references.append(
          NodeReference(
            field: "properties.program_id", property: "program_id", targetID: NodeID.program(program), targetLabel: .loyaltyProgram))
      }
    case .airport, .airline, .alliance, .loyaltyProgram, .fareClass, .webSourceDocument:
      break
    }
    if node.label == .earningRule || node.label == .awardChartEntry {
      let carriers = node["carriers"]?.stringListValue ?? []
      for (index, carrier) in carriers.enumerated() {
        references.append(
          NodeReference(
            field: "properties.carriers[\(index)]", property: "carriers", targetID: NodeID.airline(carrier), targetLabel: .airline))
      }
      if node.label == .earningRule {
        for (index, code) in (node["fare_classes"]?.stringListValue ?? []).enumerated() {
          for carrier in carriers {
            references.append(
              NodeReference(
                field: "properties.fare_classes[\(index)]", property: "fare_classes",
                targetID: NodeID.fareClass(carrier: carrier, code: code), targetLabel: .fareClass))
          }
        }
      }
    }
    if let document = node["source_document_id"]?.stringValue {
      references.append(
        NodeReference(
          field: "properties.source_document_id", property: "source_document_id", targetID: document,
          targetLabel: .webSourceDocument))
    }
    return references
  }

  /// References in an edge's properties (its source document).
  static func references(of edge: GraphEdge) -> [NodeReference] {
    guard let document = edge["source_document_id"]?.stringValue else { return [] }
    return [
      NodeReference(
        field: "properties.source_document_id", property: "source_document_id", targetID: document, targetLabel: .webSourceDocument)
    ]
  }

  /// The structural edge mirroring a node's reference.
  static func derivedEdge(of node: GraphNode, for reference: NodeReference) -> GraphEdge {
    switch (node.label, reference.property) {
    case (.earningRule, "program_id"):
      GraphEdge(type: .creditsToProgram, fromID: node.id, toID: reference.targetID)
    case (.eliteTier, "program_id"):
      GraphEdge(type: .hasEliteTier, fromID: reference.targetID, toID: node.id)
    case (_, "source_document_id"):
      GraphEdge(type: .extractedFrom, fromID: node.id, toID: reference.targetID)
    default:
      GraphEdge(type: .appliesTo, fromID: node.id, toID: reference.targetID)
    }
  }

  /// The derived edges of a node by id, in a stable order.
  static func derivedEdges(of node: GraphNode) -> [String: GraphEdge] {
    var edges: [String: GraphEdge] = [:]
    for reference in references(of: node) {
      let edge = derivedEdge(of: node, for: reference)
      edges[edge.id] = edge
    }
    return edges
  }

  /// Whether the store derives edges of `type` leaving a node of `label`, so that callers
  /// may not write them; and if so, from which property.
  static func derivingProperty(of type: EdgeType, from label: NodeLabel) -> String? {
    switch type {
    case .creditsToProgram, .hasEliteTier:
      return "program_id"
    case .appliesTo:
      return label == .awardChartEntry ? "carriers or program_id" : "carriers or fare_classes"
    case .extractedFrom:
      let specs = GraphSchema.nodeProperties[label] ?? []
      return specs.contains { $0.name == "source_document_id" } ? "source_document_id" : nil
    case .memberOf, .hasLoyaltyProgram, .partnersWith, .transfersTo, .route:
      return nil
    }
  }

  /// The node whose properties a stored derived edge follows, and the property.
  static func owner(of edge: GraphEdge) -> (nodeID: String, property: String) {
    switch edge.type {
    case .hasEliteTier:
      return (edge.toID, "program_id")
    case .creditsToProgram:
      return (edge.fromID, "program_id")
    case .extractedFrom:
      return (edge.fromID, "source_document_id")
    case .appliesTo:
      if edge.toID.hasPrefix("fare:") { return (edge.fromID, "fare_classes") }
      if edge.toID.hasPrefix("program:") { return (edge.fromID, "program_id") }
      return (edge.fromID, "carriers")
    case .memberOf, .hasLoyaltyProgram, .partnersWith, .transfersTo, .route:
      return (edge.fromID, "")
    }
  }
}
