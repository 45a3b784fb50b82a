import Foundation

/// Revenue-based earning: "earn 5 miles per US dollar … Gold members earn 7", "5 Avios per
/// £1", tables of status → miles per dollar. One `revenue_rate` per section, its tiers
/// gathered from every statement in it.
struct RevenueRateReader {
  private struct Statement {
    var tier: String
    var rate: Double
    var currency: String?
    var evidence: String
    var fromTable: Bool
  }

  /// Words that name the base member rather than a tier.
  static let baseTierNames: Set<String> = [
    "member", "members", "general member", "general members", "base", "base member", "base members", "basic", "standard",
    "non elite", "non elite members", "all members", "everyone", "general", "no status", "blue", "explorer", "club", "regular",
    "non status", "classic", "you", "customers", "travellers", "travelers",
  ]

  func facts(in page: PageContext, program: LoyaltyProgram) -> [ExtractedFact] {
    // Statements grouped by the section that holds the one naming a currency.
    var groups: [(anchor: Int, currency: String, statements: [Statement])] = []
    var lastUnitBlock: Int?
    for (index, block) in page.layout.blocks.enumerated() {
      switch block.content {
      case .table(let table):
        let statements = tableStatements(table)
        if let currency = statements.compactMap(\.currency).first {
          groups.append((index, currency, statements))
          lastUnitBlock = index
        }
      case .paragraph(let text), .listItem(let text):
        guard !Self.isCardOffer(text) else { continue }
        let hasUnit = Self.currencyAfterPer(in: TextTokens.tokenize(text)) != nil
        // A tier line after a sentence naming the unit, in the same section ("Gold members earn 7").
        let continues =
          !hasUnit && lastUnitBlock.map { previous in
            index - previous <= 6 && page.layout.blocks[previous].section == block.section
          } ?? false
        guard hasUnit || continues else { continue }
        let statements = phraseStatements(text, requireUnit: !continues)
        guard !statements.isEmpty else { continue }
        if hasUnit, let currency = statements.compactMap(\.currency).first,
          !(groups.last.map { page.layout.blocks[$0.anchor].section == block.section && $0.currency == currency } ?? false)
        {
          groups.append((index, currency, statements))
        } else if !groups.isEmpty {
          groups[groups.count - 1].statements += statements
        }
        if hasUnit { lastUnitBlock = index }
      case .heading: continue
      }
    }
    return groups.compactMap { group in
      var rates: [String: Double] = [:]
      for statement in group.statements where rates[statement.tier] == nil { rates[statement.tier] = statement.rate }
      guard !rates.isEmpty else { return nil }
      let carriers = carriers(page: page, blockIndex: group.anchor, program: program)
      let anchor = page.layout.blocks[group.anchor]
      var confidence = group.statements.allSatisfy(\.fromTable) ? 0.95 : 0.9
      if carriers.guessed { confidence -= 0.05 }
      confidence -= 1 - page.programConfidence
      let fact = RevenueRate(
        program: program.id, carriers: carriers.codes, currency: group.currency, rates: rates,
        effectiveDate: page.effectiveDate(for: anchor, at: group.anchor))
      return ExtractedFact(
        .revenueRate(fact), confidence: max(0, confidence),
        evidence: group.statements.map(\.evidence).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: " / "))
    }
  }

  static func isCardOffer(_ text: String) -> Bool {
    TableColumns.mentions(text, cardOfferWords)
  }

  private static let cardOfferWords: PhraseList = [
    "card", "cardmember", "cardmembers", "purchases", "purchase", "dining", "groceries", "grocery", "hotels", "hotel",
    "restaurants", "rent", "welcome bonus", "bonus points", "up to", "spend", "statement",
  ]

  // MARK: Currency

  /// The ISO code of the unit after "per"/"for every"/"for each": "$1", "US dollar", "£",
  /// "euro", "USD".
  static func currencyAfterPer(in tokens: [TextToken]) -> (currency: String, index: Int)? {
    for (index, token) in tokens.enumerated() where token.isWord(["per", "every", "each"]) {
      // The unit comes right after a number of miles: "5 miles per".
      let before = tokens[..<index].suffix(3)
      guard before.contains(where: { $0.isWord(["miles", "mile", "points", "point", "avios", "mi", "pts", "for"]) }) else { continue }
      if let currency = currency(in: Array(tokens[(index + 1)...].prefix(4))) { return (currency, index) }
    }
    return nil
  }

  static func currency(in tokens: [TextToken]) -> String? {
    for (offset, token) in tokens.enumerated() {
      switch token.folded {
      case "$":
        // "US$", "C$", "CA$", "A$", "AU$", "S$", "HK$"
        if offset > 0 {
          switch tokens[offset - 1].folded {
          case "c", "ca", "cad": return "CAD"
          case "a", "au", "aud": return "AUD"
          case "s", "sgd": return "SGD"
          case "hk": return "HKD"
          case "nz": return "NZD"
          default: break
          }
        }
        return "USD"
      case "£": return "GBP"
      case "€": return "EUR"
      case "usd", "gbp", "eur", "cad", "aud", "sgd", "hkd", "qar", "aed", "chf", "jpy", "nzd": return token.text.uppercased()
      case "dollar", "dollars":
        let before = tokens[..<offset].map(\.folded)
        if before.contains("canadian") { return "CAD" }
        if before.contains("australian") { return "AUD" }
        if before.contains("singapore") { return "SGD" }
        return "USD"
      case "pound", "pounds", "sterling": return "GBP"
      case "euro", "euros": return "EUR"
      default: continue
      }
    }
    return nil
  }

  // MARK: Phrases

  private func phraseStatements(_ text: String, requireUnit: Bool) -> [Statement] {
    let tokens = TextTokens.tokenize(text)
    let unit = Self.currencyAfterPer(in: tokens)
    if requireUnit, unit == nil { return [] }
    var statements: [Statement] = []
    for (index, token) in tokens.enumerated() where token.isNumber {
      // Not "$1", not a percentage, not a year, not "1,000".
      if index > 0, tokens[index - 1].isSymbol(["$", "£", "€"]) { continue }
      if index + 1 < tokens.count, tokens[index + 1].isSymbol(["%"]) || tokens[index + 1].isWord(["x"]) { continue }
      guard token.value > 0, token.value <= 40, !token.thousands else { continue }
      let after = tokens[(index + 1)...].prefix(2)
      if let next = after.first, next.isWord, !next.isWord(["miles", "mile", "points", "point", "avios", "and", "or"]) { continue }
      if let next = after.first, next.isWord(["miles", "mile", "points", "point", "avios"]) {
        // "5 miles per dollar", or "5 miles" inside a sentence that names the unit.
      } else if unit == nil && requireUnit {
        continue
      }
      guard let tier = tier(before: index, in: tokens) else { continue }
      statements.append(Statement(tier: tier, rate: token.value, currency: unit?.currency, evidence: text, fromTable: false))
    }
    return statements
  }

  /// The tier a rate belongs to, from the words before it: "Gold members earn 7" → "Gold",
  /// "Members earn 5" → "", "Silver: 7" → "Silver". Nil when the number is not a rate.
  private func tier(before index: Int, in tokens: [TextToken]) -> String? {
    let connectors: Set<String> = [
      "earn", "earns", "get", "gets", "receive", "receives", "will", "can", "collect", "collects", "members", "member", "elites",
      "elite", "status", "level", "a", "an", "of", "rate", "tier", ":", "-", "—", "–", ",", "is", "at",
    ]
    var probe = index - 1
    var sawConnector = false
    while probe >= 0, connectors.contains(tokens[probe].folded) {
      sawConnector = true
      probe -= 1
    }
    var words: [String] = []
    while probe >= 0 {
      let token = tokens[probe]
      let capitalised = token.isWord && (token.text.first?.isUppercase ?? false)
      let tierNumber = token.isNumber && token.thousands
      guard capitalised || tierNumber else { break }
      if ["Earn", "Earns", "You", "All", "And", "Or", "With", "On", "The", "For"].contains(token.text) { break }
      words.insert(token.text, at: 0)
      probe -= 1
    }
    if words.isEmpty {
      // "3 points per dollar for Mosaic members"
      if let forIndex = tokens[index...].firstIndex(where: { $0.isWord(["for"]) }), forIndex - index <= 8 {
        let after = tokens[(forIndex + 1)...].prefix { $0.isWord && !$0.isWord(["members", "member", "customers"]) }
        let named = after.map(\.text).joined(separator: " ")
        if !named.isEmpty, after.count <= 3, after.allSatisfy({ $0.text.first?.isUppercase == true }) { return Self.tierKey(named) }
      }
      return sawConnector || index == 0 ? "" : nil
    }
    let name = words.joined(separator: " ")
    let folded = TextTokens.fold(name)
    if Self.baseTierNames.contains(folded) || ProgramDirectory.program(named: name) != nil { return "" }
    // Names of programs before "members" ("MileagePlus members") are the base.
    if ProgramDirectory.mentions(in: name).count > 0 { return "" }
    return name
  }

  // MARK: Tables

  private func tableStatements(_ table: LayoutTable) -> [Statement] {
    for candidate in [table, table.transposed] {
      let withHeader = TableColumns.withHeader(candidate, headerWords: ["per", "status", "tier", "level"])
      guard let header = withHeader.header else { continue }
      // The rate column names its unit: "Miles per US dollar", "Avios per £1".
      guard
        let rateColumn = header.indices.first(where: { column in
          Self.currencyAfterPer(in: TextTokens.tokenize(header[column])) != nil
            || (TableColumns.mentions(header[column], ["per"]) && Self.currency(in: TextTokens.tokenize(header[column])) != nil)
        })
      else { continue }
      let currency = Self.currency(in: TextTokens.tokenize(header[rateColumn]))
      let tierColumn = header.indices.first { $0 != rateColumn } ?? 0
      var statements: [Statement] = []
      for (offset, row) in withHeader.bodyRows.enumerated() {
        let name = withHeader.cell(row, tierColumn).trimmingSpaces
        guard let rate = Vocabulary.number(in: withHeader.cell(row, rateColumn)), rate > 0, rate <= 40 else { continue }
        let line = withHeader.lines[min(withHeader.headerRows + offset, withHeader.lines.count - 1)]
        // "Gold and Gold Guest List": two tiers at one rate.
        for part in Self.tierNames(inCell: name) {
          statements.append(Statement(tier: Self.tierKey(part), rate: rate, currency: currency, evidence: line, fromTable: true))
        }
      }
      if !statements.isEmpty { return statements }
    }
    return []
  }

  /// The tiers a cell names, split at "and", "&", "/" and commas.
  static func tierNames(inCell cell: String) -> [String] {
    var parts = [cell]
    for separator in [" and ", " & ", "/", ","] {
      parts = parts.flatMap { $0.components(separatedBy: separator) }
    }
    let names = parts.map(\.collapsed).filter { !$0.isEmpty }
    return names.isEmpty ? [""] : names
  }

  /// A tier's key in `rates`: "" for the base member whatever the page calls it.
  static func tierKey(_ name: String) -> String {
    var words = name.split(separator: " ").map(String.init)
    if let last = words.last, ["members", "member", "Members", "Member"].contains(last) { words.removeLast() }
    let tier = words.joined(separator: " ")
    let folded = TextTokens.fold(tier)
    if tier.isEmpty || baseTierNames.contains(folded) || ProgramDirectory.program(named: tier) != nil { return "" }
    return tier
  }

  // MARK: Carriers

  private func carriers(page: PageContext, blockIndex: Int, program: LoyaltyProgram) -> (codes: [String], guessed: Bool) {
    let block = page.layout.blocks[blockIndex]
    var texts: [String] = []
    if let text = block.text { texts.append(text) }
    texts += page.caption(ofBlockAt: blockIndex) + page.headingTexts(for: block)
    for text in texts {
      let codes = Set(PageContext.airlineMentions(in: text).map(\.airline.code))
      if !codes.isEmpty { return (codes.sorted(), false) }
    }
    guard let own = program.airline else { return ([], true) }
    return ([own], true)
  }
}
