import Foundation

/// Header words and cell shapes, for finding a table's columns.
enum TableColumns {
  /// Whether `text` contains one of `phrases` on word boundaries, case and diacritics
  /// ignored; a phrase of symbols ("%") is matched anywhere.
  static func mentions(_ text: String, _ phrases: [String]) -> Bool {
    let words = " " + TextTokens.tokenize(text).filter { $0.kind != .symbol }.map(\.folded).joined(separator: " ") + " "
    for phrase in phrases {
      if phrase.allSatisfy({ !$0.isLetter && !$0.isNumber }) {
        if text.contains(phrase) { return true }
      } else if words.contains(" " + wordsOf(phrase) + " ") {
        return true
      }
    }
    return false
  }

  /// A phrase as `mentions` compares it: lower case, words joined by single spaces.
  private static func wordsOf(_ phrase: String) -> String {
    var result = ""
    var pendingSpace = false
    for character in phrase.lowercased() {
      if character.isLetter || character.isNumber {
        if pendingSpace, !result.isEmpty { result.append(" ") }
        pendingSpace = false
        result.append(character)
      } else {
        if character == "&" { result += result.isEmpty ? "and" : " and" }
        pendingSpace = true
      }
    }
    return result
  }

  /// The share of a column's non-empty body cells for which `test` holds (0 when all empty).
  static func share(_ table: LayoutTable, column: Int, _ test: (String) -> Bool) -> Double {
    let cells = table.bodyRows.map { table.cell($0, column) }.filter { !$0.isEmpty && !Vocabulary.isNoValue($0) }
    guard !cells.isEmpty else { return 0 }
    return Double(cells.filter(test).count) / Double(cells.count)
  }

  /// The table with a header row: as marked, else its first row when that row has no
  /// numbers and names at least one column by `headerWords`.
  static func withHeader(_ table: LayoutTable, headerWords: [String]) -> LayoutTable {
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
  static func isPromotional(_ text: String) -> Bool {
    let tokens = TextTokens.tokenize(text)
    for (index, token) in tokens.enumerated() {
      // "5x points", "3X"
      if token.isNumber, index + 1 < tokens.count, tokens[index + 1].isWord(["x"]), !tokens[index + 1].spaced { return true }
      if token.isWord(["up"]), index + 1 < tokens.count, tokens[index + 1].isWord(["to"]) { return true }
    }
    return mentions(
      text,
      [
        "bonus points", "bonus miles", "bonus avios", "welcome bonus", "sign up bonus", "signup bonus", "credit card", "card",
        "cardmember", "cardmembers", "apply now", "limited time", "offer", "promotion", "promo", "spend", "spent", "purchases",
        "terms apply", "sign up", "enrol now", "enroll now", "for a limited",
      ])
  }

  /// What a yes/no cell says: ✓, ✔, ●, "Yes", "Y" are yes; ✗, ×, ○, dashes, "No", "Not
  /// available" are no; nil for anything else (an "x" is either, depending on the page).
  static func isYes(_ cell: String) -> Bool? {
    let trimmed = cell.trimmingCharacters(in: .whitespaces)
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
