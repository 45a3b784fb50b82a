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
  static func tokenize(_ line: String) -> [TextToken] {
    var tokens: [TextToken] = []
    var index = line.startIndex
    var spaced = false
    while index < line.endIndex {
      let character = line[index]
      if character.isWhitespace {
        spaced = true
        index = line.index(after: index)
        continue
      }
      let start = index
      if character.isASCII && character.isNumber {
        let (end, value, thousands) = scanNumber(line, from: index)
        tokens.append(
          TextToken(
            kind: .number, text: String(line[start..<end]), folded: String(line[start..<end]), value: value, thousands: thousands,
            spaced: spaced, range: start..<end))
        index = end
      } else if character.isLetter {
        var end = index
        while end < line.endIndex, line[end].isLetter || (line[end].isNumber && line[end].isASCII) {
          end = line.index(after: end)
        }
        let text = String(line[start..<end])
        tokens.append(TextToken(kind: .word, text: text, folded: fold(text), spaced: spaced, range: start..<end))
        index = end
      } else {
        let end = line.index(after: index)
        let text = String(character)
        tokens.append(TextToken(kind: character == "&" ? .word : .symbol, text: text, folded: character == "&" ? "and" : text, spaced: spaced, range: start..<end))
        index = end
      }
      spaced = false
    }
    return tokens
  }

  /// Lower case without diacritics.
  static func fold(_ text: String) -> String {
    // Most text is ASCII, where lower case is all there is to do (and much cheaper).
    if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.lowercased() }
    return text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
  }

  private static func scanNumber(_ line: String, from start: String.Index) -> (String.Index, Double, Bool) {
    var digits = ""
    var index = start
    func isDigit(_ i: String.Index) -> Bool { i < line.endIndex && line[i].isASCII && line[i].isNumber }
    while isDigit(index) {
      digits.append(line[index])
      index = line.index(after: index)
    }
    // Thousands groups: ",000" (exactly three digits, not followed by a fourth).
    while index < line.endIndex, line[index] == "," {
      var probe = line.index(after: index)
      var group = ""
      while isDigit(probe), group.count < 4 {
        group.append(line[probe])
        probe = line.index(after: probe)
      }
      guard group.count == 3 else { break }
      digits += group
      index = probe
    }
    var fraction = ""
    if index < line.endIndex, line[index] == ".", isDigit(line.index(after: index)) {
      var probe = line.index(after: index)
      while isDigit(probe) {
        fraction.append(line[probe])
        probe = line.index(after: probe)
      }
      index = probe
    }
    var thousands = false
    if index < line.endIndex, line[index] == "k" || line[index] == "K" {
      let after = line.index(after: index)
      if after == line.endIndex || !(line[after].isLetter || line[after].isNumber) {
        thousands = true
        index = after
      }
    }
    let value = Double(fraction.isEmpty ? digits : digits + "." + fraction) ?? 0
    return (index, value, thousands)
  }
}

extension String {
  /// Whitespace collapsed to single spaces and trimmed.
  var collapsed: String {
    split(whereSeparator: \.isWhitespace).joined(separator: " ")
  }
}
