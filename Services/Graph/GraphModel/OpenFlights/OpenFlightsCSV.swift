/// One line of an OpenFlights file: its 1-based line number and either its fields or why it
/// could not be read.
public struct OpenFlightsCSVRow: Sendable, Equatable {
  public enum Content: Sendable, Equatable {
    /// The fields in order; `nil` is the format's null, `\N`.
    case fields([String?])
    case unreadable(OpenFlightsCSVProblem)
  }

  public var line: Int
  public var content: Content

  public init(line: Int, content: Content) {
    self.line = line
    self.content = content
  }
}

/// Why a line could not be split into fields.
public enum OpenFlightsCSVProblem: Sendable, Equatable {
  /// Longer than the reader's bound; its bytes were dropped unread.
  case lineTooLong
  /// A field opened with `"` has no closing `"` before the end of the line.
  case unclosedQuote
  case invalidUTF8
}

/// Reads OpenFlights' CSV dialect from bytes arriving in chunks of any size.
///
/// The dialect: comma-separated fields, optionally in double quotes (a quoted field may hold
/// commas, and `""` inside it is one `"`), `\N` for null (quoted or not), UTF-8 text, lines
/// ending in LF or CRLF, no header. A newline always ends a record: the files never continue
/// a field on the next line, so an unbalanced quote spoils one line instead of the rest of the
/// file. A `"` inside a quoted field that is not doubled and not followed by a comma is kept as
/// text. Blank lines are passed over (they still count for line numbers); a UTF-8 byte-order
/// mark at the start is ignored.
///
/// Memory stays bounded: a line longer than `maximumLineBytes` is dropped as it streams in
/// and reported as `.lineTooLong` once its end arrives.
///
/// ```swift
/// var reader = OpenFlightsCSVReader()
/// reader.append(chunk)
/// while let row = reader.nextRow() { … }
/// reader.endInput()
/// while let row = reader.nextRow() { … }
/// ```
public struct OpenFlightsCSVReader: Sendable {
  public static let defaultMaximumLineBytes = 4096

  public let maximumLineBytes: Int
  private var buffer: [UInt8] = []
  /// The first byte of `buffer` not yet returned as part of a row.
  private var start = 0
  /// `buffer[start..<scanned]` holds no newline.
  private var scanned = 0
  private var lineNumber = 0
  private var discardingLongLine = false
  private var inputEnded = false

  public init(maximumLineBytes: Int = OpenFlightsCSVReader.defaultMaximumLineBytes) {
    precondition(maximumLineBytes > 0, "maximumLineBytes must be positive")
    self.maximumLineBytes = maximumLineBytes
  }

  /// Adds the next bytes of the file; a line may continue from the previous chunk.
  public mutating func append(_ bytes: some Collection<UInt8>) {
    precondition(!inputEnded, "append(_:) after endInput()")
    if start > 0 {
      buffer.removeSubrange(0..<start)
      scanned -= start
      start = 0
    }
    buffer.append(contentsOf: bytes)
  }

  /// Marks the end of the file, so that a last line without a newline becomes a row.
  public mutating func endInput() {
    inputEnded = true
  }

  /// The next complete row, or `nil` when more bytes (or `endInput()`) are needed.
  public mutating func nextRow() -> OpenFlightsCSVRow? {
    while true {
      if let newline = firstNewline() {
        let lineStart = start
        start = newline + 1
        scanned = start
        lineNumber += 1
        if discardingLongLine {
          discardingLongLine = false
          return OpenFlightsCSVRow(line: lineNumber, content: .unreadable(.lineTooLong))
        }
        if let row = row(from: lineStart, to: newline) { return row }
        continue
      }
      scanned = buffer.count
      // One byte of slack for the CR of a CRLF ending still to come.
      if buffer.count - start > maximumLineBytes + 1 {
        discardingLongLine = true
      }
      if discardingLongLine {
        // Drop what has arrived of the line; only its end is still to come.
        start = buffer.count
      }
      guard inputEnded, start < buffer.count || discardingLongLine else { return nil }
      lineNumber += 1
      let lineStart = start
      start = buffer.count
      if discardingLongLine {
        discardingLongLine = false
        return OpenFlightsCSVRow(line: lineNumber, content: .unreadable(.lineTooLong))
      }
      return row(from: lineStart, to: buffer.count)
    }
  }

  private func firstNewline() -> Int? {
    buffer.withUnsafeBufferPointer { bytes in
      var index = scanned
      while index < bytes.count {
        if bytes[index] == ASCII.lineFeed { return index }
        index += 1
      }
      return nil
    }
  }

  /// The row of `buffer[from..<to]` (a line without its LF), or `nil` for a blank line.
  private func row(from: Int, to: Int) -> OpenFlightsCSVRow? {
    var lower = from
    var upper = to
    if upper > lower, buffer[upper - 1] == ASCII.carriageReturn { upper -= 1 }
    if lineNumber == 1, upper - lower >= 3, buffer[lower] == 0xEF, buffer[lower + 1] == 0xBB, buffer[lower + 2] == 0xBF {
      lower += 3
    }
    guard upper - lower <= maximumLineBytes else {
      return OpenFlightsCSVRow(line: lineNumber, content: .unreadable(.lineTooLong))
    }
    let content = buffer.withUnsafeBufferPointer { bytes in
      OpenFlightsCSVReader.parse(UnsafeBufferPointer(rebasing: bytes[lower..<upper]))
    }
    guard let content else { return nil }
    return OpenFlightsCSVRow(line: lineNumber, content: content)
  }

  /// Splits one line into fields; `nil` when the line is blank.
  static func parse(_ line: UnsafeBufferPointer<UInt8>) -> OpenFlightsCSVRow.Content? {
    var nonASCII = false
    var blank = true
    for byte in line {
      if byte >= 0x80 { nonASCII = true }
      if byte != ASCII.space && byte != ASCII.tab { blank = false }
    }
    if blank { return nil }
    // Validate once per line; fields are then decoded without checking again.
    if nonASCII, String(validating: line, as: UTF8.self) == nil { return .unreadable(.invalidUTF8) }

    var fields: [String?] = []
    fields.reserveCapacity(16)
    var index = 0
    let count = line.count
    while true {
      if index < count, line[index] == ASCII.quote {
        var cursor = index + 1
        var segmentStart = cursor
        var unescaped: [UInt8] = []
        while true {
          guard cursor < count else { return .unreadable(.unclosedQuote) }
          guard line[cursor] == ASCII.quote else {
            cursor += 1
            continue
          }
          if cursor + 1 < count, line[cursor + 1] == ASCII.quote {
            unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: line[segmentStart...cursor]))
            cursor += 2
            segmentStart = cursor
          } else if cursor + 1 == count || line[cursor + 1] == ASCII.comma {
            break
          } else {
            cursor += 1
          }
        }
        if unescaped.isEmpty {
          fields.append(field(UnsafeBufferPointer(rebasing: line[segmentStart..<cursor])))
        } else {
          unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: line[segmentStart..<cursor]))
          fields.append(unescaped.withUnsafeBufferPointer { field($0) })
        }
        index = cursor + 1
      } else {
        var cursor = index
        while cursor < count, line[cursor] != ASCII.comma { cursor += 1 }
        fields.append(field(UnsafeBufferPointer(rebasing: line[index..<cursor])))
        index = cursor
      }
      // `index` is now at the comma after the field, or at the end of the line.
      guard index < count else { break }
      index += 1
      if index == count {
        fields.append("")
        break
      }
    }
    return .fields(fields)
  }

  private static func field(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    if bytes.count == 2, bytes[0] == ASCII.backslash, bytes[1] == ASCII.capitalN { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }
}

private enum ASCII {
  static let tab: UInt8 = 0x09
  static let lineFeed: UInt8 = 0x0A
  static let carriageReturn: UInt8 = 0x0D
  static let space: UInt8 = 0x20
  static let quote: UInt8 = 0x22
  static let comma: UInt8 = 0x2C
  static let capitalN: UInt8 = 0x4E
  static let backslash: UInt8 = 0x5C
}
