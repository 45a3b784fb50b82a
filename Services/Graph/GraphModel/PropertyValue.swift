import Foundation

/// A property value of a node or edge: the JSON value space, as `google.protobuf.Value` has it.
public enum PropertyValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case list([PropertyValue])
  case object([String: PropertyValue])

  public var stringValue: String? {
    if case .string(let text) = self { return text }
    return nil
  }

  public var numberValue: Double? {
    if case .number(let number) = self { return number }
    return nil
  }

  /// The number when it is a whole number that fits in `Int`.
  public var integerValue: Int? {
    guard case .number(let number) = self, number.rounded() == number, abs(number) < 9.0e15 else { return nil }
    return Int(number)
  }

  public var boolValue: Bool? {
    if case .bool(let flag) = self { return flag }
    return nil
  }

  public var listValue: [PropertyValue]? {
    if case .list(let items) = self { return items }
    return nil
  }

  public var objectValue: [String: PropertyValue]? {
    if case .object(let fields) = self { return fields }
    return nil
  }

  /// The list when every item is a string.
  public var stringListValue: [String]? {
    guard case .list(let items) = self else { return nil }
    let strings = items.compactMap(\.stringValue)
    return strings.count == items.count ? strings : nil
  }
}

public typealias Properties = [String: PropertyValue]

extension PropertyValue: Codable {
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let flag = try? container.decode(Bool.self) {
      self = .bool(flag)
    } else if let number = try? container.decode(Double.self) {
      self = .number(number)
    } else if let text = try? container.decode(String.self) {
      self = .string(text)
    } else if let items = try? container.decode([PropertyValue].self) {
      self = .list(items)
    } else {
      self = .object(try container.decode([String: PropertyValue].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let flag): try container.encode(flag)
    case .number(let number): try container.encode(number)
    case .string(let text): try container.encode(text)
    case .list(let items): try container.encode(items)
    case .object(let fields): try container.encode(fields)
    }
  }
}

extension PropertyValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
  ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
  public init(stringLiteral value: String) { self = .string(value) }
  public init(integerLiteral value: Int) { self = .number(Double(value)) }
  public init(floatLiteral value: Double) { self = .number(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(arrayLiteral elements: PropertyValue...) { self = .list(elements) }
  public init(dictionaryLiteral elements: (String, PropertyValue)...) {
    self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
  }
}
