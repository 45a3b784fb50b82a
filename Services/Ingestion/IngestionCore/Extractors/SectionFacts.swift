import Foundation
import GraphModel

/// What a table's or phrase's surroundings say about its facts: the carrier named in its
/// caption, headings or title; whether its section speaks of flights "operated by" the
/// carrier; the cabin a heading names; the section's minimum and effective date.
struct SectionFacts {
  struct Carrier {
    var code: String
    /// How much less sure a fact is because the carrier was not named near it.
    var guessPenalty: Double
  }

  let page: PageContext
  let blockIndex: Int
  let program: LoyaltyProgram
  /// The carrier named around the block, else the program's own airline.
  let carrier: Carrier
  /// "operating" when the section speaks of flights operated by the carrier, else
  /// "marketing".
  let carrierMatch: String
  let effectiveDate: String?
  /// The cabin the nearest heading names ("Business class").
  let headingCabin: Cabin?
  /// Minimum statements covering the block, innermost first.
  private let minimums: [[(value: Int, cabins: Set<Cabin>, codes: Set<String>)]]

  init(page: PageContext, blockIndex: Int, program: LoyaltyProgram) {
    self.page = page
    self.blockIndex = blockIndex
    self.program = program
    let block = page.layout.blocks[blockIndex]
    let surrounding = page.caption(ofBlockAt: blockIndex) + page.headingTexts(for: block)
    carrier = Self.carrier(in: surrounding, program: program)
    let operated =
      page.scoped(for: block, blockIndex: blockIndex) { candidate -> Bool? in
        guard let text = candidate.text else { return nil }
        return Self.speaksOfOperatedFlights(text) ? true : nil
      } ?? false
    carrierMatch = operated || page.caption(ofBlockAt: blockIndex).contains(where: Self.speaksOfOperatedFlights) ? "operating" : "marketing"
    effectiveDate = page.effectiveDate(for: block, at: blockIndex)
    headingCabin = page.layout.headings(of: block).reversed().lazy.compactMap(Vocabulary.cabin(in:)).first
    minimums = page.scopedAll(for: block, blockIndex: blockIndex) { candidate in
      guard candidate.table == nil, let text = candidate.text else { return nil }
      let statements = Vocabulary.sentences(text).compactMap(Self.minimumStatement)
      return statements.isEmpty ? nil : statements
    }
  }

  private static func carrier(in texts: [String], program: LoyaltyProgram) -> Carrier {
    for text in texts {
      let mentions = PageContext.airlineMentions(in: text)
      let codes = Array(Set(mentions.map(\.airline.code)))
      if codes.count == 1 { return Carrier(code: codes[0], guessPenalty: 0) }
      if codes.count > 1 {
        // "Earn Avios on Iberia with your British Airways Club account": the airline after "on".
        let after = mentions.filter { mention in
          let before = mention.tokenList[..<mention.tokens.lowerBound].suffix(2).map(\.folded)
          return before.contains("on") || before.contains("by")
        }
        if Set(after.map(\.airline.code)).count == 1 { return Carrier(code: after[0].airline.code, guessPenalty: 0) }
      }
    }
    let own = program.airline ?? ""
    return Carrier(code: own, guessPenalty: program.airline == nil ? 1 : 0.05)
  }

  static func speaksOfOperatedFlights(_ text: String) -> Bool {
    TableColumns.mentions(text, operatedWords) || PhraseList.contains(TextTokens.fold(text), "-operated")
  }

  private static let operatedWords: PhraseList = ["operated by", "operated flights", "operating carrier", "operated and marketed"]
  private static let notMinimumWords: PhraseList = [
    "transfer", "transfers", "redeem", "redemption", "spend", "purchase", "convert", "maximum",
  ]

  /// A minimum the section states ("a minimum of 500 miles", "at least 500 miles"), when
  /// it is for every fare or names this cabin or one of these fare classes.
  func minimumMiles(cabin: Cabin, codes: [String]) -> Int? {
    for statements in minimums {
      for statement in statements {
        if statement.cabins.isEmpty && statement.codes.isEmpty { return statement.value }
        if statement.cabins.contains(cabin) || !Set(codes).isDisjoint(with: statement.codes) { return statement.value }
      }
    }
    return nil
  }

  /// "minimum of 500 miles", "500-mile minimum", "at least 500 miles": the value and the
  /// cabins and fare classes the sentence names.
  static func minimumStatement(_ text: String) -> (value: Int, cabins: Set<Cabin>, codes: Set<String>)? {
    let tokens = TextTokens.tokenize(text)
    guard !TableColumns.mentions(text, notMinimumWords) else {
      return nil
    }
    for (index, token) in tokens.enumerated() {
      var number: TextToken?
      if token.isWord(["minimum"]) {
        number = tokens[(index + 1)...].prefix(4).first(where: \.isNumber)
        if number == nil { number = tokens[..<index].suffix(3).last(where: \.isNumber) }
      } else if token.isWord(["least"]), index > 0, tokens[index - 1].isWord(["at"]) {
        number = tokens[(index + 1)...].prefix(2).first(where: \.isNumber)
      }
      guard let number else { continue }
      guard let position = tokens.firstIndex(where: { $0.range == number.range }) else { continue }
      let unit = tokens[(position + 1)...].prefix(3).filter(\.isWord).map(\.folded)
      guard unit.contains(where: { ["miles", "mile", "points", "point", "avios"].contains($0) }), !unit.contains("per") else { continue }
      let codes = Set(Vocabulary.bookingCodeLists(in: tokens).flatMap(\.codes))
      return (Int(number.amount), Vocabulary.cabins(in: text), codes)
    }
    return nil
  }
}
