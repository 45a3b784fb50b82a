import Foundation
import GraphModel

/// Award prices from charts: zone grids (origin rows × destination columns), region-pair or
/// destination rows with cabin columns, and distance bands with cabin columns, either way
/// round.
///
/// Distance bands are read at both ends ("651 – 1,150"); "up to 650" starts at 0; "7,001+",
/// "over 7,000" and "7,001 and above" are open-ended: they have a lower end and no upper
/// one. Whose flights a price covers comes from
/// the section's wording: "partner awards" → partner, "any airline" or "… and partners" →
/// any, "our own flights" or the program's airline → own; a chart that says nothing is the
/// program's own, at lower confidence.
public struct AwardChartExtractor: Sendable {
  public init() {}

  public func facts(in text: ProcessedText) -> [ExtractedFact] {
    facts(in: PageContext(text))
  }

  func facts(in page: PageContext) -> [ExtractedFact] {
    guard let program = page.program, program.kind == .airline else { return [] }
    var facts: [ExtractedFact] = []
    for (index, block) in page.layout.blocks.enumerated() {
      guard let table = block.table else { continue }
      facts += tableFacts(table, blockIndex: index, page: page, program: program)
    }
    return facts
  }

  // MARK: Labels

  enum RowKey: Equatable {
    case zone(origin: Region, destination: Region)
    case destination(Region)
    /// A band of miles flown; no upper end when open-ended.
    case distance(min: Int, max: Int?)
  }

  /// A distance band: "0–650", "651 - 1,150 miles", "up to 650", "5,001+", "over 7,000".
  static func distanceBand(_ text: String) -> (min: Int, max: Int?)? {
    let tokens = TextTokens.tokenize(text)
    let numbers = tokens.enumerated().filter { $0.element.isNumber }
    let folded = tokens.filter(\.isWord).map(\.folded)
    // Zones and regions are not bands ("Zone 1").
    if folded.contains("zone") || folded.contains("band") || folded.contains("region"), numbers.count < 2 { return nil }
    if numbers.count == 2 {
      let (first, second) = (numbers[0], numbers[1])
      let between = tokens[(first.offset + 1)..<second.offset]
      guard between.contains(where: { $0.isSymbol(["-", "–", "—", "−"]) || $0.isWord(["to", "and"]) }) else { return nil }
      let low = Int(first.element.amount)
      let high = Int(second.element.amount)
      guard low <= high else { return nil }
      return (low, high)
    }
    guard numbers.count == 1 else { return nil }
    let value = Int(numbers[0].element.amount)
    let index = numbers[0].offset
    let before = tokens[..<index].suffix(3).map(\.folded)
    let after = tokens[(index + 1)...].prefix(4).map(\.folded)
    if after.first == "+" || after.contains("above") || after.contains("over") || after.contains("more") || after.contains("beyond")
      || (after.contains("plus") && !after.contains("economy"))
    {
      return (value, nil)
    }
    if before.contains("over") || before.contains("above") || before.contains("beyond") || before.contains(">")
      || (before.contains("than") && before.contains("more"))
    {
      return (value + 1, nil)
    }
    if before.contains("under") || (before.contains("than") && before.contains("less")) || before.contains("<") {
      return (0, value - 1)
    }
    if (before.contains("up") && before.contains("to")) || before.contains("≤") || after.contains("less") || after.contains("under")
      || after.contains("fewer")
    {
      return (0, value)
    }
    return nil
  }

  /// Two regions joined as a pair ("North America – Europe", "Europe to Asia", "between X
  /// and Y", "within Europe"), or one region.
  static func regionLabel(_ text: String, pairs: Bool = false) -> (origin: Region?, destination: Region)? {
    let tokens = TextTokens.tokenize(text)
    let matches = Vocabulary.regionMatches(in: tokens)
    guard let first = matches.first else { return nil }
    if TableColumns.mentions(text, withinWords), Set(matches.map(\.value)).count == 1 {
      return (first.value, first.value)
    }
    if matches.count >= 2 {
      let second = matches[1]
      let between = tokens[first.tokens.upperBound..<second.tokens.lowerBound]
      let joined =
        between.contains { $0.isSymbol(["-", "–", "—", "→", "↔", "⇄", ">", "<", "/"]) || $0.isWord(["to", "x"]) }
        || (between.contains { $0.isWord(["and"]) } && (pairs || tokens.contains { $0.isWord(["between"]) }))
      if joined { return (first.value, second.value) }
      if Set(matches.map(\.value)).count == 1 { return (nil, first.value) }
      return nil
    }
    return (nil, first.value)
  }

  private static let withinWords: PhraseList = ["within", "intra"]

  /// The region a chart is "from": "Awards from North America", "From the US to:".
  static func originStatement(_ text: String) -> Region? {
    let tokens = TextTokens.tokenize(text)
    for match in Vocabulary.regionMatches(in: tokens) {
      let before = tokens[..<match.tokens.lowerBound].suffix(3).map(\.folded)
      if before.contains("from") || before.contains("departing") || before.contains("originating") { return match.value }
    }
    return nil
  }

  // MARK: Whose flights

  /// Whose flights a text says a chart prices, sentence by sentence; sentences that point to
  /// another chart ("… are priced on the partner award chart, published separately") say
  /// nothing about this one.
  static func operatedBy(_ text: String, program: LoyaltyProgram) -> String? {
    for sentence in Vocabulary.sentences(text) {
      let folded = FoldedText(sentence)
      if TableColumns.mentions(folded, otherChartWords) { continue }
      if let stated = sentenceOperatedBy(folded, program: program) { return stated }
    }
    return nil
  }

  private static let otherChartWords: PhraseList = [
    "separately", "separate", "see the", "another chart", "other chart", "other charts", "published",
  ]
  private static let anyAirlineWords: PhraseList = [
    "any airline", "any carrier", "all airlines", "all carriers", "and partners", "and partner", "or partner", "or partners",
    "and its partners", "and our partners", "or its partners", "or our partners", "including partners", "any flight",
    "all flights", "and partner airlines", "or partner airlines", "any oneworld", "mixed carrier",
  ]
  private static let partnerWords: PhraseList = [
    "partner award", "partner awards", "partner airline", "partner airlines", "partner flights", "partner carriers",
    "partners", "partner", "other airlines", "oneworld airlines", "star alliance airlines", "skyteam airlines",
    "operated by our partners", "alliance partners",
  ]
  private static let ownFlightWords: PhraseList = ["own flights", "our flights", "our own", "own metal", "operated by us"]
  private static let flightWords: PhraseList = ["flights", "flight", "operated", "award", "awards", "chart", "on"]

  private static func sentenceOperatedBy(_ text: FoldedText, program: LoyaltyProgram) -> String? {
    if TableColumns.mentions(text, anyAirlineWords) { return "any" }
    if TableColumns.mentions(text, partnerWords) { return "partner" }
    if TableColumns.mentions(text, ownFlightWords) { return "own" }
    // Only a sentence about flights can name the program's own airline as the carrier.
    guard TableColumns.mentions(text, flightWords) else { return nil }
    let airlines = Set(PageContext.airlineMentions(in: text.text).map(\.airline.code))
    let own = Set([program.airline].compactMap { $0 } + program.otherAirlines)
    if !airlines.isEmpty, airlines.isSubset(of: own) { return "own" }
    return nil
  }

  // MARK: Tables

  private func tableFacts(_ raw: LayoutTable, blockIndex: Int, page: PageContext, program: LoyaltyProgram) -> [ExtractedFact] {
    let context = AwardContext(page: page, blockIndex: blockIndex, program: program)
    for candidate in [raw, raw.transposed] {
      let table = TableColumns.withHeader(candidate, headerWords: ["economy", "business", "first", "premium", "distance", "from", "to", "region", "zone", "miles"])
      guard let header = table.header else { continue }
      let cabinColumns = header.indices.compactMap { column -> (Int, Cabin)? in
        guard column > 0 || header.count == 1, let cabin = Vocabulary.cabin(in: header[column]) else { return nil }
        // "Economy" in a header naming distance or zones is still a cabin column; a
        // column of regions is not.
        return (column, cabin)
      }
      let regionColumns = header.indices.compactMap { column -> (Int, Region)? in
        guard column > 0, Vocabulary.cabin(in: header[column]) == nil, let region = Vocabulary.region(in: header[column]) else { return nil }
        return (column, region)
      }
      if regionColumns.count >= 2, cabinColumns.isEmpty {
        let facts = gridFacts(table, destinations: regionColumns, context: context)
        if !facts.isEmpty { return facts }
      }
      if !cabinColumns.isEmpty {
        let facts = cabinColumnFacts(table, cabins: cabinColumns, context: context)
        if !facts.isEmpty { return facts }
      }
    }
    return []
  }

  /// Points in a price cell; nil for "—", "n/a" or a cell of two prices.
  static func points(_ cell: String) -> (Int, Bool)? {
    guard !Vocabulary.isNoValue(cell) else { return nil }
    let numbers = TextTokens.tokenize(cell).filter(\.isNumber)
    guard let first = numbers.first else { return nil }
    let value = Int(first.amount)
    guard value >= 100 else { return nil }
    // "7,500 / 12,500": two prices in one cell (off-peak and peak, or a range).
    return (value, numbers.count == 1)
  }

  private func gridFacts(_ table: LayoutTable, destinations: [(Int, Region)], context: AwardContext) -> [ExtractedFact] {
    guard let (cabin, cabinNamed) = context.cabin else { return [] }
    var facts: [ExtractedFact] = []
    for (offset, row) in table.bodyRows.enumerated() {
      guard let origin = Vocabulary.region(in: table.cell(row, 0)) else { continue }
      let line = table.lines[min(table.headerRows + offset, table.lines.count - 1)]
      for (column, destination) in destinations {
        guard let (points, single) = Self.points(table.cell(row, column)) else { continue }
        var confidence = 0.95
        if !single { confidence -= 0.2 }
        if !cabinNamed { confidence -= 0.3 }
        facts.append(
          context.fact(
            chart: "zone", origin: origin, destination: destination, cabin: cabin, points: points, confidence: confidence, evidence: line))
      }
    }
    return facts
  }

  private func cabinColumnFacts(_ table: LayoutTable, cabins: [(Int, Cabin)], context: AwardContext) -> [ExtractedFact] {
    let header = table.header ?? []
    let cabinSet = Set(cabins.map(\.0))
    let labelColumns = header.indices.filter { !cabinSet.contains($0) }
    func headerCell(_ column: Int) -> String { column < header.count ? header[column] : "" }
    let fromColumn = labelColumns.first { TableColumns.mentions(headerCell($0), ["from", "origin", "departing"]) }
    let toColumn = labelColumns.first { $0 != fromColumn && TableColumns.mentions(headerCell($0), ["to", "destination", "arriving"]) }
    let distanceColumn = labelColumns.first { column in
      TableColumns.mentions(headerCell(column), ["distance", "miles", "mileage", "flight length", "one way distance"])
        || TableColumns.share(table, column: column) { Self.distanceBand($0) != nil } >= 0.6
    }
    // Several columns for one cabin (off-peak and peak, saver and standard): read, but for review.
    var cabinCounts: [Cabin: Int] = [:]
    for (_, cabin) in cabins { cabinCounts[cabin, default: 0] += 1 }
    let origin = context.origin(corner: labelColumns.first.map(headerCell))
    // "Between" in the label's header or the chart's heading: "X and Y" is a pair of regions.
    let pairs = labelColumns.contains { TableColumns.mentions(headerCell($0), ["between", "route", "routes"]) }
      || context.texts.prefix(2).contains { TableColumns.mentions($0, ["between"]) }
    var facts: [ExtractedFact] = []
    for (offset, row) in table.bodyRows.enumerated() {
      let line = table.lines[min(table.headerRows + offset, table.lines.count - 1)]
      var key: RowKey?
      if let distanceColumn, let band = Self.distanceBand(table.cell(row, distanceColumn)) {
        key = .distance(min: band.min, max: band.max)
      } else if let fromColumn, let toColumn, let from = Vocabulary.region(in: table.cell(row, fromColumn)),
        let to = Vocabulary.region(in: table.cell(row, toColumn))
      {
        key = .zone(origin: from, destination: to)
      } else {
        for column in labelColumns {
          let cell = table.cell(row, column)
          if let band = Self.distanceBand(cell) {
            key = .distance(min: band.min, max: band.max)
            break
          }
          if let label = Self.regionLabel(cell, pairs: pairs) {
            if let from = label.origin {
              key = .zone(origin: from, destination: label.destination)
            } else if let origin {
              key = .zone(origin: origin, destination: label.destination)
            } else {
              key = .destination(label.destination)
            }
            break
          }
        }
      }
      guard let key else { continue }
      for (column, cabin) in cabins {
        guard let (points, single) = Self.points(table.cell(row, column)) else { continue }
        var confidence = 0.95
        if !single { confidence -= 0.2 }
        if cabinCounts[cabin, default: 0] > 1 { confidence -= 0.2 }
        switch key {
        case .zone(let from, let to):
          facts.append(context.fact(chart: "zone", origin: from, destination: to, cabin: cabin, points: points, confidence: confidence, evidence: line))
        case .destination(let to):
          // No origin anywhere: the destination alone is half a zone price.
          facts.append(context.fact(chart: "zone", origin: nil, destination: to, cabin: cabin, points: points, confidence: confidence - 0.4, evidence: line))
        case .distance(let low, let high):
          facts.append(
            context.fact(chart: "distance", minDistance: low, maxDistance: high, cabin: cabin, points: points, confidence: confidence, evidence: line))
        }
      }
    }
    return facts
  }
}

/// A chart's surroundings: the cabin its caption or headings name, the region it is from,
/// whose flights it prices, its effective date.
private struct AwardContext {
  let page: PageContext
  let blockIndex: Int
  let program: LoyaltyProgram
  /// The caption, then the headings innermost first, then the title.
  let texts: [String]
  /// Whose flights the chart prices, and whether the page said so.
  let operatedBy: (String, Bool)
  let effectiveDate: String?

  init(page: PageContext, blockIndex: Int, program: LoyaltyProgram) {
    self.page = page
    self.blockIndex = blockIndex
    self.program = program
    let block = page.layout.blocks[blockIndex]
    texts = page.caption(ofBlockAt: blockIndex) + page.headingTexts(for: block)
    if let stated = page.scoped(for: block, blockIndex: blockIndex, { candidate -> String? in
      candidate.text.flatMap { AwardChartExtractor.operatedBy($0, program: program) }
    }) {
      operatedBy = (stated, true)
    } else if let stated = page.caption(ofBlockAt: blockIndex).lazy.compactMap({ AwardChartExtractor.operatedBy($0, program: program) }).first {
      operatedBy = (stated, true)
    } else {
      operatedBy = ("own", false)
    }
    effectiveDate = page.effectiveDate(for: block, at: blockIndex)
  }

  /// The cabin the caption or nearest heading names, and whether one did.
  var cabin: (Cabin, Bool)? {
    for text in texts {
      if let cabin = Vocabulary.cabin(in: text) { return (cabin, true) }
    }
    return (.economy, false)
  }

  func origin(corner: String?) -> Region? {
    if let corner, let region = AwardChartExtractor.originStatement(corner) { return region }
    for text in texts {
      if let region = AwardChartExtractor.originStatement(text) { return region }
    }
    return nil
  }

  func fact(
    chart: String, origin: Region? = nil, destination: Region? = nil, minDistance: Int? = nil, maxDistance: Int? = nil, cabin: Cabin,
    points: Int, confidence: Double, evidence: String
  ) -> ExtractedFact {
    let (operatedBy, stated) = self.operatedBy
    var confidence = confidence - (1 - page.programConfidence)
    if !stated { confidence -= 0.05 }
    let price = AwardPrice(
      program: program.id, chart: chart, originRegion: origin, destinationRegion: destination, minDistance: minDistance,
      maxDistance: maxDistance, cabin: cabin, points: points, operatedBy: operatedBy, effectiveDate: effectiveDate)
    return ExtractedFact(.awardPrice(price), confidence: max(0, min(1, confidence)), evidence: evidence)
  }
}
