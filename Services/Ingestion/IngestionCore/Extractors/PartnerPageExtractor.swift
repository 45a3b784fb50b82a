import Foundation

/// Partner airlines: tables with earn/redeem columns (✓/✗, Yes/No, ●, "Earn only"), lines
/// such as "Earn and redeem on: Iberia, Finnair and Qatar Airways" or "Qatar Airways — earn
/// only", and lists of airlines under a heading that says what they are for. The program's
/// own airlines are not its partners.
public struct PartnerPageExtractor: Sendable {
  public init() {}

  public func facts(in text: ProcessedText) -> [ExtractedFact] {
    facts(in: PageContext(text))
  }

  private struct Found {
    var earn: Bool
    var redeem: Bool
    var confidence: Double
    var evidence: String
  }

  func facts(in page: PageContext) -> [ExtractedFact] {
    guard let program = page.program, program.kind == .airline else { return [] }
    let own = Set([program.airline].compactMap { $0 } + program.otherAirlines)
    var found: [String: Found] = [:]
    var order: [String] = []
    func record(_ code: String, earn: Bool, redeem: Bool, confidence: Double, evidence: String) {
      guard !own.contains(code), earn || redeem else { return }
      if var existing = found[code] {
        existing.earn = existing.earn || earn
        existing.redeem = existing.redeem || redeem
        existing.confidence = max(existing.confidence, confidence)
        found[code] = existing
      } else {
        found[code] = Found(earn: earn, redeem: redeem, confidence: confidence, evidence: evidence)
        order.append(code)
      }
    }
    for (index, block) in page.layout.blocks.enumerated() {
      switch block.content {
      case .table(let table):
        for row in tableRows(table, page: page, blockIndex: index) {
          record(row.code, earn: row.earn, redeem: row.redeem, confidence: row.confidence, evidence: row.evidence)
        }
      case .paragraph(let text), .listItem(let text):
        let isListItem = if case .listItem = block.content { true } else { false }
        for row in lineRows(text, isListItem: isListItem, page: page, blockIndex: index) {
          record(row.code, earn: row.earn, redeem: row.redeem, confidence: row.confidence, evidence: row.evidence)
        }
      case .heading: continue
      }
    }
    return order.compactMap { code in
      guard let partner = found[code] else { return nil }
      let confidence = partner.confidence - (1 - page.programConfidence)
      return ExtractedFact(
        .partner(Partner(program: program.id, airline: code, earn: partner.earn, redeem: partner.redeem)),
        confidence: max(0, min(1, confidence)), evidence: partner.evidence)
    }
  }

  // MARK: Wording

  /// What a phrase says airlines are for: "earn only", "redeem only", "earn and redeem".
  static func uses(in text: String) -> (earn: Bool, redeem: Bool)? {
    let text = FoldedText(text)
    if TableColumns.mentions(text, earnOnlyWords) { return (true, false) }
    if TableColumns.mentions(text, redeemOnlyWords) { return (false, true) }
    let earn = TableColumns.mentions(text, earnWords)
    let redeem = TableColumns.mentions(text, redeemWords)
    guard earn || redeem else { return nil }
    // "cannot redeem", "not available for redemption"
    let negatedRedeem = TableColumns.mentions(text, negatedRedeemWords)
    let negatedEarn = TableColumns.mentions(text, negatedEarnWords)
    return (earn && !negatedEarn, redeem && !negatedRedeem)
  }

  private static let earnOnlyWords: PhraseList = [
    "earn only", "earning only", "accrual only", "earn miles only", "earn points only", "collect only",
  ]
  private static let redeemOnlyWords: PhraseList = [
    "redeem only", "redemption only", "redemptions only", "spend only", "awards only", "redeem miles only",
  ]
  private static let earnWords: PhraseList = ["earn", "earning", "earns", "accrue", "accrual", "collect", "collecting"]
  private static let redeemWords: PhraseList = [
    "redeem", "redeeming", "redemption", "redemptions", "spend", "spending", "use your", "award flights", "award travel",
    "book awards", "reward flights",
  ]
  private static let negatedRedeemWords: PhraseList = [
    "cannot redeem", "can't redeem", "not redeem", "no redemption", "not available for redemption",
  ]
  private static let negatedEarnWords: PhraseList = ["cannot earn", "can't earn", "not earn", "no earning"]

  // MARK: Tables

  private struct Row {
    var code: String
    var earn: Bool
    var redeem: Bool
    var confidence: Double
    var evidence: String
  }

  private func tableRows(_ raw: LayoutTable, page: PageContext, blockIndex: Int) -> [Row] {
    let table = TableColumns.withHeader(raw, headerWords: ["airline", "partner", "carrier", "earn", "redeem"])
    guard let header = table.header else { return [] }
    let width = table.columnCount
    let airlineShare = (0..<width).map { TableColumns.share(table, column: $0, Self.isAirlineCell) }
    guard let airlineColumn = (0..<width).first(where: { airlineShare[$0] >= 0.5 && TableColumns.mentions(table.cell(header, $0), ["airline", "partner", "carrier", "airlines"]) })
      ?? (0..<width).max(by: { airlineShare[$0] < airlineShare[$1] }), airlineShare[airlineColumn] >= 0.5
    else { return [] }
    func headerCell(_ column: Int) -> String { table.cell(header, column) }
    let earnColumn = (0..<width).first { $0 != airlineColumn && TableColumns.mentions(headerCell($0), ["earn", "earning", "accrue", "accrual", "collect"]) && !TableColumns.mentions(headerCell($0), ["redeem", "redemption"]) }
    let redeemColumn = (0..<width).first { $0 != airlineColumn && TableColumns.mentions(headerCell($0), ["redeem", "redemption", "redemptions", "spend", "awards", "award"]) && !TableColumns.mentions(headerCell($0), ["earn", "earning"]) }
    let usesColumn = (0..<width).first { column in
      column != airlineColumn && column != earnColumn && column != redeemColumn
        && TableColumns.share(table, column: column) { Self.uses(in: $0) != nil } >= 0.5
    }
    // Without such columns the section says what the airlines are for.
    let sectionUses =
      earnColumn == nil && redeemColumn == nil && usesColumn == nil
      ? (page.caption(ofBlockAt: blockIndex) + page.headingTexts(for: page.layout.blocks[blockIndex]).dropLast()).lazy.compactMap(Self.uses(in:)).first
      : nil
    guard earnColumn != nil || redeemColumn != nil || usesColumn != nil || sectionUses != nil else { return [] }
    var rows: [Row] = []
    for (offset, row) in table.bodyRows.enumerated() {
      guard Self.isAirlineCell(table.cell(row, airlineColumn)), let airline = AirlineDirectory.airline(named: table.cell(row, airlineColumn)) else { continue }
      let line = table.lines[min(table.headerRows + offset, table.lines.count - 1)]
      var earn = false
      var redeem = false
      var confidence = 0.95
      if let earnColumn { earn = TableColumns.isYes(table.cell(row, earnColumn)) ?? false }
      if let redeemColumn { redeem = TableColumns.isYes(table.cell(row, redeemColumn)) ?? false }
      if let usesColumn, let uses = Self.uses(in: table.cell(row, usesColumn)) {
        earn = earn || uses.earn
        redeem = redeem || uses.redeem
      }
      if let sectionUses {
        earn = sectionUses.earn
        redeem = sectionUses.redeem
        confidence = 0.85
      }
      rows.append(Row(code: airline.code, earn: earn, redeem: redeem, confidence: confidence, evidence: line))
    }
    return rows
  }

  /// A cell that is an airline's name, perhaps with its code ("Lufthansa (LH)"), not a
  /// cabin that carries a brand ("Business (Delta One)").
  static func isAirlineCell(_ cell: String) -> Bool {
    guard AirlineDirectory.airline(named: cell) != nil, Vocabulary.cabin(in: cell) == nil else { return false }
    let mentions = PageContext.airlineMentions(in: cell)
    let others = TextTokens.tokenize(cell).enumerated().filter { index, token in
      token.isWord && !mentions.contains { $0.tokens.contains(index) } && !token.isBookingCodeShape && token.text.count > 2
    }
    return others.count <= 3
  }

  static func unique(_ codes: [String]) -> [String] {
    codes.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
  }

  // MARK: Lines

  private func lineRows(_ text: String, isListItem: Bool, page: PageContext, blockIndex: Int) -> [Row] {
    let mentions = PageContext.airlineMentions(in: text)
    guard !mentions.isEmpty else { return [] }
    let codes = mentions.map(\.airline.code)
    // "Earn and redeem on: Iberia, Finnair and Qatar Airways"
    if let colon = text.firstIndex(of: ":") {
      let lead = String(text[..<colon])
      let list = String(text[text.index(after: colon)...])
      let listed = PageContext.airlineMentions(in: list).map(\.airline.code)
      if let uses = Self.uses(in: lead), !listed.isEmpty, PageContext.airlineMentions(in: lead).isEmpty {
        return Self.unique(listed).map { Row(code: $0, earn: uses.earn, redeem: uses.redeem, confidence: 0.9, evidence: text) }
      }
    }
    // A paragraph that only lists airlines, after one saying what for ("Collect and spend
    // Avios on these airlines:").
    if !isListItem, let previous = blockIndex > 0 ? page.layout.blocks[blockIndex - 1].text : nil, previous.hasSuffix(":"),
      page.layout.blocks[blockIndex - 1].section == page.layout.blocks[blockIndex].section, let uses = Self.uses(in: previous)
    {
      let otherWords = TextTokens.tokenize(text).enumerated().filter { index, token in
        token.isWord && !mentions.contains { $0.tokens.contains(index) } && !["and", "or", "airlines", "airways"].contains(token.folded)
      }
      if otherWords.count <= 2 {
        return Self.unique(codes).map { Row(code: $0, earn: uses.earn, redeem: uses.redeem, confidence: 0.85, evidence: text) }
      }
    }
    // A list item naming airlines, with its own uses ("Qatar Airways — earn only") or its
    // heading's ("Earn and redeem with these partners").
    guard isListItem || TextTokens.tokenize(text).filter(\.isWord).count <= 8 else { return [] }
    let block = page.layout.blocks[blockIndex]
    // Words besides the airlines' names: a list entry has few ("Qatar Airways — earn only").
    let otherWords = TextTokens.tokenize(text).enumerated().filter { index, token in
      token.isWord && !mentions.contains { $0.tokens.contains(index) } && !["and", "or", "airlines", "airways"].contains(token.folded)
    }
    if let uses = Self.uses(in: text) {
      guard otherWords.count <= 5, isListItem || TableColumns.mentions(text, ["only", "and redeem", "and earn"]) else { return [] }
      return Self.unique(codes).map { Row(code: $0, earn: uses.earn, redeem: uses.redeem, confidence: 0.85, evidence: text) }
    }
    guard isListItem, otherWords.count <= 2 else { return [] }
    let headings = [page.leadIn(ofBlockAt: blockIndex)].compactMap { $0 } + page.layout.headings(of: block).reversed()
    guard let uses = headings.lazy.compactMap(Self.uses(in:)).first else { return [] }
    return Self.unique(codes).map { Row(code: $0, earn: uses.earn, redeem: uses.redeem, confidence: 0.85, evidence: text) }
  }
}
