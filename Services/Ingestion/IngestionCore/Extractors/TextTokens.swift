import Foundation

/// One piece of a line: a word, a number or a punctuation mark, with where it came from.
struct TextToken: Sendable, Equatable {
  enum Kind: Sendable, Equatable {
    case word
    case number
    case symbol
  }

  var kind: Kind
  /// As written.
  var text: String
  /// Lower case without diacritics, for matching ("Aeroméxico" → "aeromexico"); "&" is "and".
  var folded: String
  /// A number's value as written, thousands separators dropped ("1,000" → 1000).
  var value: Double = 0
  /// Whether a number carries a "k"/"K" suffix ("25K").
  var thousands = false
  /// Whether whitespace separates the token from the one before it.
  var spaced = false
  var range: Range<String.Index>

  var isWord: Bool { kind == .word }
  var isNumber: Bool { kind == .number }
  func isSymbol(_ set: Set<String>) -> Bool { kind == .symbol && set.contains(text) }
  func isWord(_ set: Set<String>) -> Bool { kind == .word && set.contains(folded) }

  /// The value with a "k" suffix applied.
  var amount: Double { thousands ? value * 1000 : value }

  /// A single capital letter, the shape of a booking code.
  var isBookingCodeShape: Bool {
    kind == .word && text.count == 1 && text.first!.isUppercase && text.first!.isASCII
  }
}

enum TextTokens {
  /// Splits a line into words, numbers and symbols. Numbers keep thousands separators
  /// ("1,000", "12,500") and decimals ("1.5"); a "k" right after a number marks thousands.
  ///
  /// Pages are mostly ASCII, so a character that is one ASCII byte is read from the UTF-8
  /// bytes; anything else (accents, dashes, ticks, an ASCII letter carrying a combining mark)
  /// is read as a `Character`, so tokens are the same either way.
  static func tokenize(_ line: String) -> [TextToken] {
    let reader = CharacterReader(line)
    var tokens: [TextToken] = []
    var index = line.startIndex
    var spaced = false
    while index < line.endIndex {
      let start = index
      if let byte = reader.ascii(at: index) {
        if isASCIIWhitespace(byte) {
          spaced = true
          index = reader.next(index)
          continue
        }
        if isASCIIDigit(byte) {
          let (end, value, thousands) = scanNumber(reader, from: index)
          let text = String(line[start..<end])
          tokens.append(
            TextToken(kind: .number, text: text, folded: text, value: value, thousands: thousands, spaced: spaced, range: start..<end))
          index = end
        } else if isASCIILetter(byte) {
          let end = reader.wordEnd(from: index)
          let text = String(line[start..<end])
          tokens.append(TextToken(kind: .word, text: text, folded: fold(text), spaced: spaced, range: start..<end))
          index = end
        } else {
          let end = reader.next(index)
          let text = String(line[start..<end])
          let isAnd = byte == UInt8(ascii: "&")
          tokens.append(TextToken(kind: isAnd ? .word : .symbol, text: text, folded: isAnd ? "and" : text, spaced: spaced, range: start..<end))
          index = end
        }
        spaced = false
        continue
      }
      let character = line[index]
      if character.isWhitespace {
        spaced = true
        index = line.index(after: index)
        continue
      }
      if character.isLetter {
        let end = reader.wordEnd(from: index)
        let text = String(line[start..<end])
        tokens.append(TextToken(kind: .word, text: text, folded: fold(text), spaced: spaced, range: start..<end))
        index = end
      } else {
        let end = line.index(after: index)
        tokens.append(TextToken(kind: .symbol, text: String(character), folded: String(character), spaced: spaced, range: start..<end))
        index = end
      }
      spaced = false
    }
    return tokens
  }

  /// The folded words of a text (symbols left out), as `TableColumns.mentions` compares them.
  static func foldedWords(_ text: String) -> [String] {
    var words: [String] = []
    for token in tokenize(text) where token.kind != .symbol { words.append(token.folded) }
    return words
  }

  /// Lower case without diacritics.
  static func fold(_ text: String) -> String {
    // Most text is ASCII, where lower case is all there is to do (and much cheaper).
    var hasUpper = false
    for byte in text.utf8 {
      if byte >= 0x80 { return text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) }
      if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { hasUpper = true }
    }
    guard hasUpper else { return text }
    return String(unsafeUninitializedCapacity: text.utf8.count) { buffer in
      var count = 0
      for byte in text.utf8 {
        buffer[count] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
        count += 1
      }
      return count
    }
  }

  static func isASCIIWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
  static func isASCIIDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
  static func isASCIILetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }

  /// Reads a string a character at a time, from its UTF-8 bytes where a character is one
  /// ASCII byte.
  struct CharacterReader {
    let line: String
    let utf8: String.UTF8View

    init(_ line: String) {
      self.line = line
      utf8 = line.utf8
    }

    /// The ASCII value of the character at `index`, nil when it is not ASCII. A byte below
    /// 0x80 followed by another is a whole character; otherwise (a combining mark may
    /// follow, or a CR LF) the character is read as a `Character`.
    @inline(__always)
    func ascii(at index: String.Index) -> UInt8? {
      let byte = utf8[index]
      guard byte < 0x80 else { return nil }
      let after = utf8.index(after: index)
      guard after < utf8.endIndex else { return byte }
      let next = utf8[after]
      if next < 0x80 && !(byte == 0x0D && next == 0x0A) { return byte }
      return line[index].asciiValue
    }

    /// The index after the character at `index`.
    @inline(__always)
    func next(_ index: String.Index) -> String.Index {
      let byte = utf8[index]
      let after = utf8.index(after: index)
      if byte < 0x80, after < utf8.endIndex, utf8[after] < 0x80, !(byte == 0x0D && utf8[after] == 0x0A) { return after }
      return line.index(after: index)
    }

    /// Whether the character at `index` is an ASCII digit.
    func isDigit(_ index: String.Index) -> Bool {
      index < line.endIndex && ascii(at: index).map(TextTokens.isASCIIDigit) == true
    }

    /// The end of a word starting at `index`: letters, and ASCII digits.
    func wordEnd(from index: String.Index) -> String.Index {
      var end = index
      while end < line.endIndex {
        if let byte = ascii(at: end) {
          guard TextTokens.isASCIILetter(byte) || TextTokens.isASCIIDigit(byte) else { break }
          end = next(end)
        } else {
          let character = line[end]
          guard character.isLetter || (character.isNumber && character.isASCII) else { break }
          end = line.index(after: end)
        }
      }
      return end
    }
  }

  private static func scanNumber(_ reader: CharacterReader, from start: String.Index) -> (String.Index, Double, Bool) {
    let line = reader.line
    var digits: [UInt8] = []
    var index = start
    while reader.isDigit(index) {
      digits.append(reader.utf8[index])
      index = reader.next(index)
    }
    // Thousands groups: ",000" (exactly three digits, not followed by a fourth).
    while index < line.endIndex, reader.ascii(at: index) == UInt8(ascii: ",") {
      var probe = reader.next(index)
      var group: [UInt8] = []
      while reader.isDigit(probe), group.count < 4 {
        group.append(reader.utf8[probe])
        probe = reader.next(probe)
      }
      guard group.count == 3 else { break }
      digits += group
      index = probe
    }
    if index < line.endIndex, reader.ascii(at: index) == UInt8(ascii: "."), reader.isDigit(reader.next(index)) {
      digits.append(UInt8(ascii: "."))
      var probe = reader.next(index)
      while reader.isDigit(probe) {
        digits.append(reader.utf8[probe])
        probe = reader.next(probe)
      }
      index = probe
    }
    var thousands = false
    if index < line.endIndex, let byte = reader.ascii(at: index), byte == UInt8(ascii: "k") || byte == UInt8(ascii: "K") {
      let after = reader.next(index)
      let continues: Bool
      if after == line.endIndex {
        continues = false
      } else {
        continues = line[after].isLetter || line[after].isNumber
      }
      if !continues {
        thousands = true
        index = after
      }
    }
    let value = Double(String(decoding: digits, as: UTF8.self)) ?? 0
    return (index, value, thousands)
  }
}

extension String {
  /// Whitespace collapsed to single spaces and trimmed.
  var collapsed: String {
    // ASCII text (most of it) is collapsed byte by byte.
    var ascii = true
    var changes = false
    var previousSpace = true
    for byte in utf8 {
      if byte >= 0x80 {
        ascii = false
        break
      }
      let space = TextTokens.isASCIIWhitespace(byte)
      if space && (previousSpace || byte != 0x20) { changes = true }
      previousSpace = space
    }
    guard ascii else { return split(whereSeparator: \.isWhitespace).joined(separator: " ") }
    if !changes && !previousSpace { return self }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(utf8.count)
    var pendingSpace = false
    for byte in utf8 {
      if TextTokens.isASCIIWhitespace(byte) {
        pendingSpace = !bytes.isEmpty
      } else {
        if pendingSpace { bytes.append(0x20) }
        pendingSpace = false
        bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

extension StringProtocol where UTF8View: BidirectionalCollection {
  /// `trimmingCharacters(in: .whitespaces)`, read from the bytes when both ends are ASCII.
  var trimmingSpaces: String {
    let bytes = utf8
    var start = bytes.startIndex
    while start < bytes.endIndex, bytes[start] == 0x20 || bytes[start] == 0x09 { start = bytes.index(after: start) }
    if start == bytes.endIndex { return "" }
    var end = bytes.endIndex
    while end > start, bytes[bytes.index(before: end)] == 0x20 || bytes[bytes.index(before: end)] == 0x09 { end = bytes.index(before: end) }
    // Other spaces (no-break, thin) and combining marks are Foundation's to judge.
    guard bytes[start] < 0x80, bytes[bytes.index(before: end)] < 0x80 else { return trimmingCharacters(in: .whitespaces) }
    return String(self[start..<end])
  }
}
