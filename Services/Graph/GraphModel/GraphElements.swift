/// Node labels of the knowledge graph.
public enum NodeLabel: String, Sendable, CaseIterable, Codable {
  case airline = "Airline"
  case alliance = "Alliance"
  /// An airline's programme or a transferable bank currency (`kind`).
  case loyaltyProgram = "LoyaltyProgram"
  case airport = "Airport"
  case fareClass = "FareClass"
  case earningRule = "EarningRule"
  case awardChartEntry = "AwardChartEntry"
  case eliteTier = "EliteTier"
  case webSourceDocument = "WebSourceDocument"
}

/// Edge types of the knowledge graph.
public enum EdgeType: String, Sendable, CaseIterable, Codable {
  case memberOf = "MEMBER_OF"
  case hasLoyaltyProgram = "HAS_LOYALTY_PROGRAM"
  case partnersWith = "PARTNERS_WITH"
  case transfersTo = "TRANSFERS_TO"
  case creditsToProgram = "CREDITS_TO_PROGRAM"
  case appliesTo = "APPLIES_TO"
  case hasEliteTier = "HAS_ELITE_TIER"
  case extractedFrom = "EXTRACTED_FROM"
  case route = "ROUTE"
}

public struct GraphNode: Sendable, Hashable {
  public var id: String
  public var label: NodeLabel
  public var properties: Properties

  public init(id: String, label: NodeLabel, properties: Properties) {
    self.id = id
    self.label = label
    self.properties = properties
  }

  public subscript(_ name: String) -> PropertyValue? { properties[name] }
}

public struct GraphEdge: Sendable, Hashable {
  public var type: EdgeType
  public var fromID: String
  public var toID: String
  /// Tells apart edges of one type between the same two nodes (the airline of a ROUTE).
  public var key: String
  public var properties: Properties

  public init(type: EdgeType, fromID: String, toID: String, key: String = "", properties: Properties = [:]) {
    self.type = type
    self.fromID = fromID
    self.toID = toID
    self.key = key
    self.properties = properties
  }

  /// The stored identity of the edge.
  public var id: String { GraphEdge.id(type: type, fromID: fromID, toID: toID, key: key) }

  public static func id(type: EdgeType, fromID: String, toID: String, key: String) -> String {
    "\(type.rawValue)|\(fromID)|\(toID)|\(key)"
  }

  public subscript(_ name: String) -> PropertyValue? { properties[name] }
}

/// Nodes and edges written together, all or nothing.
public struct GraphBatch: Sendable, Hashable {
  public var nodes: [GraphNode]
  public var edges: [GraphEdge]

  public init(nodes: [GraphNode] = [], edges: [GraphEdge] = []) {
    self.nodes = nodes
    self.edges = edges
  }

  public var isEmpty: Bool { nodes.isEmpty && edges.isEmpty }
}

/// Conventional node ids, so that facts from the seed, OpenFlights and ingestion meet.
public enum NodeID {
  public static func airport(_ iata: String) -> String { "airport:\(iata)" }
  public static func airline(_ iata: String) -> String { "airline:\(iata)" }
  public static func alliance(_ slug: String) -> String { "alliance:\(slug)" }
  public static func program(_ programID: String) -> String { "program:\(programID)" }
  public static func fareClass(carrier: String, code: String) -> String { "fare:\(carrier):\(code)" }
  public static func document(_ slug: String) -> String { "doc:\(slug)" }

  /// The program id of a `program:` node id.
  public static func programID(of nodeID: String) -> String? {
    nodeID.hasPrefix("program:") ? String(nodeID.dropFirst("program:".count)) : nil
  }
}
