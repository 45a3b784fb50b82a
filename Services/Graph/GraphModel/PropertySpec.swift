import Foundation

/// One property a label allows: its name, the kind of value, and whether it must be there.
public struct PropertySpec: Sendable {
  public enum Kind: Sendable {
    case text
    /// Upper-case letters, and digits when allowed, of exactly this length (IATA, ICAO, ISO).
    case code(letters: Int, digits: Bool)
    case number(ClosedRange<Double>)
    case integer(ClosedRange<Int>)
    case bool
    /// YYYY-MM-DD.
    case date
    case url
    case oneOf([String])
    case textList
    /// An object of numbers, e.g. rates by tier.
    case numberMap
    /// An object of whole numbers, e.g. distances by airport pair.
    case integerMap
    /// A list of objects, each with the named fields.
    case objectList(required: [String])
    /// The id of a node with this label.
    case nodeID(NodeLabel)
  }

  public var name: String
  public var kind: Kind
  public var required: Bool

  public init(_ name: String, _ kind: Kind, required: Bool = false) {
    self.name = name
    self.kind = kind
    self.required = required
  }
}

extension PropertySpec.Kind {
  func check(_ value: PropertyValue, field: String) throws(GraphValidationError) {
    func fail(_ message: String) -> GraphValidationError { GraphValidationError(field: field, message: message) }
    switch self {
    case .text:
      guard let text = value.stringValue else { throw fail("must be text") }
      guard text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else { throw fail("is empty") }
      guard text.utf8.count <= 4096 else { throw fail("is longer than 4096 bytes") }
    case .code(let length, let digits):
      guard let text = value.stringValue, text.count == length,
        text.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || (digits && ("0"..."9").contains($0)) })
      else {
        throw fail("'\(value.displayText)' must be \(length) upper-case letters\(digits ? " or digits" : "")")
      }
    case .number(let range):
      guard let number = value.numberValue, number.isFinite else { throw fail("must be a number") }
      guard range.contains(number) else { throw fail("\(number) is outside \(range.lowerBound)…\(range.upperBound)") }
    case .integer(let range):
      guard let integer = value.integerValue else { throw fail("'\(value.displayText)' must be a whole number") }
      guard range.contains(integer) else { throw fail("\(integer) is outside \(range.lowerBound)…\(range.upperBound)") }
    case .bool:
      guard value.boolValue != nil else { throw fail("must be true or false") }
    case .date:
      guard let text = value.stringValue, CalendarDate(text) != nil else {
        throw fail("'\(value.displayText)' is not a date of the form YYYY-MM-DD")
      }
    case .url:
      guard let text = value.stringValue, let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
        throw fail("'\(value.displayText)' is not an http(s) URL")
      }
    case .oneOf(let allowed):
      guard let text = value.stringValue, allowed.contains(text) else {
        throw fail("'\(value.displayText)' is not one of \(allowed.joined(separator: ", "))")
      }
    case .textList:
      guard let items = value.stringListValue else { throw fail("must be a list of text") }
      if let empty = items.firstIndex(where: { item in item.unicodeScalars.allSatisfy { $0.properties.isWhitespace } }) {
        throw GraphValidationError(field: "\(field)[\(empty)]", message: "is empty")
      }
    case .numberMap, .integerMap:
      guard let fields = value.objectValue else { throw fail("must be an object of numbers") }
      for (name, item) in fields.sorted(by: { $0.key < $1.key }) {
        let whole = { if case .integerMap = self { return true } else { return false } }()
        guard let number = item.numberValue, number.isFinite, number >= 0, !whole || item.integerValue != nil else {
          throw GraphValidationError(field: "\(field).\(name)", message: "must be a non-negative \(whole ? "whole number" : "number")")
        }
      }
    case .objectList(let required):
      guard let items = value.listValue else { throw fail("must be a list of objects") }
      for (index, item) in items.enumerated() {
        guard let fields = item.objectValue else { throw GraphValidationError(field: "\(field)[\(index)]", message: "must be an object") }
        if let missing = required.first(where: { fields[$0] == nil }) {
          throw GraphValidationError(field: "\(field)[\(index)].\(missing)", message: "is required")
        }
      }
    case .nodeID:
      guard let text = value.stringValue, !text.isEmpty else { throw fail("must be a node id") }
      try GraphSchema.validateID(text, field: field)
    }
  }
}

extension PropertyValue {
  /// Short text of the value for error messages.
  var displayText: String {
    switch self {
    case .null: "null"
    case .bool(let flag): String(flag)
    case .number(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    case .string(let text): String(text.prefix(80))
    case .list: "[…]"
    case .object: "{…}"
    }
  }
}

/// A calendar day, YYYY-MM-DD, compared as text (the format sorts by date).
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let text: String

  public init?(_ text: String) {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
      parts[0].count == 4, (1900...2200).contains(year), (1...12).contains(month)
    else { return nil }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    guard (1...days).contains(day) else { return nil }
    self.text = text
  }

  public var description: String { text }

  public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool { lhs.text < rhs.text }
}
