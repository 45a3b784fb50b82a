import Foundation

/// Elite tiers from tables (tier | qualification | bonus | alliance status, either way
/// round) and phrases ("Gold status requires 40,000 Loyalty Points").
///
/// Ranks follow the tiers' order from the lowest (1), the base membership left out.
/// Qualification metrics keep the page's name in title case ("Loyalty Points", "Tier
/// Points"; acronyms such as "PQP" and "XP" as written); alliance tiers are written
/// "oneworld Ruby", "Star Alliance Gold", "SkyTeam Elite Plus".
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
    // Each section's tier name, read once for all its paragraphs.
    var sectionNames: [Int: String?] = [:]
    for (index, block) in page.layout.blocks.enumerated() {
      switch block.content {
      case .table(let table):
        tiers += tableTiers(table, page: page, blockIndex: index)
      case .paragraph(let text), .listItem(let text):
        let heading = block.section.last ?? -1
        if sectionNames[heading] == nil { sectionNames[heading] = sectionTierName(of: block, page: page) }
        tiers += phraseTiers(text, sectionName: sectionNames[heading]!, acronyms: page.acronyms)
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
    // A tier is one the page gives a threshold; what is said of others ("Gold members also
    // enjoy …") only adds to them.
    merged.removeAll { $0.qualification.isEmpty }
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
    let words = TextTokens.tokenize(text).filter(\.isWord).map(\.folded)
    for (form, name) in allianceForms where words.count >= form.count {
      for start in 0...(words.count - form.count) where words[start..<(start + form.count)].elementsEqual(form) { return name }
    }
    return nil
  }

  /// The alliance statuses as pages write them (folded words), first match wins.
  private static let allianceForms: [(words: [String], name: String)] = [
    ("oneworld emerald", "oneworld Emerald"), ("oneworld sapphire", "oneworld Sapphire"), ("oneworld ruby", "oneworld Ruby"),
    ("one world emerald", "oneworld Emerald"), ("one world sapphire", "oneworld Sapphire"), ("one world ruby", "oneworld Ruby"),
    ("star alliance gold", "Star Alliance Gold"), ("star alliance silver", "Star Alliance Silver"),
    ("star gold", "Star Alliance Gold"), ("star silver", "Star Alliance Silver"),
    ("skyteam elite plus", "SkyTeam Elite Plus"), ("skyteam elite", "SkyTeam Elite"), ("sky team elite plus", "SkyTeam Elite Plus"),
    ("sky team elite", "SkyTeam Elite"),
  ].map { (words: $0.0.split(separator: " ").map(String.init), name: $0.1) }

  /// The alliance status a cell names, or, in a column headed "oneworld status", the one
  /// its word completes ("Emerald").
  static func allianceTier(cell: String, header: String) -> String? {
    if let named = allianceTier(in: cell) { return named }
    if Vocabulary.isNoValue(cell) { return nil }
    let headerWords = TextTokens.fold(header)
    func says(_ name: String) -> Bool { PhraseList.contains(headerWords, name) }
    guard says("oneworld") || says("one world") || says("star alliance") || says("skyteam") else { return nil }
    let cellWord = TextTokens.fold(cell.trimmingSpaces)
    if says("oneworld") || says("one world") { return allianceTier(in: "oneworld " + cellWord) }
    if says("star alliance") { return allianceTier(in: "star alliance " + cellWord) }
    return allianceTier(in: "skyteam " + cellWord)
  }

  private static let allianceHeaders: PhraseList = ["alliance", "oneworld", "one world", "star alliance", "skyteam", "sky team"]
  private static let allianceWords: Set<String> = ["oneworld", "one", "world", "star", "alliance", "skyteam", "sky", "team"]

  /// Whether a cell is an alliance status and nothing more: "Star Alliance Gold", "Ruby" in a
  /// column headed "oneworld status"; not a tier named with its status beside it ("Gold
  /// (oneworld Ruby)").
  static func isAllianceStatus(cell: String, header: String) -> Bool {
    guard let status = allianceTier(cell: cell, header: header) else { return false }
    let statusWords = allianceWords.union(TextTokens.foldedWords(status))
    return !TextTokens.tokenize(cell).contains { token in
      token.isWord && !statusWords.contains(token.folded) && (tierWords.contains(token.folded) || coreTierWords.contains(token.folded))
    }
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
  /// "Qualifying Flights": 60]. Metrics named before the number count too ("PQP: 5,000");
  /// acronyms the page spells out elsewhere are written in full ("XP" → "Experience Points").
  static func qualifications(in text: String, acronyms: [String: String]) -> [String: Double] {
    let tokens = TextTokens.tokenize(text)
    var result: [String: Double] = [:]
    let units: Set<String> = ["points", "point", "credits", "credit", "flights", "flight", "segments", "segment", "miles", "dollars", "sectors"]
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
      if let first = words.first, isAcronym(first) || isAcronym(String(first.dropLast())) && first.hasSuffix("s") {
        metric = first
      } else if !words.isEmpty, words.contains(where: { units.contains(TextTokens.fold($0)) }) {
        metric = metricName(words)
      } else if words.isEmpty, index > 0 {
        // "PQP: 5,000", "MQD $5,000"
        let before = tokens[..<index].reversed().drop { $0.isSymbol([":", "$", "-", "–", "€", "£"]) }
        if let word = before.first, word.isWord, isAcronym(word.text) { metric = word.text }
      }
      guard let metric else { continue }
      result[fullMetricName(metric, acronyms: acronyms)] = token.amount
    }
    return result
  }

  /// An acronym spelled out where the page defines it ("Experience Points (XP)"); plurals of
  /// acronyms made singular ("MQDs" → "MQD").
  static func fullMetricName(_ metric: String, acronyms: [String: String]) -> String {
    var key = metric
    if key.hasSuffix("s"), isAcronym(String(key.dropLast())) { key = String(key.dropLast()) }
    return acronyms[key] ?? key
  }

  static func isAcronym(_ word: String) -> Bool {
    word.count >= 2 && word.count <= 4 && word == word.uppercased() && word.contains(where: \.isLetter)
  }

  // MARK: Tables

  private static let tierHeaders: PhraseList = [
    "tier", "status", "level", "membership level", "membership", "card", "elite status", "tier level",
  ]
  private static let qualificationHeaders: PhraseList = [
    "qualification", "qualify", "qualifying", "required", "requirement", "requirements", "to reach", "needed", "points", "credits",
    "xp", "pqp", "mqd", "tier points", "loyalty points", "threshold", "earn",
  ]
  private static let tierTableHeaders = tierHeaders + qualificationHeaders + ["bonus", "alliance"]

  private func tableTiers(_ raw: LayoutTable, page: PageContext, blockIndex: Int) -> [Tier] {
    for candidate in [raw, raw.transposed] {
      let table = TableColumns.withHeader(candidate, headerWords: Self.tierTableHeaders)
      guard let header = table.header, table.columnCount >= 2 else { continue }
      // The tier column: named so, holding tier words. Alliance statuses hold tier words too
      // ("oneworld Ruby", "Star Alliance Gold") but name no tier of the program: a column of
      // them is the alliance column, and a header naming an alliance ("oneworld status")
      // does not name a tier column.
      let tierShare = header.indices.map { column in
        TableColumns.share(table, column: column) { cell in
          TextTokens.tokenize(cell).contains { Self.tierWords.contains($0.folded) || Self.baseTierNames.contains($0.folded) }
        }
      }
      let statusShare = header.indices.map { column in
        tierShare[column] < 0.5 ? 0 : TableColumns.share(table, column: column) { Self.isAllianceStatus(cell: $0, header: header[column]) }
      }
      func namesTiers(_ column: Int) -> Bool {
        TableColumns.mentions(header[column], Self.tierHeaders) && !TableColumns.mentions(header[column], Self.allianceHeaders)
      }
      let candidates = header.indices.filter { statusShare[$0] < 0.5 }
      guard let tierColumn = candidates.first(where: { tierShare[$0] >= 0.5 && namesTiers($0) })
        ?? candidates.first(where: { tierShare[$0] >= 0.6 })
      else { continue }
      let bonusColumn = header.indices.first { $0 != tierColumn && TableColumns.mentions(header[$0], Self.bonusWords) }
      let allianceColumn = header.indices.first { column in
        column != tierColumn
          && (TableColumns.mentions(header[column], Self.allianceHeaders)
            || TableColumns.share(table, column: column) { Self.allianceTier(in: $0) != nil } >= 0.5)
      }
      let qualificationColumns = header.indices.filter { column in
        column != tierColumn && column != bonusColumn && column != allianceColumn
          && TableColumns.share(table, column: column) { !Vocabulary.numbers(in: $0).isEmpty } >= 0.5
          && !TableColumns.mentions(
            header[column], ["benefit", "benefits", "lounge", "bags", "baggage", "upgrades", "seat", "validity", "per", "earn", "earned", "bonus"])
      }
      guard !qualificationColumns.isEmpty || bonusColumn != nil else { continue }
      let headerNamed = namesTiers(tierColumn)
      var tiers: [Tier] = []
      for (offset, row) in table.bodyRows.enumerated() {
        let tierCell = table.cell(row, tierColumn)
        let name = Self.tierName(Self.withoutProgramNames(tierCell))
        guard !name.isEmpty, !Self.baseTierNames.contains(TextTokens.fold(name)) else { continue }
        var qualification: [String: Double] = [:]
        for column in qualificationColumns {
          let cell = table.cell(row, column)
          guard !Vocabulary.isNoValue(cell) else { continue }
          // The column's metric when its header names one ("Loyalty Points required"),
          // else the metrics the cell names ("300 Tier Points or 50 flights").
          if let metric = Self.headerMetric(header[column]), let value = Vocabulary.numbers(in: cell).first {
            qualification[Self.fullMetricName(metric, acronyms: page.acronyms)] = value
          } else {
            for (key, value) in Self.qualifications(in: cell, acronyms: page.acronyms) { qualification[key] = value }
          }
        }
        // A tier reached with nothing ("Join for free", 0) is the base membership.
        if !qualificationColumns.isEmpty, qualification.isEmpty || qualification.values.allSatisfy({ $0 == 0 }) {
          if qualification.values.allSatisfy({ $0 == 0 }) && !qualification.isEmpty { continue }
          let text = row.joined(separator: " ")
          if TableColumns.mentions(text, ["join", "free", "enrol", "enroll", "sign up"]) { continue }
        }
        let bonus = bonusColumn.flatMap { Vocabulary.percent(in: table.cell(row, $0), bare: true) }
        // The alliance column's status, else one beside the tier's name ("Gold (oneworld Ruby)").
        let alliance = allianceColumn.flatMap { Self.allianceTier(cell: table.cell(row, $0), header: header[$0]) }
          ?? Self.allianceTier(in: tierCell)
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
    let units: Set<String> = ["points", "point", "credits", "credit", "dollars", "miles", "flights", "segments", "sectors", "xp"]
    guard let first = words.first, words.contains(where: { units.contains(TextTokens.fold($0)) }) || isAcronym(first) else { return nil }
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

  /// A section heading that names one tier ("## Silver", "## AAdvantage Gold®"), without the
  /// program's brand.
  private func sectionTierName(of block: PageLayout.Block, page: PageContext) -> String? {
    guard let heading = page.layout.headings(of: block).last else { return nil }
    let name = Self.tierName(Self.withoutProgramNames(heading))
    let words = name.split(separator: " ")
    guard (1...3).contains(words.count), words.allSatisfy({ $0.first?.isUppercase == true || $0.first?.isNumber == true }) else { return nil }
    return name
  }

  /// A name with the programs' brands and trademark signs taken out.
  static func withoutProgramNames(_ text: String) -> String {
    var result = text.filter { !"®™℠©".contains($0) }
    let tokens = TextTokens.tokenize(result)
    for match in ProgramDirectory.index.matches(in: tokens).reversed() { result.removeSubrange(match.range) }
    return result.collapsed
  }

  private static let qualifyingWords: PhraseList = [
    "requires", "require", "required", "reach", "reached", "reaching", "qualify", "qualifies", "achieve", "achieved", "need",
    "needs", "needed", "threshold", "attain", "unlock", "unlocked",
  ]

  /// The tier names in a sentence: capitalised runs holding a tier word (not an alliance's
  /// status, "SkyTeam Elite Plus"), or the section's tier name.
  private func tierNames(in sentence: String, sectionName: String?) -> [(name: String, position: String.Index)] {
    let tokens = TextTokens.tokenize(sentence)
    var names: [(String, String.Index)] = []
    var index = 0
    while index < tokens.count {
      let token = tokens[index]
      let capitalised = token.isWord && (token.text.first?.isUppercase ?? false)
      guard capitalised, Self.tierWords.contains(token.folded) || Self.coreTierWords.contains(token.folded) else {
        index += 1
        continue
      }
      // Back to the start of the capitalised run ("Gold Guest List", "Silver Medallion").
      var start = index
      while start > 0, tokens[start - 1].isWord, tokens[start - 1].text.first?.isUppercase == true,
        Self.tierWords.contains(tokens[start - 1].folded)
      {
        start -= 1
      }
      var end = index + 1
      while end < tokens.count,
        (tokens[end].isWord && tokens[end].text.first?.isUppercase == true && !Self.nameStopWords.contains(tokens[end].text))
          || (tokens[end].isNumber && tokens[end].thousands)
      {
        end += 1
      }
      let before = tokens[..<start].suffix(2).map(\.folded)
      let isAlliance = before.contains("skyteam") || before.contains("oneworld") || before == ["star", "alliance"] || before.last == "star"
      let words = tokens[start..<end].map(\.text)
      if !isAlliance, words.contains(where: { Self.coreTierWords.contains(TextTokens.fold($0)) }) {
        names.append((words.joined(separator: " "), tokens[start].range.lowerBound))
      }
      index = end
    }
    if let sectionName, let range = sentence.range(of: sectionName), !names.contains(where: { $0.0 == sectionName }) {
      let after = range.upperBound == sentence.endIndex || !sentence[range.upperBound].isLetter
      let before = range.lowerBound == sentence.startIndex || !sentence[sentence.index(before: range.lowerBound)].isLetter
      if after && before { names.append((sectionName, range.lowerBound)) }
    }
    return names.sorted { $0.1 < $1.1 }
  }

  private static let notThresholdWords: PhraseList = [
    "for life", "lifetime", "example", "for example", "e g", "million miler", "million miles", "card", "credit card", "cardmember",
    "offer", "apply", "spend", "spending", "purchases", "promotion",
  ]
  private static let bonusWords: PhraseList = ["bonus", "extra"]

  private static let nameStopWords: Set<String> = ["Members", "Member", "Status", "Level", "Tier", "Card", "The", "And", "Or"]

  /// Tier words that make a name a tier on their own ("Gold"), not modifiers ("Pro", "Plus").
  static let coreTierWords: Set<String> = [
    "silver", "gold", "platinum", "diamond", "bronze", "ruby", "sapphire", "emerald", "titanium", "premier", "mosaic", "mvp",
    "senator", "medallion", "elite", "1k", "25k", "35k", "50k", "75k", "100k", "jade", "ivory", "black",
  ]

  /// "Gold status requires 40,000 Loyalty Points", "To reach Silver, collect 100 XP",
  /// "Bronze - 3,500 Tier Points.", with the bonus and alliance status said of the tier in the
  /// same paragraph ("Gold members earn a 40% bonus and have oneworld Ruby status").
  private func phraseTiers(_ text: String, sectionName: String?, acronyms: [String: String]) -> [Tier] {
    var tiers: [Tier] = []
    var mentioned: [String] = []
    var bonuses: [String: Double] = [:]
    var alliances: [String: String] = [:]
    for sentence in Vocabulary.sentences(text) {
      let folded = FoldedText(sentence)
      // Lifetime status, examples and card offers are not yearly thresholds.
      if TableColumns.mentions(folded, Self.notThresholdWords) { continue }
      let names = tierNames(in: sentence, sectionName: sectionName)
      guard let first = names.first else { continue }
      for name in names where !mentioned.contains(name.name) { mentioned.append(name.name) }
      let rest = String(sentence[first.position...])
      // What a sentence says of members is said of the tier it calls so ("Platinum members").
      let subject = names.first { name in
        let after = sentence[name.position...].dropFirst(name.name.count).prefix(9).lowercased()
        return after.hasPrefix(" members") || after.hasPrefix(" status") || after.hasPrefix(" member")
      } ?? first
      if TableColumns.mentions(rest, Self.bonusWords), let bonus = Vocabulary.percent(in: rest) { bonuses[subject.name] = bonus }
      if let alliance = Self.allianceTier(in: sentence) { alliances[subject.name] = alliance }
      let tokens = TextTokens.tokenize(rest)
      let stated =
        TableColumns.mentions(folded, Self.qualifyingWords)
        || (tokens.count > 2 && tokens.dropFirst().prefix(4).contains { $0.isSymbol([":", "-", "–", "—"]) } && tokens.contains(where: \.isNumber))
      guard stated, names.count == 1 || Set(names.map(\.name)).count == 1 else { continue }
      let qualification = Self.qualifications(in: rest, acronyms: acronyms).filter { $0.value > 0 && !$0.key.lowercased().contains("bonus") }
      guard !qualification.isEmpty else { continue }
      tiers.append(Tier(name: first.name, qualification: qualification, bonus: nil, alliance: nil, evidence: sentence, confidence: 0.85))
    }
    // Tiers the paragraph speaks of without a threshold, for what it says of them.
    for name in mentioned where !tiers.contains(where: { $0.name == name }) && (bonuses[name] != nil || alliances[name] != nil) {
      tiers.append(Tier(name: name, qualification: [:], bonus: nil, alliance: nil, evidence: text, confidence: 0.85))
    }
    // What the paragraph says of its one tier belongs to it.
    for index in tiers.indices {
      let name = tiers[index].name
      let only = Set(mentioned).count == 1
      tiers[index].bonus = bonuses[name] ?? (only ? bonuses.values.first : nil)
      tiers[index].alliance = alliances[name] ?? (only ? alliances.values.first : nil)
    }
    return tiers
  }
}
