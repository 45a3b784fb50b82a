import Foundation

/// Elite tiers from tables (tier | qualification | bonus | alliance status, either way
/// round) and phrases ("Gold status requires 40,000 Loyalty Points").
///
/// Ranks follow the tiers' order from the lowest (1), the base membership left out.
/// Qualification metrics keep the page's name in title case ("Loyalty Points", "Tier
/// Points"; acronyms such as "PQP" and "XP" as written); alliance tiers are written
/// "Oneworld Ruby", "Star Alliance Gold", "SkyTeam Elite Plus".
public struct EliteTierExtractor: Sendable {
  public init() {}

  public func facts(in text: ProcessedText) -> [ExtractedFact] {
    facts(in: PageContext(text))
  }

  struct Tier {
    var name: String
    var qualification: [String: Double]
    var bonus: Double?
    var alliance: String?
    var evidence: String
    var confidence: Double
  }

  func facts(in page: PageContext) -> [ExtractedFact] {
    guard let program = page.program, program.kind == .airline else { return [] }
    var tiers: [Tier] = []
    for (index, block) in page.layout.blocks.enumerated() {
      switch block.content {
      case .table(let table):
        tiers += tableTiers(table, page: page, blockIndex: index)
      case .paragraph(let text), .listItem(let text):
        tiers += phraseTiers(text)
      case .heading: continue
      }
    }
    // One tier per name: a table's row wins over a phrase, details merged.
    var merged: [Tier] = []
    for tier in tiers {
      if let existing = merged.firstIndex(where: { TextTokens.fold($0.name) == TextTokens.fold(tier.name) }) {
        var current = merged[existing]
        for (metric, value) in tier.qualification where current.qualification[metric] == nil { current.qualification[metric] = value }
        current.bonus = current.bonus ?? tier.bonus
        current.alliance = current.alliance ?? tier.alliance
        current.confidence = max(current.confidence, tier.confidence)
        merged[existing] = current
      } else {
        merged.append(tier)
      }
    }
    merged.removeAll { $0.qualification.isEmpty && $0.bonus == nil && $0.alliance == nil }
    // The lowest tier first: by the first metric they share, else as listed.
    let metrics = merged.first?.qualification.keys.sorted() ?? []
    if let metric = metrics.first(where: { metric in merged.allSatisfy { $0.qualification[metric] != nil } }) {
      merged.sort { $0.qualification[metric]! < $1.qualification[metric]! }
    }
    return merged.enumerated().map { offset, tier in
      let fact = EliteTierFact(
        program: program.id, name: tier.name, rank: offset + 1, qualification: tier.qualification, bonusPercent: tier.bonus,
        allianceTier: tier.alliance)
      let confidence = tier.confidence - (1 - page.programConfidence) - (tier.qualification.isEmpty ? 0.2 : 0)
      return ExtractedFact(.eliteTier(fact), confidence: max(0, min(1, confidence)), evidence: tier.evidence)
    }
  }

  // MARK: Names

  static let tierWords: Set<String> = [
    "silver", "gold", "platinum", "diamond", "bronze", "ruby", "sapphire", "emerald", "titanium", "elite", "premier",
    "executive", "mosaic", "mvp", "senator", "frequent", "traveller", "traveler", "pro", "plus", "medallion", "1k", "25k", "35k",
    "50k", "75k", "100k", "super", "elite plus", "concierge", "key", "hon", "circle", "pps", "solitaire", "green", "jade",
    "black", "ivory", "red", "select", "million", "miler",
  ]

  static let baseTierNames: Set<String> = [
    "member", "members", "blue", "explorer", "basic", "base", "club", "general member", "general", "standard", "no status",
    "non elite", "green", "classic", "red", "trueblue", "aadvantage member", "mileageplus member", "skymiles member",
  ]

  /// The alliance status a text names, written the graph's way.
  static func allianceTier(in text: String) -> String? {
    let folded = " " + TextTokens.tokenize(text).filter(\.isWord).map(\.folded).joined(separator: " ") + " "
    let forms: [(String, String)] = [
      (" oneworld emerald ", "Oneworld Emerald"), (" oneworld sapphire ", "Oneworld Sapphire"), (" oneworld ruby ", "Oneworld Ruby"),
      (" one world emerald ", "Oneworld Emerald"), (" one world sapphire ", "Oneworld Sapphire"), (" one world ruby ", "Oneworld Ruby"),
      (" star alliance gold ", "Star Alliance Gold"), (" star alliance silver ", "Star Alliance Silver"),
      (" star gold ", "Star Alliance Gold"), (" star silver ", "Star Alliance Silver"),
      (" skyteam elite plus ", "SkyTeam Elite Plus"), (" skyteam elite ", "SkyTeam Elite"), (" sky team elite plus ", "SkyTeam Elite Plus"),
      (" sky team elite ", "SkyTeam Elite"),
    ]
    for (pattern, name) in forms where folded.contains(pattern) { return name }
    // A column headed "oneworld status" holding "Emerald".
    return nil
  }

  static func allianceTier(cell: String, header: String) -> String? {
    if let named = allianceTier(in: cell) { return named }
    if Vocabulary.isNoValue(cell) { return nil }
    let headerWords = TextTokens.fold(header)
    let cellWord = TextTokens.fold(cell.trimmingCharacters(in: .whitespaces))
    if headerWords.contains("oneworld") || headerWords.contains("one world") { return allianceTier(in: "oneworld " + cellWord) }
    if headerWords.contains("star alliance") { return allianceTier(in: "star alliance " + cellWord) }
    if headerWords.contains("skyteam") { return allianceTier(in: "skyteam " + cellWord) }
    return nil
  }

  /// A metric's name in title case, acronyms kept: "loyalty points" → "Loyalty Points".
  static func metricName(_ words: [String]) -> String {
    words.map { word in
      if word.count <= 4, word == word.uppercased(), word.contains(where: \.isLetter) { return word }
      return word.prefix(1).uppercased() + word.dropFirst().lowercased()
    }.joined(separator: " ")
  }

  private static let metricStopWords: Set<String> = [
    "or", "and", "in", "per", "within", "during", "required", "needed", "a", "each", "to", "from", "on", "by", "with", "plus",
    "including", "of", "over", "the", "annually", "yearly", "year", "calendar", "membership", "qualification", "for", "earned",
    "collected", "needs", "you", "is", "are", "at", "least", "get", "which", "that", "must",
  ]

  /// "40,000 Loyalty Points or 60 qualifying flights" → ["Loyalty Points": 40000,
  /// "Qualifying Flights": 60]. Metrics named before the number count too ("PQP: 5,000").
  static func qualifications(in text: String, defaultMetric: String? = nil) -> [String: Double] {
    let tokens = TextTokens.tokenize(text)
    var result: [String: Double] = [:]
    for (index, token) in tokens.enumerated() where token.isNumber {
      if index + 1 < tokens.count, tokens[index + 1].isSymbol(["%"]) { continue }
      var words: [String] = []
      var probe = index + 1
      while probe < tokens.count, words.count < 4 {
        let candidate = tokens[probe]
        guard candidate.isWord, !metricStopWords.contains(candidate.folded) else { break }
        words.append(candidate.text)
        probe += 1
      }
      var metric: String?
      let units: Set<String> = ["points", "point", "credits", "credit", "flights", "flight", "segments", "segment", "miles", "dollars", "sectors", "xp"]
      if !words.isEmpty, words.contains(where: { units.contains(TextTokens.fold($0)) }) || Self.isAcronym(words[0]) {
        metric = metricName(words)
      } else if index > 0 {
        // "PQP: 5,000", "MQD $5,000"
        let before = tokens[..<index].reversed().drop { $0.isSymbol([":", "$", "-", "–", "€", "£"]) }
        if let word = before.first, word.isWord, word.text.count <= 4, word.text == word.text.uppercased() {
          metric = word.text
        }
      }
      if metric == nil, words.isEmpty, let defaultMetric { metric = defaultMetric }
      guard let metric else { continue }
      if index > 0, tokens[index - 1].isSymbol(["$", "€", "£"]), words.isEmpty, metric == defaultMetric {
        result[metric] = token.amount
        continue
      }
      result[metric] = token.amount
    }
    return result
  }

  static func isAcronym(_ word: String) -> Bool {
    word.count >= 2 && word.count <= 4 && word == word.uppercased() && word.contains(where: \.isLetter)
  }

  // MARK: Tables

  private static let tierHeaders = ["tier", "status", "level", "membership level", "membership", "card", "elite status", "tier level"]
  private static let qualificationHeaders = [
    "qualification", "qualify", "qualifying", "required", "requirement", "requirements", "to reach", "needed", "points", "credits",
    "xp", "pqp", "mqd", "tier points", "loyalty points", "threshold", "earn",
  ]

  private func tableTiers(_ raw: LayoutTable, page: PageContext, blockIndex: Int) -> [Tier] {
    for candidate in [raw, raw.transposed] {
      let table = TableColumns.withHeader(candidate, headerWords: Self.tierHeaders + Self.qualificationHeaders + ["bonus", "alliance"])
      guard let header = table.header, table.columnCount >= 2 else { continue }
      // The tier column: named so, holding tier words.
      let tierShare = header.indices.map { column in
        TableColumns.share(table, column: column) { cell in
          TextTokens.tokenize(cell).contains { Self.tierWords.contains($0.folded) || Self.baseTierNames.contains($0.folded) }
        }
      }
      guard let tierColumn = header.indices.first(where: { tierShare[$0] >= 0.5 && TableColumns.mentions(header[$0], Self.tierHeaders) })
        ?? header.indices.first(where: { tierShare[$0] >= 0.6 })
      else { continue }
      let bonusColumn = header.indices.first { $0 != tierColumn && TableColumns.mentions(header[$0], ["bonus", "extra"]) }
      let allianceColumn = header.indices.first { column in
        column != tierColumn
          && (TableColumns.mentions(header[column], ["alliance", "oneworld", "star alliance", "skyteam"])
            || TableColumns.share(table, column: column) { Self.allianceTier(in: $0) != nil } >= 0.5)
      }
      let qualificationColumns = header.indices.filter { column in
        column != tierColumn && column != bonusColumn && column != allianceColumn
          && TableColumns.share(table, column: column) { !Vocabulary.numbers(in: $0).isEmpty } >= 0.5
          && !TableColumns.mentions(header[column], ["benefit", "benefits", "lounge", "bags", "baggage", "upgrades", "seat", "validity"])
      }
      guard !qualificationColumns.isEmpty || bonusColumn != nil else { continue }
      let headerNamed = TableColumns.mentions(header[tierColumn], Self.tierHeaders)
      var tiers: [Tier] = []
      for (offset, row) in table.bodyRows.enumerated() {
        let name = Self.tierName(table.cell(row, tierColumn))
        guard !name.isEmpty, !Self.baseTierNames.contains(TextTokens.fold(name)) else { continue }
        var qualification: [String: Double] = [:]
        for column in qualificationColumns {
          let cell = table.cell(row, column)
          guard !Vocabulary.isNoValue(cell) else { continue }
          let metric = Self.headerMetric(header[column])
          for (key, value) in Self.qualifications(in: cell, defaultMetric: metric) { qualification[key] = value }
        }
        // A tier reached with nothing ("Join for free", 0) is the base membership.
        if !qualificationColumns.isEmpty, qualification.isEmpty || qualification.values.allSatisfy({ $0 == 0 }) {
          if qualification.values.allSatisfy({ $0 == 0 }) && !qualification.isEmpty { continue }
          let text = row.joined(separator: " ")
          if TableColumns.mentions(text, ["join", "free", "enrol", "enroll", "sign up"]) { continue }
        }
        let bonus = bonusColumn.flatMap { Vocabulary.percent(in: table.cell(row, $0), bare: true) }
        let alliance = allianceColumn.flatMap { Self.allianceTier(cell: table.cell(row, $0), header: header[$0]) }
        let line = table.lines[min(table.headerRows + offset, table.lines.count - 1)]
        tiers.append(
          Tier(name: name, qualification: qualification, bonus: bonus, alliance: alliance, evidence: line, confidence: headerNamed ? 0.95 : 0.9))
      }
      if !tiers.isEmpty { return tiers }
    }
    return []
  }

  /// The metric a column header names: "Loyalty Points required" → "Loyalty Points",
  /// "Tier Points (per year)" → "Tier Points".
  static func headerMetric(_ header: String) -> String? {
    let tokens = TextTokens.tokenize(header)
    var words: [String] = []
    for token in tokens {
      if token.isSymbol(["(", "/"]) { break }
      guard token.isWord else { continue }
      if ["required", "needed", "to", "qualify", "qualification", "requirement", "requirements", "per", "year", "annual", "threshold", "min", "minimum", "in", "a", "earn"].contains(token.folded) {
        if !words.isEmpty { break }
        continue
      }
      words.append(token.text)
    }
    guard !words.isEmpty else { return nil }
    return metricName(words)
  }

  /// A tier cell without footnote marks or the alliance status beside it: "Gold*" → "Gold",
  /// "Gold (oneworld Sapphire)" → "Gold".
  static func tierName(_ cell: String) -> String {
    var name = cell
    if let open = name.firstIndex(of: "(") { name = String(name[..<open]) }
    name = name.filter { !"*†‡¹²³".contains($0) }
    for suffix in [" status", " tier", " Status", " Tier", " level", " Level", " members", " Members"] where name.hasSuffix(suffix) {
      name = String(name.dropLast(suffix.count))
    }
    return name.collapsed
  }

  // MARK: Phrases

  /// "Gold status requires 40,000 Loyalty Points", "To reach Silver, earn 300 Tier Points",
  /// "Platinum: 75,000 Loyalty Points and a 100% bonus".
  private func phraseTiers(_ text: String) -> [Tier] {
    guard !TableColumns.isPromotional(text) || TableColumns.mentions(text, ["status", "tier", "qualify"]) else { return [] }
    let tokens = TextTokens.tokenize(text)
    // The tier: capitalised tier words.
    var nameTokens: [TextToken] = []
    var start: Int?
    for (index, token) in tokens.enumerated() {
      let isTierWord = token.isWord && Self.tierWords.contains(token.folded) && (token.text.first?.isUppercase ?? false)
      let continues = token.isWord && (token.text.first?.isUppercase ?? false) || token.isNumber && token.thousands
      if isTierWord || (start != nil && continues && index == (start! + nameTokens.count)) {
        if start == nil { start = index }
        if index == start! + nameTokens.count { nameTokens.append(token) }
      } else if start != nil {
        break
      }
    }
    guard !nameTokens.isEmpty else { return [] }
    let name = nameTokens.map(\.text).joined(separator: " ")
    guard !Self.baseTierNames.contains(TextTokens.fold(name)) else { return [] }
    guard TableColumns.mentions(text, ["status", "tier", "qualify", "requires", "require", "reach", "need", "needs", "earn", "achieve", "members", "level"]) else { return [] }
    // The part of the text after the name holds its numbers.
    let rest = String(text[nameTokens.last!.range.upperBound...])
    var qualification = Self.qualifications(in: rest)
    if qualification.isEmpty { qualification = Self.qualifications(in: text) }
    // Percentages are bonuses, not thresholds.
    var bonus: Double?
    if TableColumns.mentions(rest, ["bonus", "extra"]) { bonus = Vocabulary.percent(in: rest) }
    qualification = qualification.filter { $0.value > 0 }
    let alliance = Self.allianceTier(in: text)
    guard !qualification.isEmpty || bonus != nil else { return [] }
    return [Tier(name: name, qualification: qualification, bonus: bonus, alliance: alliance, evidence: text, confidence: 0.85)]
  }
}
