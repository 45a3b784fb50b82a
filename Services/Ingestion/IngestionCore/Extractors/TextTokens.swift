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
    var offset = 0
    var spaced = false
    func append(_ kind: TextToken.Kind, _ start: Int, _ end: Int, value: Double = 0, thousands: Bool = false) {
      let text = reader.text(start, end)
      let folded =
        switch kind {
        case .word: text == "&" ? "and" : fold(text)
        case .number, .symbol: text
        }
      tokens.append(
        TextToken(
          kind: kind, text: text, folded: folded, value: value, thousands: thousands, spaced: spaced,
          range: reader.index(start)..<reader.index(end)))
      spaced = false
    }
    while offset < reader.count {
      let start = offset
      if let byte = reader.ascii(at: offset) {
        if isASCIIWhitespace(byte) {
          spaced = true
          offset = reader.next(offset)
        } else if isASCIIDigit(byte) {
          let (end, value, thousands) = scanNumber(reader, from: offset)
          append(.number, start, end, value: value, thousands: thousands)
          offset = end
        } else if isASCIILetter(byte) {
          offset = reader.wordEnd(from: offset)
          append(.word, start, offset)
        } else {
          offset = reader.next(offset)
          append(byte == UInt8(ascii: "&") ? .word : .symbol, start, offset)
        }
        continue
      }
      let character = reader.character(at: offset)
      if character.isWhitespace {
        spaced = true
        offset = reader.next(offset)
      } else if character.isLetter {
        offset = reader.wordEnd(from: offset)
        append(.word, start, offset)
      } else {
        offset = reader.next(offset)
        append(.symbol, start, offset)
      }
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

  /// Reads a string a character at a time by UTF-8 offset: from its bytes where a character
  /// is one ASCII byte, as a `Character` elsewhere.
  struct CharacterReader {
    let line: String
    let bytes: [UInt8]
    var count: Int { bytes.count }

    init(_ line: String) {
      self.line = line
      bytes = Array(line.utf8)
    }

    func index(_ offset: Int) -> String.Index { line.utf8.index(line.utf8.startIndex, offsetBy: offset) }
    func offset(_ index: String.Index) -> Int { line.utf8.distance(from: line.utf8.startIndex, to: index) }
    func character(at offset: Int) -> Character { line[index(offset)] }
    func text(_ start: Int, _ end: Int) -> String { String(decoding: bytes[start..<end], as: UTF8.self) }

    /// Whether the byte at `offset` is a whole character: ASCII, followed by another ASCII
    /// byte (not a combining mark) and not the CR of a CR LF.
    @inline(__always)
    func isWholeASCII(_ offset: Int) -> Bool {
      let byte = bytes[offset]
      guard byte < 0x80 else { return false }
      guard offset + 1 < bytes.count else { return true }
      let next = bytes[offset + 1]
      return next < 0x80 && !(byte == 0x0D && next == 0x0A)
    }

    /// The ASCII value of the character at `offset`, nil when it is not ASCII.
    @inline(__always)
    func ascii(at offset: Int) -> UInt8? {
      if isWholeASCII(offset) { return bytes[offset] }
      return bytes[offset] < 0x80 ? character(at: offset).asciiValue : nil
    }

    /// The offset after the character at `offset`.
    @inline(__always)
    func next(_ offset: Int) -> Int {
      isWholeASCII(offset) ? offset + 1 : self.offset(line.index(after: index(offset)))
    }

    /// Whether the character at `offset` is an ASCII digit.
    func isDigit(_ offset: Int) -> Bool {
      offset < bytes.count && ascii(at: offset).map(TextTokens.isASCIIDigit) == true
    }

    /// The end of a word starting at `offset`: letters, and ASCII digits.
    func wordEnd(from offset: Int) -> Int {
      var end = offset
      while end < bytes.count {
        if isWholeASCII(end) {
          let byte = bytes[end]
          guard TextTokens.isASCIILetter(byte) || TextTokens.isASCIIDigit(byte) else { break }
          end += 1
        } else {
          let character = self.character(at: end)
          guard character.isLetter || (character.isNumber && character.isASCII) else { break }
          end = next(end)
        }
      }
      return end
    }
  }

  private static func scanNumber(_ reader: CharacterReader, from start: Int) -> (Int, Double, Bool) {
    var digits: [UInt8] = []
    var offset = start
    while reader.isDigit(offset) {
      digits.append(reader.bytes[offset])
      offset = reader.next(offset)
    }
    // Thousands groups: ",000" (exactly three digits, not followed by a fourth).
    while offset < reader.count, reader.ascii(at: offset) == UInt8(ascii: ",") {
      var probe = reader.next(offset)
      var group: [UInt8] = []
      while reader.isDigit(probe), group.count < 4 {
        group.append(reader.bytes[probe])
        probe = reader.next(probe)
      }
      guard group.count == 3 else { break }
      digits += group
      offset = probe
    }
    if offset < reader.count, reader.ascii(at: offset) == UInt8(ascii: "."), reader.isDigit(reader.next(offset)) {
      digits.append(UInt8(ascii: "."))
      var probe = reader.next(offset)
      while reader.isDigit(probe) {
        digits.append(reader.bytes[probe])
        probe = reader.next(probe)
      }
      offset = probe
    }
    var thousands = false
    if offset < reader.count, let byte = reader.ascii(at: offset), byte == UInt8(ascii: "k") || byte == UInt8(ascii: "K") {
      let after = reader.next(offset)
      if after == reader.count || !(reader.character(at: after).isLetter || reader.character(at: after).isNumber) {
        thousands = true
        offset = after
      }
    }
    let value = Double(String(decoding: digits, as: UTF8.self)) ?? 0
    return (offset, value, thousands)
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
