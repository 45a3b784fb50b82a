/// How the importer reads single fields of an OpenFlights row.
enum OpenFlightsFields {
  /// The field without surrounding spaces, or `nil` when it is null (`\N`) or blank.
  static func text(_ fields: [String?], _ index: Int) -> String? {
    guard index < fields.count, let field = fields[index] else { return nil }
    let scalars = field.unicodeScalars
    guard let first = scalars.first, let last = scalars.last else { return nil }
    guard first.properties.isWhitespace || last.properties.isWhitespace else { return field }
    guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
      let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
    else { return nil }
    return String(scalars[start...end])
  }

  /// Whether `text` is exactly `length` upper-case ASCII letters, or letters and digits.
  static func isCode(_ text: String, length: Int, digits: Bool) -> Bool {
    var count = 0
    for byte in text.utf8 {
      let letter = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
      let digit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
      guard letter || (digits && digit) else { return false }
      count += 1
    }
    return count == length
  }

  /// The field as a finite number within `range`.
  static func number(_ fields: [String?], _ index: Int, in range: ClosedRange<Double>) -> Double? {
    guard let text = text(fields, index), let number = Double(text), number.isFinite, range.contains(number) else { return nil }
    return number
  }

  /// The field as a whole number within `range`.
  static func integer(_ fields: [String?], _ index: Int, in range: ClosedRange<Int>) -> Int? {
    guard let text = text(fields, index), let integer = Int(text), range.contains(integer) else { return nil }
    return integer
  }

  /// "Y" → true, "N" → false (either case); anything else → nil.
  static func flag(_ fields: [String?], _ index: Int) -> Bool? {
    switch text(fields, index) {
    case "Y", "y": true
    case "N", "n": false
    default: nil
    }
  }
}
