import Foundation

/// Properties as stored: compact JSON text with sorted keys, slashes unescaped and whole
/// numbers without a fraction (what `JSONEncoder` with `.sortedKeys` writes), so equal
/// properties always give equal text. Written and read by hand rather than with
/// `JSONEncoder`/`JSONDecoder`, which cost several microseconds per row: an OpenFlights import
/// writes ~74,000 rows and a snapshot reads them all back.
public enum PropertyCoding {
  // MARK: Encoding

  public static func encode(_ properties: Properties) -> String {
    var output: [UInt8] = []
    output.reserveCapacity(128)
    writeObject(properties, into: &output)
    return String(decoding: output, as: UTF8.self)
  }

  private static func writeObject(_ fields: [String: PropertyValue], into output: inout [UInt8]) {
    output.append(UInt8(ascii: "{"))
    var first = true
    // `JSONEncoder` sorts keys as Swift strings compare.
    for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
      if !first { output.append(UInt8(ascii: ",")) }
      first = false
      writeString(key, into: &output)
      output.append(UInt8(ascii: ":"))
      write(value, into: &output)
    }
    output.append(UInt8(ascii: "}"))
  }

  private static func write(_ value: PropertyValue, into output: inout [UInt8]) {
    switch value {
    case .null:
      output.append(contentsOf: "null".utf8)
    case .bool(let flag):
      output.append(contentsOf: (flag ? "true" : "false").utf8)
    case .number(let number):
      writeNumber(number, into: &output)
    case .string(let text):
      writeString(text, into: &output)
    case .list(let items):
      output.append(UInt8(ascii: "["))
      for (index, item) in items.enumerated() {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        write(item, into: &output)
      }
      output.append(UInt8(ascii: "]"))
    case .object(let fields):
      writeObject(fields, into: &output)
    }
  }

  /// As `JSONEncoder` writes numbers: Swift's shortest round-tripping form without a trailing
  /// ".0". Non-finite numbers have no JSON form; batches carrying them are refused before
  /// anything is encoded.
  private static func writeNumber(_ number: Double, into output: inout [UInt8]) {
    if number.rounded() == number, abs(number) < 1e15, !(number == 0 && number.sign == .minus) {
      output.append(contentsOf: String(Int64(number)).utf8)
      return
    }
    var text = number.isFinite ? number.description : "null"
    if text.hasSuffix(".0") { text.removeLast(2) }
    output.append(contentsOf: text.utf8)
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  private static func writeString(_ text: String, into output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
      case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
      case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
      case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
      case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
      case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
      case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
      case 0x00..<0x20:
        output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
      default:
        output.append(byte)
      }
    }
    output.append(UInt8(ascii: "\""))
  }

  // MARK: Decoding

  public struct SyntaxError: Error, CustomStringConvertible {
    public var offset: Int
    public var problem: String
    public var description: String { "invalid properties JSON at byte \(offset): \(problem)" }
  }

  /// Reads a JSON object of properties.
  public static func decode(_ text: String) throws -> Properties {
    if text == "{}" { return [:] }
    var text = text
    return try text.withUTF8 { bytes in
      var parser = Parser(bytes: bytes)
      parser.skipWhitespace()
      guard parser.peek() == UInt8(ascii: "{") else { throw parser.error("expected an object") }
      guard case .object(let fields) = try parser.value() else { throw parser.error("expected an object") }
      parser.skipWhitespace()
      guard parser.position == bytes.count else { throw parser.error("unexpected text after the object") }
      return fields
    }
  }

  private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
      self.bytes = bytes
    }

    func error(_ problem: String) -> SyntaxError { SyntaxError(offset: position, problem: problem) }

    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
      while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
    }

    mutating func expect(_ literal: StaticString) throws {
      let count = literal.utf8CodeUnitCount
      guard position + count <= bytes.count else { throw error("truncated literal") }
      for offset in 0..<count where bytes[position + offset] != literal.utf8Start[offset] {
        throw error("unknown literal")
      }
      position += count
    }

    mutating func value() throws -> PropertyValue {
      skipWhitespace()
      guard let byte = peek() else { throw error("unexpected end") }
      switch byte {
      case UInt8(ascii: "{"):
        position += 1
        var fields: [String: PropertyValue] = [:]
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
          position += 1
          return .object(fields)
        }
        while true {
          skipWhitespace()
          guard peek() == UInt8(ascii: "\"") else { throw error("expected a key") }
          let key = try string()
          skipWhitespace()
          guard peek() == UInt8(ascii: ":") else { throw error("expected ':'") }
          position += 1
          fields[key] = try value()
          skipWhitespace()
          switch peek() {
          case UInt8(ascii: ","): position += 1
          case UInt8(ascii: "}"):
            position += 1
            return .object(fields)
          default: throw error("expected ',' or '}'")
          }
        }
      case UInt8(ascii: "["):
        position += 1
        var items: [PropertyValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
          position += 1
          return .list(items)
        }
        while true {
          items.append(try value())
          skipWhitespace()
          switch peek() {
          case UInt8(ascii: ","): position += 1
          case UInt8(ascii: "]"):
            position += 1
            return .list(items)
          default: throw error("expected ',' or ']'")
          }
        }
      case UInt8(ascii: "\""):
        return .string(try string())
      case UInt8(ascii: "t"):
        try expect("true")
        return .bool(true)
      case UInt8(ascii: "f"):
        try expect("false")
        return .bool(false)
      case UInt8(ascii: "n"):
        try expect("null")
        return .null
      default:
        return .number(try number())
      }
    }

    mutating func number() throws -> Double {
      let start = position
      while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
      guard position > start, let number = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
      else {
        position = start
        throw error("expected a value")
      }
      return number
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"),
        UInt8(ascii: "E"):
        true
      default:
        false
      }
    }

    /// A string starting at the opening quote.
    mutating func string() throws -> String {
      position += 1
      let start = position
      // Fast path: no escapes.
      while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
        position += 1
      }
      guard position < bytes.count else { throw error("unterminated string") }
      if bytes[position] == UInt8(ascii: "\"") {
        defer { position += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
      }
      var scalars = String.UnicodeScalarView()
      scalars.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self).unicodeScalars)
      var runStart = position
      while true {
        guard position < bytes.count else { throw error("unterminated string") }
        let byte = bytes[position]
        if byte == UInt8(ascii: "\"") {
          scalars.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<position]), as: UTF8.self).unicodeScalars)
          position += 1
          return String(scalars)
        }
        guard byte == UInt8(ascii: "\\") else {
          position += 1
          continue
        }
        scalars.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<position]), as: UTF8.self).unicodeScalars)
        position += 1
        guard position < bytes.count else { throw error("unterminated escape") }
        let escaped = bytes[position]
        position += 1
        switch escaped {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{08}")
        case UInt8(ascii: "f"): scalars.append("\u{0C}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"):
          var code = try hex4()
          if (0xD800..<0xDC00).contains(code), position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
            bytes[position + 1] == UInt8(ascii: "u")
          {
            let save = position
            position += 2
            let low = try hex4()
            if (0xDC00..<0xE000).contains(low) {
              code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else {
              position = save
            }
          }
          scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
        default:
          throw error("unknown escape")
        }
        runStart = position
      }
    }

    mutating func hex4() throws -> UInt32 {
      guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
      var code: UInt32 = 0
      for _ in 0..<4 {
        let byte = bytes[position]
        let digit: UInt32
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
        default: throw error("bad \\u escape")
        }
        code = code << 4 | digit
        position += 1
      }
      return code
    }
  }
}
