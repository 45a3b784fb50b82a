import Foundation

/// Header words and cell shapes, for finding a table's columns.
enum TableColumns {
  /// Whether `text` contains one of `phrases` on word boundaries, case and diacritics
  /// ignored; a phrase of symbols ("%") is matched anywhere.
  /// Lists read on every block are static lets, compiled once; a literal list is compiled
  /// where it is written.
  static func mentions(_ text: String, _ phrases: PhraseList) -> Bool {
    phrases.matches(text)
  }

  /// The same for a text read once and tested against several lists.
  static func mentions(_ text: FoldedText, _ phrases: PhraseList) -> Bool {
    phrases.matches(text)
  }

  /// The share of a column's non-empty body cells for which `test` holds (0 when all empty).
  static func share(_ table: LayoutTable, column: Int, _ test: (String) -> Bool) -> Double {
    let cells = table.bodyRows.map { table.cell($0, column) }.filter { !$0.isEmpty && !Vocabulary.isNoValue($0) }
    guard !cells.isEmpty else { return 0 }
    return Double(cells.filter(test).count) / Double(cells.count)
  }

  /// The table with a header row: as marked, else its first row when that row has no
  /// numbers and names at least one column by `headerWords`.
  static func withHeader(_ table: LayoutTable, headerWords: PhraseList) -> LayoutTable {
    guard table.headerRows == 0, let first = table.rows.first, table.rows.count >= 2 else { return table }
    let numeric = first.contains { cell in Vocabulary.percent(in: cell) != nil || Vocabulary.number(in: cell) != nil && !cell.contains(where: \.isLetter) }
    if !numeric, first.contains(where: { mentions($0, headerWords) }) {
      var copy = table
      copy.headerRows = 1
      return copy
    }
    return table
  }

  /// A row that only labels the rows below it ("Business class" across the table): one
  /// distinct non-empty text.
  static func labelRowText(_ row: [String]) -> String? {
    let texts = Set(row.filter { !$0.isEmpty })
    return texts.count == 1 ? texts.first : nil
  }

  /// Promotional wording that offers rather than states: card sign-up bonuses, "up to 5x".
  static func isPromotional(_ text: String, tokens: [TextToken]? = nil) -> Bool {
    let tokens = tokens ?? TextTokens.tokenize(text)
    for (index, token) in tokens.enumerated() {
      // "5x points", "3X"
      if token.isNumber, index + 1 < tokens.count, tokens[index + 1].isWord(["x"]), !tokens[index + 1].spaced { return true }
      if token.isWord(["up"]), index + 1 < tokens.count, tokens[index + 1].isWord(["to"]) { return true }
    }
    return mentions(FoldedText(text, tokens: tokens), promotionalWords)
  }

  private static let promotionalWords: PhraseList = [
    "bonus points", "bonus miles", "bonus avios", "welcome bonus", "sign up bonus", "signup bonus", "credit card", "card",
    "cardmember", "cardmembers", "apply now", "limited time", "offer", "promotion", "promo", "spend", "spent", "purchases",
    "terms apply", "sign up", "enrol now", "enroll now", "for a limited",
  ]

  /// What a yes/no cell says: ✓, ✔, ●, "Yes", "Y" are yes; ✗, ×, ○, dashes, "No", "Not
  /// available" are no; nil for anything else (an "x" is either, depending on the page).
  static func isYes(_ cell: String) -> Bool? {
    let trimmed = cell.trimmingSpaces
    guard !trimmed.isEmpty else { return nil }
    if trimmed.count <= 3 {
      if ["✓", "✔", "☑", "✅", "●", "•", "◉", "⬤", "+"].contains(where: { trimmed.hasPrefix($0) }) { return true }
      if ["✗", "✘", "×", "○", "◯", "–", "—", "-", "❌"].contains(where: { trimmed.hasPrefix($0) }) { return false }
    }
    let folded = TextTokens.fold(trimmed)
    if folded.hasPrefix("yes") || folded == "y" || folded.hasPrefix("available") || folded == "earn" || folded == "redeem" { return true }
    if folded.hasPrefix("no") || folded == "n" || folded.hasPrefix("not ") || folded == "n/a" { return false }
    return nil
  }
}

/// Phrases to look for in text, read once: each as its folded words (lower case, "&" as
/// "and", punctuation between words ignored), or as itself when it has no letters or digits.
struct PhraseList: Sendable, ExpressibleByArrayLiteral {
  private(set) var wordPhrases: [[String]] = []
  private(set) var symbolPhrases: [String] = []

  init(_ phrases: [String]) {
    for phrase in phrases {
      if let words = Self.asciiWords(of: phrase) {
        if !phrase.utf8.contains(where: { TextTokens.isASCIILetter($0) || TextTokens.isASCIIDigit($0) }) {
          symbolPhrases.append(phrase)
        } else {
          wordPhrases.append(words)
        }
      } else if phrase.allSatisfy({ !$0.isLetter && !$0.isNumber }) {
        symbolPhrases.append(phrase)
      } else {
        wordPhrases.append(Self.words(of: phrase))
      }
    }
  }

  init(arrayLiteral elements: String...) {
    self.init(elements)
  }

  /// Both lists' phrases.
  static func + (lhs: PhraseList, rhs: PhraseList) -> PhraseList {
    var result = lhs
    result.wordPhrases += rhs.wordPhrases
    result.symbolPhrases += rhs.symbolPhrases
    return result
  }

  /// A phrase's words as `mentions` compares them.
  private static func words(of phrase: String) -> [String] {
    var words: [String] = []
    var current = ""
    for character in phrase.lowercased() {
      if character.isLetter || character.isNumber {
        current.append(character)
      } else {
        if !current.isEmpty { words.append(current) }
        current = ""
        if character == "&" { words.append("and") }
      }
    }
    if !current.isEmpty { words.append(current) }
    return words
  }

  /// `words(of:)` for an ASCII phrase, from its bytes; nil for other phrases.
  private static func asciiWords(of phrase: String) -> [String]? {
    var words: [String] = []
    var current: [UInt8] = []
    func flush() {
      if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
      current.removeAll(keepingCapacity: true)
    }
    for byte in phrase.utf8 {
      guard byte < 0x80 else { return nil }
      if TextTokens.isASCIILetter(byte) || TextTokens.isASCIIDigit(byte) {
        current.append(byte | (TextTokens.isASCIILetter(byte) ? 0x20 : 0))
      } else {
        flush()
        if byte == UInt8(ascii: "&") { words.append("and") }
      }
    }
    flush()
    return words
  }

  func matches(_ text: String) -> Bool {
    if symbolPhrases.contains(where: { Self.contains(text, $0) }) { return true }
    guard !wordPhrases.isEmpty else { return false }
    return matchesWords(TextTokens.foldedWords(text))
  }

  func matches(_ text: FoldedText) -> Bool {
    symbolPhrases.contains { Self.contains(text.text, $0) } || matchesWords(text.words)
  }

  private func matchesWords(_ words: [String]) -> Bool {
    for phrase in wordPhrases where phrase.count <= words.count {
      let first = phrase[0]
      var start = 0
      while start + phrase.count <= words.count {
        if words[start] == first {
          var offset = 1
          while offset < phrase.count, words[start + offset] == phrase[offset] { offset += 1 }
          if offset == phrase.count { return true }
        }
        start += 1
      }
    }
    return false
  }

  /// Whether `text` holds `needle`'s bytes (symbols, compared as written).
  static func contains(_ text: String, _ needle: String) -> Bool {
    let needleBytes = Array(needle.utf8)
    guard let first = needleBytes.first else { return true }
    let bytes = text.utf8
    var index = bytes.startIndex
    while let found = bytes[index...].firstIndex(of: first) {
      var probe = found
      var offset = 0
      while offset < needleBytes.count, probe < bytes.endIndex, bytes[probe] == needleBytes[offset] {
        offset += 1
        probe = bytes.index(after: probe)
      }
      if offset == needleBytes.count { return true }
      index = bytes.index(after: found)
    }
    return false
  }
}

/// A text with its folded words (`TextTokens.foldedWords`), for testing it against several
/// phrase lists while reading it once.
struct FoldedText {
  let text: String
  let words: [String]

  init(_ text: String) {
    self.text = text
    words = TextTokens.foldedWords(text)
  }

  /// A text whose tokens are at hand.
  init(_ text: String, tokens: [TextToken]) {
    self.text = text
    words = tokens.filter { $0.kind != .symbol }.map(\.folded)
  }
}
