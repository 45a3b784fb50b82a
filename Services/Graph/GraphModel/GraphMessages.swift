import LoyaltyAPI
import SwiftProtobuf

extension PropertyValue {
  public init(_ value: Google_Protobuf_Value) {
    switch value.kind {
    case .nullValue, nil: self = .null
    case .boolValue(let flag): self = .bool(flag)
    case .numberValue(let number): self = .number(number)
    case .stringValue(let text): self = .string(text)
    case .listValue(let list): self = .list(list.values.map(PropertyValue.init))
    case .structValue(let object): self = .object(object.fields.mapValues(PropertyValue.init))
    }
  }

  public var protobufValue: Google_Protobuf_Value {
    switch self {
    case .null: Google_Protobuf_Value(nilLiteral: ())
    case .bool(let flag): Google_Protobuf_Value(booleanLiteral: flag)
    case .number(let number): Google_Protobuf_Value(floatLiteral: number)
    case .string(let text): Google_Protobuf_Value(stringLiteral: text)
    case .list(let items): Google_Protobuf_Value(listValue: Google_Protobuf_ListValue(values: items.map(\.protobufValue)))
    case .object(let fields): Google_Protobuf_Value(structValue: Google_Protobuf_Struct(fields: fields.mapValues(\.protobufValue)))
    }
  }
}

extension Google_Protobuf_Struct {
  public init(_ properties: Properties) {
    self.init(fields: properties.mapValues(\.protobufValue))
  }

  public var properties: Properties { fields.mapValues(PropertyValue.init) }
}

extension GraphNode {
  /// The node of a request; `field` names it in the error when its label is unknown.
  public init(_ message: Loyalty_Graph_V1_Node, field: String = "node") throws(GraphValidationError) {
    guard let label = NodeLabel(rawValue: message.label) else {
      throw GraphValidationError(
        field: "\(field).label",
        message: "'\(message.label)' is not a node label (one of \(NodeLabel.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    self.init(id: message.id, label: label, properties: message.properties.properties)
  }

  public var message: Loyalty_Graph_V1_Node {
    .with {
      $0.id = id
      $0.label = label.rawValue
      $0.properties = Google_Protobuf_Struct(properties)
    }
  }
}

extension GraphEdge {
  public init(_ message: Loyalty_Graph_V1_Edge, field: String = "edge") throws(GraphValidationError) {
    guard let type = EdgeType(rawValue: message.type) else {
      throw GraphValidationError(
        field: "\(field).type",
        message: "'\(message.type)' is not an edge type (one of \(EdgeType.allCases.map(\.rawValue).joined(separator: ", ")))")
    }
    self.init(type: type, fromID: message.fromID, toID: message.toID, key: message.key, properties: message.properties.properties)
  }

  public var message: Loyalty_Graph_V1_Edge {
    .with {
      $0.type = type.rawValue
      $0.fromID = fromID
      $0.toID = toID
      $0.key = key
      $0.properties = Google_Protobuf_Struct(properties)
    }
  }
}
