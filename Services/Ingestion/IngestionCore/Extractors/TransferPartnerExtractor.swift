import Foundation

/// Transfer ratios: "1,000 points = 1,000 Avios", "transfer at 2:1", "1,000 Membership
/// Rewards points convert to 800 Flying Blue Miles", tables of partner | ratio | minimum.
///
/// Points leave the bank program when one side is a bank, else the page's program; the
/// other side is the row's or phrase's program (named, or an airline standing for its own
/// program). Ratios are reduced to lowest terms; the minimum and increment are as stated in
/// the row or section, else the block the page quotes.
public struct TransferPartnerExtractor: Sendable {
  public init() {}

  public func facts(in text: ProcessedText) -> [ExtractedFact] {
    facts(in: PageContext(text))
  }

  func facts(in page: PageContext) -> [ExtractedFact] {
    var facts: [ExtractedFact] = []
    for (index, block) in page.layout.blocks.enumerated() {
      switch block.content {
      case .table(let table): facts += tableFacts(table, blockIndex: index, page: page)
      case .paragraph(let text), .listItem(let text): facts += phraseFacts(text, blockIndex: index, page: page)
      case .heading: continue
      }
    }
    return facts
  }

  // MARK: Ratios

  struct Ratio: Equatable {
    var from: Int
    var to: Int
    /// The source points the page quotes ("1,000 points = 800 Avios" → 1,000; "2:1" → 2).
    var block: Int
  }

  /// A ratio in a phrase or cell: "1:1", "1,000 : 800", "2 to 1", "1,000 points = 800 Avios",
  /// "1,000 points convert to 800 miles", "1:0.8".
  static func ratio(in tokens: [TextToken]) -> Ratio? {
    for (index, token) in tokens.enumerated() where token.isNumber {
      if index > 0, tokens[index - 1].isSymbol(["$", "£", "€", "%"]) || tokens[index - 1].isWord(["up"]) { continue }
      var probe = index + 1
      var sawConnector = false
      var between = 0
      while probe < tokens.count, between <= 7 {
        let candidate = tokens[probe]
        if candidate.isNumber { break }
        if candidate.isSymbol([":", "=", "→", "⟶", "➔", ">"]) || candidate.isWord(["to", "into", "for", "becomes", "become", "equals", "equal", "gets", "get"]) {
          sawConnector = true
        } else if candidate.isSymbol(["%", "$", "£", "€", ".", ";", "(", ")"]) {
          break
        }
        probe += 1
        between += 1
      }
      guard sawConnector, probe < tokens.count, tokens[probe].isNumber else { continue }
      let second = tokens[probe]
      // "1:00" is a time; "2025" a year.
      if second.text.count > 1, second.text.hasPrefix("0"), !second.text.hasPrefix("0.") { continue }
      if probe + 1 < tokens.count, tokens[probe + 1].isSymbol(["%"]) { continue }
      // "1 to 2 business days", "1 to 31 March".
      let next = tokens[(probe + 1)...].first(where: \.isWord)?.folded ?? ""
      if ["days", "day", "hours", "hour", "business", "weeks", "week", "minutes"].contains(next) { continue }
      if Self.monthWords.contains(next), probe + 1 < tokens.count, tokens[probe + 1].isWord { continue }
      let words = tokens[(index + 1)..<probe].filter(\.isWord).map(\.folded)
      // Between two bare numbers only a colon or "to": "1:1", "2 to 1".
      if words.contains(where: { ["days", "day", "hours", "business", "weeks"].contains($0) }) { continue }
      guard token.amount > 0, second.amount > 0 else { continue }
      if let ratio = reduce(token.amount, second.amount) { return ratio }
    }
    return nil
  }

  private static let monthWords: Set<String> = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
  ]

  static func reduce(_ from: Double, _ to: Double) -> Ratio? {
    var scale = 1.0
    while (from * scale).rounded() != from * scale || (to * scale).rounded() != to * scale {
      scale *= 10
      if scale > 1000 { return nil }
    }
    let a = Int((from * scale).rounded())
    let b = Int((to * scale).rounded())
    let divisor = gcd(a, b)
    let reduced = Ratio(from: a / divisor, to: b / divisor, block: a / divisor)
    return scale == 1 ? Ratio(from: reduced.from, to: reduced.to, block: a) : reduced
  }

  static func gcd(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return max(x, 1)
  }

  // MARK: Minimum and increment

  /// "minimum transfer of 1,000 points", "minimum: 1,000", "in increments of 1,000",
  /// "in multiples of 500", "in 1,000-point blocks".
  static func limits(in text: String) -> (minimum: Int?, increment: Int?) {
    let tokens = TextTokens.tokenize(text)
    var minimum: Int?
    var increment: Int?
    // "1,000-point increments", "a 1,000-mile minimum": the number joined to the word before.
    func attached(before index: Int) -> TextToken? {
      let before = tokens[..<index].suffix(3)
      guard let number = before.first(where: \.isNumber) else { return nil }
      let between = before.drop { !$0.isNumber }.dropFirst()
      return between.allSatisfy({ $0.isSymbol(["-"]) || $0.isWord(["point", "points", "mile", "miles", "avios"]) }) ? number : nil
    }
    func following(_ index: Int, within: Int) -> TextToken? {
      tokens[(index + 1)...].prefix(within).first(where: \.isNumber)
    }
    for (index, token) in tokens.enumerated() where token.isWord {
      switch token.folded {
      case "minimum", "min", "least":
        if token.folded == "least", !tokens.contains(where: { $0.isWord(["transfer", "transfers", "convert"]) }) { continue }
        guard minimum == nil, let number = attached(before: index) ?? following(index, within: 5) else { continue }
        minimum = Int(number.amount)
      case "increments", "increment", "multiples", "multiple", "blocks", "block", "steps":
        guard increment == nil, let number = attached(before: index) ?? following(index, within: 3) else { continue }
        increment = Int(number.amount)
      default: continue
      }
    }
    return (minimum, increment)
  }

  private func scopedLimits(page: PageContext, blockIndex: Int) -> (minimum: Int?, increment: Int?) {
    let block = page.layout.blocks[blockIndex]
    let minimum = page.scoped(for: block, blockIndex: blockIndex) { candidate -> Int? in
      guard let text = candidate.text, !candidate.isHeading else { return nil }
      return Self.limits(in: text).minimum
    }
    let increment = page.scoped(for: block, blockIndex: blockIndex) { candidate -> Int? in
      guard let text = candidate.text, !candidate.isHeading else { return nil }
      return Self.limits(in: text).increment
    }
    return (minimum, increment)
  }

  // MARK: Direction

  /// Which way points go between the page's program and a partner.
  private func direction(page: PageContext, partner: LoyaltyProgram, partnerIsSource: Bool) -> (from: LoyaltyProgram, to: LoyaltyProgram)? {
    guard let own = page.program, own.id != partner.id else { return nil }
    if own.kind == .bank, partner.kind == .bank { return nil }
    if partner.kind == .bank { return (partner, own) }
    if own.kind == .bank { return (own, partner) }
    return partnerIsSource ? (partner, own) : (own, partner)
  }

  private func fact(
    from: LoyaltyProgram, to: LoyaltyProgram, ratio: Ratio, minimum: Int?, increment: Int?, confidence: Double, evidence: String
  ) -> ExtractedFact {
    let transfer = TransferRatio(
      fromProgram: from.id, toProgram: to.id, fromPoints: ratio.from, toPoints: ratio.to, minimum: minimum ?? ratio.block,
      increment: increment ?? ratio.block)
    return ExtractedFact(.transferRatio(transfer), confidence: max(0, min(1, confidence)), evidence: evidence)
  }

  // MARK: Tables

  private static let partnerHeaders: PhraseList = [
    "partner", "program", "programme", "airline", "loyalty program", "transfer to", "transfer partner", "frequent flyer",
  ]
  private static let ratioHeaders: PhraseList = ["ratio", "conversion", "rate", "exchange", "transfer rate", "points to", "converts"]
  private static let transferTableHeaders = partnerHeaders + ratioHeaders + ["minimum", "increment"]

  private func tableFacts(_ raw: LayoutTable, blockIndex: Int, page: PageContext) -> [ExtractedFact] {
    guard page.program != nil else { return [] }
    let table = TableColumns.withHeader(raw, headerWords: Self.transferTableHeaders)
    let header = table.header ?? []
    func headerCell(_ column: Int) -> String { column < header.count ? header[column] : "" }
    let width = table.columnCount
    let programShare = (0..<width).map { TableColumns.share(table, column: $0) { PageContext.program(in: $0) != nil } }
    let ratioShare = (0..<width).map { TableColumns.share(table, column: $0) { Self.ratio(in: TextTokens.tokenize($0)) != nil } }
    guard let partnerColumn = (0..<width).first(where: { programShare[$0] >= 0.5 && TableColumns.mentions(headerCell($0), Self.partnerHeaders) })
      ?? (0..<width).max(by: { programShare[$0] < programShare[$1] }), programShare[partnerColumn] >= 0.4
    else { return [] }
    let ratioColumn = (0..<width).first { $0 != partnerColumn && ratioShare[$0] >= 0.5 && TableColumns.mentions(headerCell($0), Self.ratioHeaders) }
      ?? (0..<width).filter { $0 != partnerColumn }.max { ratioShare[$0] < ratioShare[$1] }
    // Or two columns of amounts: "Points | Miles".
    var amountColumns: (Int, Int)?
    if ratioColumn == nil || ratioShare[ratioColumn!] < 0.5 {
      let numeric = (0..<width).filter { column in
        column != partnerColumn && TableColumns.share(table, column: column) { Vocabulary.number(in: $0) != nil } >= 0.8
          && !TableColumns.mentions(headerCell(column), ["minimum", "min", "increment", "multiples", "days", "time", "bonus"])
      }
      guard numeric.count >= 2 else { return [] }
      amountColumns = (numeric[0], numeric[1])
    }
    let minimumColumn = (0..<width).first { TableColumns.mentions(headerCell($0), ["minimum", "min", "minimum transfer"]) }
    let incrementColumn = (0..<width).first { TableColumns.mentions(headerCell($0), ["increment", "increments", "multiples", "multiple", "blocks", "block"]) }
    let partnerIsSource = TableColumns.mentions(headerCell(partnerColumn), ["from", "source", "transfer from"])
    let headerNamed = TableColumns.mentions(headerCell(partnerColumn), Self.partnerHeaders)
    let scoped = scopedLimits(page: page, blockIndex: blockIndex)
    var facts: [ExtractedFact] = []
    for (offset, row) in table.bodyRows.enumerated() {
      let line = table.lines[min(table.headerRows + offset, table.lines.count - 1)]
      guard let (partner, named) = PageContext.program(in: table.cell(row, partnerColumn)) else { continue }
      let ratio: Ratio?
      if let (fromColumn, toColumn) = amountColumns {
        ratio = Vocabulary.number(in: table.cell(row, fromColumn)).flatMap { from in
          Vocabulary.number(in: table.cell(row, toColumn)).flatMap { Self.reduce(from, $0) }
        }
      } else {
        ratio = Self.ratio(in: TextTokens.tokenize(table.cell(row, ratioColumn!)))
      }
      guard let ratio, let (from, to) = direction(page: page, partner: partner, partnerIsSource: partnerIsSource) else { continue }
      let rowLimits = Self.limits(in: table.cell(row, ratioColumn ?? partnerColumn))
      let minimum = minimumColumn.flatMap { Vocabulary.numbers(in: table.cell(row, $0)).first }.map { Int($0) } ?? rowLimits.minimum ?? scoped.minimum
      let increment = incrementColumn.flatMap { Vocabulary.numbers(in: table.cell(row, $0)).first }.map { Int($0) } ?? rowLimits.increment ?? scoped.increment
      var confidence = headerNamed ? 0.95 : 0.9
      if !named { confidence -= 0.05 }
      confidence -= 1 - page.programConfidence
      facts.append(self.fact(from: from, to: to, ratio: ratio, minimum: minimum, increment: increment, confidence: confidence, evidence: line))
    }
    return facts
  }

  // MARK: Phrases

  private static let transferWords: PhraseList = [
    "transfer", "transfers", "convert", "converts", "conversion", "ratio", "=", "exchange", "move", "moves",
  ]
  private static let offerWords: PhraseList = ["bonus", "offer", "promotion", "limited time", "until"]

  private func phraseFacts(_ text: String, blockIndex: Int, page: PageContext) -> [ExtractedFact] {
    guard let own = page.program else { return [] }
    let tokens = TextTokens.tokenize(text)
    guard let ratio = Self.ratio(in: tokens) else { return [] }
    // A ratio needs transfer wording, in the phrase or, for a list item, its list's heading
    // or introduction.
    let block = page.layout.blocks[blockIndex]
    var context = [text]
    if case .listItem = block.content {
      context += [page.leadIn(ofBlockAt: blockIndex)].compactMap { $0 } + page.headingTexts(for: block)
    }
    guard context.contains(where: { TableColumns.mentions($0, Self.transferWords) }) else { return [] }
    guard !TableColumns.mentions(text, Self.offerWords) else { return [] }
    var partners: [(program: LoyaltyProgram, named: Bool)] = []
    let namedPrograms = ProgramDirectory.mentions(in: text)
    for program in namedPrograms where program.id != own.id && !partners.contains(where: { $0.program.id == program.id }) {
      partners.append((program, true))
    }
    for mention in PageContext.airlineMentions(in: text) {
      guard let program = ProgramDirectory.program(ofAirline: mention.airline.code), program.id != own.id,
        !partners.contains(where: { $0.program.id == program.id })
      else { continue }
      partners.append((program, false))
    }
    // "In either direction between any two of A, B and C": every ordered pair.
    if TableColumns.mentions(text, ["between any two", "either direction", "both directions", "any two of"]) {
      var programs: [LoyaltyProgram] = []
      for program in namedPrograms where !programs.contains(where: { $0.id == program.id }) { programs.append(program) }
      guard programs.count >= 2 else { return [] }
      let limits = Self.limits(in: text)
      return programs.flatMap { from in
        programs.filter { $0.id != from.id }.map { to in
          fact(from: from, to: to, ratio: ratio, minimum: limits.minimum, increment: limits.increment, confidence: 0.85, evidence: text)
        }
      }
    }
    var confidence = 0.85
    if partners.isEmpty {
      // The section's program: "## British Airways Club" then "Transfer at 1:1".
      for heading in page.layout.headings(of: block).reversed() {
        if let (program, named) = PageContext.program(in: heading), program.id != own.id {
          partners.append((program, named))
          confidence -= 0.05
          break
        }
      }
    }
    guard !partners.isEmpty else { return [] }
    let limits = Self.limits(in: text)
    let scoped = scopedLimits(page: page, blockIndex: blockIndex)
    var facts: [ExtractedFact] = []
    let partnerIsSource = TableColumns.mentions(text, ["from"]) && !TableColumns.mentions(text, ["to"])
    for partner in partners {
      guard let (from, to) = direction(page: page, partner: partner.program, partnerIsSource: partnerIsSource) else { continue }
      var factConfidence = confidence - (partner.named ? 0 : 0.05)
      // The page's program is the other side unless the phrase names it.
      if !namedPrograms.contains(where: { $0.id == own.id }) { factConfidence -= 1 - page.programConfidence }
      facts.append(
        fact(
          from: from, to: to, ratio: ratio, minimum: limits.minimum ?? scoped.minimum, increment: limits.increment ?? scoped.increment,
          confidence: factConfidence, evidence: text))
    }
    return facts
  }
}
