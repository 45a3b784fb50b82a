import Foundation

/// The file format of the project's curated seed, and of graph exports:
///
/// ```json
/// {"format": 1,
///  "nodes": [{"id": "airport:LHR", "label": "Airport", "properties": {…}}],
///  "edges": [{"type": "MEMBER_OF", "from": "airline:BA", "to": "alliance:oneworld", "key": "", "properties": {…}}]}
/// ```
///
/// `key` and `properties` of an edge may be left out. Decoding checks every node and edge
/// against `GraphSchema`, that node ids and edges are unique, and — where both ends are in the
/// file — that an edge joins labels its type allows, so a file that decodes can be written as
/// one batch. References to nodes the file does not hold are left to the store, which sees
/// the whole graph.
public enum SeedFile {
  /// The format version this build reads and writes.
  public static let formatVersion = 1

  /// The batch a seed file describes, in file order.
  public static func decode(_ data: Data) throws(SeedFileError) -> GraphBatch {
    let root: PropertyValue
    do {
      root = try JSONDecoder().decode(PropertyValue.self, from: data)
    } catch {
      throw SeedFileError(path: "", message: "is not valid JSON (\(Self.reason(error)))")
    }
    let top = try object(root, path: "")
    try rejectUnknownKeys(of: top, allowed: ["format", "description", "nodes", "edges"], path: "")
    guard let formatValue = top["format"] else {
      throw SeedFileError(path: "format", message: "is required (this build reads format \(formatVersion))")
    }
    guard let format = formatValue.integerValue else {
      throw SeedFileError(path: "format", message: "'\(formatValue.displayText)' must be a whole number")
    }
    guard format == formatVersion else {
      throw SeedFileError(path: "format", message: "version \(format) is not supported (this build reads version \(formatVersion))")
    }
    if let description = top["description"], description.stringValue == nil {
      throw SeedFileError(path: "description", message: "must be text")
    }

    let nodes = try decodeNodes(top["nodes"])
    let labels = Dictionary(nodes.map { ($0.id, $0.label) }, uniquingKeysWith: { first, _ in first })
    let edges = try decodeEdges(top["edges"], labels: labels)
    return GraphBatch(nodes: nodes, edges: edges)
  }

  /// The file for a batch: pretty-printed with sorted keys, so exports diff cleanly. Numbers
  /// that are not finite (which no valid property holds) are written as strings.
  public static func encode(_ batch: GraphBatch) -> Data {
    let nodes: [PropertyValue] = batch.nodes.map { node in
      .object(["id": .string(node.id), "label": .string(node.label.rawValue), "properties": .object(node.properties)])
    }
    let edges: [PropertyValue] = batch.edges.map { edge in
      var fields: [String: PropertyValue] = ["type": .string(edge.type.rawValue), "from": .string(edge.fromID), "to": .string(edge.toID)]
      if !edge.key.isEmpty { fields["key"] = .string(edge.key) }
      if !edge.properties.isEmpty { fields["properties"] = .object(edge.properties) }
      return .object(fields)
    }
    let root: PropertyValue = .object(["format": .number(Double(formatVersion)), "nodes": .list(nodes), "edges": .list(edges)])
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    // With non-finite numbers written as strings, a tree of JSON values always encodes.
    return (try? encoder.encode(root)) ?? Data()
  }

  private static func decodeNodes(_ value: PropertyValue?) throws(SeedFileError) -> [GraphNode] {
    var nodes: [GraphNode] = []
    var indexByID: [String: Int] = [:]
    for (index, item) in try list(value, path: "nodes").enumerated() {
      let path = "nodes[\(index)]"
      let fields = try object(item, path: path)
      try rejectUnknownKeys(of: fields, allowed: ["id", "label", "properties"], path: path)
      let id = try text(fields["id"], path: "\(path).id")
      let labelText = try text(fields["label"], path: "\(path).label")
      guard let label = NodeLabel(rawValue: labelText) else {
        throw SeedFileError(
          path: "\(path).label",
          message: "'\(labelText)' is not a node label (one of \(NodeLabel.allCases.map(\.rawValue).joined(separator: ", ")))")
      }
      let node = GraphNode(id: id, label: label, properties: try properties(fields["properties"], path: "\(path).properties"))
      do {
        try GraphSchema.validate(node, field: path)
      } catch {
        throw SeedFileError(error)
      }
      if let first = indexByID[id] {
        throw SeedFileError(path: "\(path).id", message: "'\(id)' is already the id of nodes[\(first)]")
      }
      indexByID[id] = index
      nodes.append(node)
    }
    return nodes
  }

  private static func decodeEdges(_ value: PropertyValue?, labels: [String: NodeLabel]) throws(SeedFileError) -> [GraphEdge] {
    var edges: [GraphEdge] = []
    var indexByID: [String: Int] = [:]
    for (index, item) in try list(value, path: "edges").enumerated() {
      let path = "edges[\(index)]"
      let fields = try object(item, path: path)
      try rejectUnknownKeys(of: fields, allowed: ["type", "from", "to", "key", "properties"], path: path)
      let typeText = try text(fields["type"], path: "\(path).type")
      guard let type = EdgeType(rawValue: typeText) else {
        throw SeedFileError(
          path: "\(path).type",
          message: "'\(typeText)' is not an edge type (one of \(EdgeType.allCases.map(\.rawValue).joined(separator: ", ")))")
      }
      let from = try text(fields["from"], path: "\(path).from")
      let to = try text(fields["to"], path: "\(path).to")
      var key = ""
      if let keyValue = fields["key"], keyValue != .null {
        guard let text = keyValue.stringValue else { throw SeedFileError(path: "\(path).key", message: "must be text") }
        key = text
      }
      let edgeProperties = try properties(fields["properties"], path: "\(path).properties")
      let edge = GraphEdge(type: type, fromID: from, toID: to, key: key, properties: edgeProperties)
      do {
        // The schema names the ends from_id and to_id; the file calls them from and to.
        try GraphSchema.validateID(from, field: "\(path).from")
        try GraphSchema.validateID(to, field: "\(path).to")
        try GraphSchema.validate(edge, field: path)
      } catch {
        throw SeedFileError(error)
      }
      try checkEndpoints(of: edge, labels: labels, path: path)
      if let first = indexByID[edge.id] {
        let keyed = key.isEmpty ? "" : " with key \(key)"
        throw SeedFileError(path: path, message: "repeats edges[\(first)] (\(edge.type.rawValue) from \(from) to \(to)\(keyed))")
      }
      indexByID[edge.id] = index
      edges.append(edge)
    }
    return edges
  }

  /// Checks the labels an edge joins as far as the file knows them.
  private static func checkEndpoints(of edge: GraphEdge, labels: [String: NodeLabel], path: String) throws(SeedFileError) {
    let allowed = GraphSchema.edgeEndpoints[edge.type] ?? []
    let fromLabel = labels[edge.fromID]
    let toLabel = labels[edge.toID]
    let fits = allowed.contains { pair in
      (fromLabel.map { $0 == pair.from } ?? true) && (toLabel.map { $0 == pair.to } ?? true)
    }
    guard !fits else { return }
    let joined = "\(fromLabel?.rawValue ?? "a node outside the file") to \(toLabel?.rawValue ?? "a node outside the file")"
    let pairs = allowed.map { "\($0.from.rawValue) → \($0.to.rawValue)" }.joined(separator: ", ")
    throw SeedFileError(path: path, message: "\(edge.type.rawValue) cannot join \(joined) (it joins \(pairs))")
  }

  private static func object(_ value: PropertyValue, path: String) throws(SeedFileError) -> [String: PropertyValue] {
    guard let fields = value.objectValue else { throw SeedFileError(path: path, message: "must be a JSON object") }
    return fields
  }

  /// A list, or the empty list when the value is absent.
  private static func list(_ value: PropertyValue?, path: String) throws(SeedFileError) -> [PropertyValue] {
    guard let value, value != .null else { return [] }
    guard let items = value.listValue else { throw SeedFileError(path: path, message: "must be a JSON array") }
    return items
  }

  private static func text(_ value: PropertyValue?, path: String) throws(SeedFileError) -> String {
    guard let value, value != .null else { throw SeedFileError(path: path, message: "is required") }
    guard let text = value.stringValue else { throw SeedFileError(path: path, message: "'\(value.displayText)' must be text") }
    return text
  }

  /// Properties, or none when the value is absent.
  private static func properties(_ value: PropertyValue?, path: String) throws(SeedFileError) -> Properties {
    guard let value, value != .null else { return [:] }
    return try object(value, path: path)
  }

  private static func rejectUnknownKeys(of fields: [String: PropertyValue], allowed: [String], path: String) throws(SeedFileError) {
    guard let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) else { return }
    throw SeedFileError(
      path: path.isEmpty ? unknown : "\(path).\(unknown)", message: "is not a field here (allowed: \(allowed.joined(separator: ", ")))")
  }

  private static func reason(_ error: any Error) -> String {
    guard let decodingError = error as? DecodingError else { return String(describing: error) }
    switch decodingError {
    case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
      let underlying = context.underlyingError.map { ": \(String(describing: $0))" } ?? ""
      return context.debugDescription + underlying
    @unknown default:
      return String(describing: decodingError)
    }
  }
}

/// A seed file that cannot be loaded: where in the file (a JSON path such as
/// `nodes[12].label`, empty for the file as a whole) and what is wrong there.
public struct SeedFileError: Error, Equatable, CustomStringConvertible {
  public var path: String
  public var message: String

  public init(path: String, message: String) {
    self.path = path
    self.message = message
  }

  init(_ error: GraphValidationError) {
    self.init(path: error.field, message: error.message)
  }

  public var description: String { path.isEmpty ? "seed file: \(message)" : "\(path): \(message)" }
}
