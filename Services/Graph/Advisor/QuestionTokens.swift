import Foundation

/// A word, number or punctuation mark of a question, with where it stands in the text.
struct QuestionToken: Sendable, Hashable {
  enum Kind: Sendable, Hashable {
    /// Letters and digits, e.g. "Heathrow", "LHR", "BA117", "I'm".
    case word
    /// "80,000", "1,436.50", "80k"; `value` holds the amount.
    case number
    /// One punctuation character: "-", "/", "?", ","…
    case symbol
  }

  var text: String
  /// Lower case, without diacritics: what lexicons are keyed by.
  var folded: String
  var kind: Kind
  var range: Range<String.Index>
  var value: Double?
  /// ISO code of a currency symbol written just before a number ("$" → "USD").
  var currency: String?

  var isUppercase: Bool { text.unicodeScalars.allSatisfy { !CharacterSet.lowercaseLetters.contains($0) } && text.contains { $0.isLetter } }
  var isCapitalized: Bool { text.first?.isUppercase ?? false }
  var isDash: Bool { kind == .symbol && ["-", "–", "—"].contains(text) }
}

/// Splits a question into tokens.
enum QuestionTokenizer {
  static let currencySymbols: [Character: String] = ["$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY"]

  /// Tokens as written, with a space where the question had one.
  static func text(of tokens: ArraySlice<QuestionToken>) -> String {
    var text = ""
    var previous: QuestionToken?
    for token in tokens {
      if let previous, previous.range.upperBound != token.range.lowerBound { text += " " }
      text += token.text
      previous = token
    }
    return text
  }

  static func fold(_ text: String) -> String {
    text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
  }

  static func tokens(of text: String) -> [QuestionToken] {
    var tokens: [QuestionToken] = []
    var index = text.startIndex
    var pendingCurrency: String?
    while index < text.endIndex {
      let character = text[index]
      if character.isWhitespace {
        index = text.index(after: index)
        continue
      }
      if let code = currencySymbols[character] {
        pendingCurrency = code
        index = text.index(after: index)
        continue
      }
      if character.isNumber, character.isASCII {
        let (token, end) = number(in: text, from: index)
        var numberToken = token
        numberToken.currency = pendingCurrency
        pendingCurrency = nil
        // "BA117": digits glued to letters are part of a word (flight number).
        if let last = tokens.last, last.kind == .word, last.range.upperBound == index {
          tokens[tokens.count - 1] = word(in: text, range: last.range.lowerBound..<end)
        } else {
          tokens.append(numberToken)
        }
        index = end
        continue
      }
      pendingCurrency = nil
      if character.isLetter {
        var end = text.index(after: index)
        while end < text.endIndex {
          let next = text[end]
          if next.isLetter || (next.isNumber && next.isASCII) {
            end = text.index(after: end)
          } else if next == "'" || next == "’", text.index(after: end) < text.endIndex, text[text.index(after: end)].isLetter {
            // "I'm", "don't".
            end = text.index(after: end)
          } else {
            break
          }
        }
        tokens.append(word(in: text, range: index..<end))
        index = end
        continue
      }
      let end = text.index(after: index)
      tokens.append(QuestionToken(text: String(character), folded: String(character), kind: .symbol, range: index..<end))
      index = end
    }
    return tokens
  }

  private static func word(in text: String, range: Range<String.Index>) -> QuestionToken {
    let written = String(text[range])
    return QuestionToken(text: written, folded: fold(written).replacingOccurrences(of: "’", with: "'"), kind: .word, range: range)
  }

  /// Digits with thousands groups ("80,000") and decimals ("12.5"); a following "k" or
  /// "m" multiplies by a thousand or a million ("80k").
  private static func number(in text: String, from start: String.Index) -> (QuestionToken, String.Index) {
    var digits = ""
    var index = start
    var sawPoint = false
    while index < text.endIndex {
      let character = text[index]
      if character.isASCII, character.isNumber {
        digits.append(character)
        index = text.index(after: index)
      } else if character == ",", !sawPoint, groupOfThree(in: text, after: index) {
        index = text.index(after: index)
      } else if character == ".", !sawPoint, let next = text.index(index, offsetBy: 1, limitedBy: text.endIndex), next < text.endIndex,
        text[next].isASCII, text[next].isNumber
      {
        sawPoint = true
        digits.append(".")
        index = next
      } else {
        break
      }
    }
    var value = Double(digits) ?? 0
    if index < text.endIndex, ["k", "K", "m", "M"].contains(text[index]) {
      let after = text.index(after: index)
      if after == text.endIndex || !text[after].isLetter {
        value *= ["k", "K"].contains(text[index]) ? 1_000 : 1_000_000
        index = after
      }
    }
    let written = String(text[start..<index])
    return (QuestionToken(text: written, folded: written.lowercased(), kind: .number, range: start..<index, value: value), index)
  }

  private static func groupOfThree(in text: String, after comma: String.Index) -> Bool {
    var index = text.index(after: comma)
    var count = 0
    while index < text.endIndex, text[index].isASCII, text[index].isNumber {
      count += 1
      index = text.index(after: index)
    }
    return count == 3
  }
}
