import Foundation
import Testing

@testable import IngestionCore

/// The tokenizer, the sentence splitter and phrase matching read ASCII from the bytes and
/// everything else as `Character`s; both ways must give what a plain `Character` reading
/// gives.
@Suite struct TextTokensTests {
  /// Tokens as a `Character`-by-`Character` reading makes them: (kind, text, folded, value,
  /// thousands, spaced).
  private static func characterTokens(_ line: String) -> [String] {
    var result: [String] = []
    var index = line.startIndex
    var spaced = false
    func isDigit(_ i: String.Index) -> Bool { i < line.endIndex && line[i].isASCII && line[i].isNumber }
    while index < line.endIndex {
      let character = line[index]
      if character.isWhitespace {
        spaced = true
        index = line.index(after: index)
        continue
      }
      let start = index
      if character.isASCII && character.isNumber {
        var digits = ""
        while isDigit(index) {
          digits.append(line[index])
          index = line.index(after: index)
        }
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
        if index < line.endIndex, line[index] == ".", isDigit(line.index(after: index)) {
          digits.append(".")
          index = line.index(after: index)
          while isDigit(index) {
            digits.append(line[index])
            index = line.index(after: index)
          }
        }
        var thousands = false
        if index < line.endIndex, line[index] == "k" || line[index] == "K" {
          let after = line.index(after: index)
          if after == line.endIndex || !(line[after].isLetter || line[after].isNumber) {
            thousands = true
            index = after
          }
        }
        let text = String(line[start..<index])
        result.append("number|\(text)|\(text)|\(Double(digits) ?? 0)|\(thousands)|\(spaced)")
      } else if character.isLetter {
        while index < line.endIndex, line[index].isLetter || (line[index].isNumber && line[index].isASCII) {
          index = line.index(after: index)
        }
        let text = String(line[start..<index])
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        result.append("word|\(text)|\(folded)|0.0|false|\(spaced)")
      } else {
        index = line.index(after: index)
        let text = String(character)
        result.append("\(text == "&" ? "word" : "symbol")|\(text)|\(text == "&" ? "and" : text)|0.0|false|\(spaced)")
      }
      spaced = false
    }
    return result
  }

  private static func described(_ tokens: [TextToken]) -> [String] {
    tokens.map { token in
      let kind = switch token.kind {
      case .word: "word"
      case .number: "number"
      case .symbol: "symbol"
      }
      return "\(kind)|\(token.text)|\(token.folded)|\(token.value)|\(token.thousands)|\(token.spaced)"
    }
  }

  static let lines = [
    "651–1,150 miles", "1–650", "Gold: 40,000 Loyalty Points (oneworld Ruby)", "Aeroméxico and Aeroméxico Connect",
    "Cafe\u{301} 25K members, 25k-mile bonus", "1\u{301}2", "e\u{301}conomy", "J, C, D — 150%", "3X points; up to 5x",
    "line\r\nnext", "tab\tseparated  cells", "12,50 and 1,0000 and 1.5 and 1.", "✓ Earn ✗ Redeem", "A&B", "",
    "  spaced  ", "Premier 1K", "US$1 = 5 miles", "50 %", "k", "7,001+ miles", "Experience Points (XP)", "ﬁrst ǅ",
  ]

  @Test func tokensMatchACharacterReading() {
    for line in Self.lines {
      #expect(Self.described(TextTokens.tokenize(line)) == Self.characterTokens(line), "\(line)")
    }
  }

  @Test func tokenRangesPointIntoTheLine() {
    let line = "Zone 1–2: 12,500 Avios — Aeroméxico"
    for token in TextTokens.tokenize(line) {
      #expect(String(line[token.range]) == token.text)
    }
  }

  @Test func corpusTextTokenizesLikeACharacterReading() async throws {
    for url in try CorpusPrecisionRecallTests.pages() where url.pathExtension != "pdf" {
      let data = try Data(contentsOf: url)
      let type = try DocumentInspector.inspect(data, declaredContentType: nil, fileName: url.lastPathComponent)
      let text = try await TextExtractor().extract(data, as: type)
      for line in text.text.split(separator: "\n").map(String.init) {
        #expect(Self.described(TextTokens.tokenize(line)) == Self.characterTokens(line), "\(url.lastPathComponent): \(line)")
      }
    }
  }

  @Test func splitsSentences() {
    #expect(
      Vocabulary.sentences("Gold requires 40,000 points. Members earn more! Is it 1.5 miles? Yes; 2 more.")
        == ["Gold requires 40,000 points.", "Members earn more!", "Is it 1.5 miles?", "Yes;", "2 more."])
    #expect(Vocabulary.sentences("See “Silver”. (Then) gold.  ") == ["See “Silver”.", "(Then) gold."])
    #expect(Vocabulary.sentences("Fly A. Then fly B. Done") == ["Fly A. Then fly B. Done"])
    #expect(Vocabulary.sentences("Ends with café. Éclair next.") == ["Ends with café.", "Éclair next."])
  }

  @Test func readsNoValueCells() {
    for cell in ["—", "-", " n/a ", "N/A", "Not available.", "*", "", "  ", "(none)", "✗", "×", "– –", "TBD"] {
      #expect(Vocabulary.isNoValue(cell), "\(cell)")
    }
    for cell in ["0", "Gold*", "40,000", "n/a 5", "Oui ✓"] {
      #expect(!Vocabulary.isNoValue(cell), "\(cell)")
    }
  }

  @Test func matchesPhrasesOnWordBoundaries() {
    #expect(TableColumns.mentions("Flights operated-by partners", ["operated by"]))
    #expect(TableColumns.mentions("Earn & redeem", ["earn and redeem"]))
    #expect(TableColumns.mentions("EARN ONLY", ["earn only"]))
    #expect(!TableColumns.mentions("earnings only", ["earn only"]))
    #expect(TableColumns.mentions("125 %", ["%"]))
    #expect(TableColumns.mentions("Yes ✓", ["✓"]))
    #expect(!TableColumns.mentions("Yes", ["✓", "%"]))
    #expect(TableColumns.mentions("e.g. Gold", ["e g"]))
    #expect(TableColumns.mentions("Aeroméxico flights", ["aeromexico"]))
  }

  @Test func trimsAndCollapsesLikeFoundation() {
    for text in ["  a  b ", "\ta\t", "a", "", " \u{00A0}x\u{00A0} ", "é ", " \u{301}x", "a\r\n b"] {
      #expect(text.trimmingSpaces == text.trimmingCharacters(in: .whitespaces), "\(text)")
      #expect(text.collapsed == text.split(whereSeparator: \.isWhitespace).joined(separator: " "), "\(text)")
    }
  }
}
