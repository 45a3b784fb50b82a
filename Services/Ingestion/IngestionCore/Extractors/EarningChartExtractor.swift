import Foundation
import GraphModel

/// Earning rates: fare classes → % of the miles flown (`earning_rate`) from tables and
/// phrases ("J, C, D — 150%"), and miles per currency unit by tier (`revenue_rate`).
///
/// The program is the page's; the carrier is the airline a table's column, caption,
/// headings or title names, else the program's own airline. "Operated by" in the section
/// makes the rate the operating carrier's; a minimum and an effective date stated in the
/// section apply to its rates.
public struct EarningChartExtractor: Sendable {
  public init() {}

  public func facts(in text: ProcessedText) -> [ExtractedFact] {
    facts(in: PageContext(text))
  }

  func facts(in page: PageContext) -> [ExtractedFact] {
    guard let program = page.program else { return [] }
    var facts: [ExtractedFact] = []
    for (index, block) in page.layout.blocks.enumerated() {
      switch block.content {
      case .table(let table):
        facts += tableFacts(table, blockIndex: index, page: page, program: program)
      case .paragraph(let text), .listItem(let text):
        facts += phraseFacts(text, blockIndex: index, page: page, program: program)
      case .heading: break
      }
    }
    // Banks' "points per $1" are card earning, not flights'.
    if program.kind == .airline { facts += RevenueRateReader().facts(in: page, program: program) }
    return facts
  }

  // MARK: Tables

  static let fareClassHeaders: PhraseList = [
    "fare class", "fare classes", "booking class", "booking classes", "booking code", "booking codes", "fare code", "fare codes",
    "fare basis", "rbd", "fare", "fares", "class", "classes", "booking", "fare type",
  ]
  static let cabinHeaders: PhraseList = ["cabin", "class of travel", "travel class", "cabin class", "class", "service class", "cabin type"]
  static let accrualHeaders: PhraseList = [
    "%", "percent", "earn", "earning", "earns", "accrual", "accrue", "mileage", "miles", "points", "avios", "credit", "award",
    "rate", "redeemable",
  ]
  /// Columns of status credit, not of redeemable miles.
  static let notAccrualHeaders: PhraseList = [
    "tier", "qualifying", "qualification", "status", "elite", "xp", "loyalty points", "pqp", "pqm", "mqm", "mqd", "sqc",
    "segment", "segments", "bonus", "minimum", "tier points", "status credits",
  ]
  static let airlineHeaders: PhraseList = ["airline", "carrier", "operated by", "operating carrier", "partner", "marketing carrier"]

  static let earningTableHeaders = fareClassHeaders + cabinHeaders + accrualHeaders

  private struct Columns {
    /// Fare class columns with the percentage column each is read with; a table can hold
    /// several pairs ("full fares" and "discounted fares").
    var pairs: [(fareClass: Int?, accrual: Int)]
    var cabin: Int?
    var cabinBonus: Int?
    var minimum: Int?
    var airline: Int?
    var headerMatched: Bool
    /// Other columns that also hold percentages nothing tells apart.
    var ambiguous: Bool
  }

  /// Splits a label cell into its booking codes and cabin: "Business (J, C, D)", "J, C, D",
  /// "Economy".
  static func codesAndCabin(_ cell: String) -> (codes: [String], cabin: Cabin?)? {
    if let codes = Vocabulary.bookingCodes(inCell: cell) { return (codes, nil) }
    let tokens = TextTokens.tokenize(cell)
    let cabin = Vocabulary.cabinMatch(in: tokens)
    let lists = Vocabulary.bookingCodeLists(in: tokens)
    // Everything outside the cabin name and the code list must be filler.
    var covered = Set<Int>()
    if let cabin { covered.formUnion(cabin.tokens) }
    for list in lists { covered.formUnion(list.tokens) }
    let filler: Set<String> = ["class", "cabin", "fares", "fare", "classes", "booking", "codes", "and", "all"]
    for (index, token) in tokens.enumerated() where !covered.contains(index) {
      if token.kind == .symbol || filler.contains(token.folded) { continue }
      // A single code after a cabin: "First (F)".
      if token.isBookingCodeShape, cabin != nil { continue }
      return nil
    }
    var codes = lists.flatMap(\.codes)
    if lists.isEmpty, cabin != nil {
      codes = tokens.enumerated().filter { !(cabin!.tokens.contains($0.offset)) && $0.element.isBookingCodeShape }.map(\.element.text)
    }
    guard cabin != nil || !codes.isEmpty else { return nil }
    return (codes, cabin?.cabin)
  }

  private func columns(of table: LayoutTable) -> Columns? {
    guard table.columnCount >= 2, table.bodyRows.count >= 1 else { return nil }
    let header = table.header ?? []
    func headerCell(_ column: Int) -> String { column < header.count ? header[column] : "" }
    let width = table.columnCount
    let codeShare = (0..<width).map { TableColumns.share(table, column: $0) { Vocabulary.bookingCodes(inCell: $0) != nil } }
    let labelShare = (0..<width).map { TableColumns.share(table, column: $0) { Self.codesAndCabin($0) != nil } }
    let cabinShare = (0..<width).map { TableColumns.share(table, column: $0) { Vocabulary.cabin(in: $0) != nil } }
    let percentShare = (0..<width).map { column in
      TableColumns.share(table, column: column) { cell in
        Vocabulary.percent(in: cell) != nil
          || (TableColumns.mentions(headerCell(column), ["%", "percent"]) && Vocabulary.number(in: cell) != nil)
      }
    }
    var headerMatched = !header.isEmpty
    // Fare class columns: named so and holding codes, else the column most like codes.
    var fareClasses = (0..<width).filter {
      TableColumns.mentions(headerCell($0), Self.fareClassHeaders) && labelShare[$0] >= 0.5 && codeShare[$0] > 0
    }
    if fareClasses.isEmpty, let best = (0..<width).max(by: { codeShare[$0] < codeShare[$1] }), codeShare[best] >= 0.6 {
      fareClasses = [best]
      headerMatched = headerMatched && TableColumns.mentions(headerCell(best), Self.fareClassHeaders)
    }
    var cabin = (0..<width).first {
      !fareClasses.contains($0) && TableColumns.mentions(headerCell($0), Self.cabinHeaders) && cabinShare[$0] >= 0.5
    }
    if cabin == nil, let best = (0..<width).filter({ !fareClasses.contains($0) }).max(by: { cabinShare[$0] < cabinShare[$1] }),
      cabinShare[best] >= 0.6
    {
      cabin = best
    }
    if fareClasses.isEmpty, cabin == nil {
      // Labels mixing cabin and codes: "Business (J, C, D)".
      if let best = (0..<width).max(by: { labelShare[$0] < labelShare[$1] }), labelShare[best] >= 0.6 { fareClasses = [best] }
    }
    guard !fareClasses.isEmpty || cabin != nil else { return nil }
    let used = Set(fareClasses + [cabin].compactMap { $0 })
    let accrualCandidates = (0..<width).filter { column in
      !used.contains(column) && percentShare[column] >= 0.5 && !TableColumns.mentions(headerCell(column), Self.notAccrualHeaders)
    }
    let named = accrualCandidates.filter { TableColumns.mentions(headerCell($0), Self.accrualHeaders) }
    var pairs: [(fareClass: Int?, accrual: Int)] = []
    var ambiguous = false
    if fareClasses.count >= 2 {
      // Each fare class column with the percentages to its right, before the next one.
      for (position, column) in fareClasses.enumerated() {
        let limit = position + 1 < fareClasses.count ? fareClasses[position + 1] : width
        guard let accrual = accrualCandidates.first(where: { $0 > column && $0 < limit }) else { continue }
        pairs.append((column, accrual))
      }
    } else if let accrual = named.first ?? accrualCandidates.first {
      pairs = [(fareClasses.first, accrual)]
      ambiguous = (named.isEmpty ? accrualCandidates : named).count > 1
    }
    guard !pairs.isEmpty else { return nil }
    if named.isEmpty { headerMatched = false }
    let accruals = Set(pairs.map(\.accrual))
    let cabinBonus = (0..<width).first {
      !used.contains($0) && !accruals.contains($0) && TableColumns.mentions(headerCell($0), ["bonus"]) && percentShare[$0] >= 0.5
    }
    let minimum = (0..<width).first {
      !used.contains($0) && !accruals.contains($0) && TableColumns.mentions(headerCell($0), ["minimum", "min"])
    }
    let airline = (0..<width).first { column in
      !used.contains(column) && !accruals.contains(column)
        && (TableColumns.mentions(headerCell(column), Self.airlineHeaders)
          || TableColumns.share(table, column: column) { !AirlineDirectory.mentions(in: $0).isEmpty } >= 0.8)
    }
    return Columns(
      pairs: pairs, cabin: cabin, cabinBonus: cabinBonus, minimum: minimum, airline: airline, headerMatched: headerMatched,
      ambiguous: ambiguous)
  }

  private func tableFacts(_ raw: LayoutTable, blockIndex: Int, page: PageContext, program: LoyaltyProgram) -> [ExtractedFact] {
    let headerWords = Self.earningTableHeaders
    // Either orientation: rows of fare classes, or a row of fare classes across.
    var oriented: (LayoutTable, Columns)?
    let plain = TableColumns.withHeader(raw, headerWords: headerWords)
    if let columns = columns(of: plain) {
      oriented = (plain, columns)
    } else {
      let transposed = raw.transposed
      if let columns = columns(of: transposed) { oriented = (transposed, columns) }
    }
    guard let (table, columns) = oriented else { return [] }
    let context = SectionFacts(page: page, blockIndex: blockIndex, program: program)
    let tableCarrier = context.carrier
    var facts: [ExtractedFact] = []
    var currentCabin: Cabin?
    var labelCabin: Cabin?
    var labelCarrier: String?
    for (rowIndex, row) in table.bodyRows.enumerated() {
      let line = table.lines[min(table.headerRows + rowIndex, table.lines.count - 1)]
      if let label = TableColumns.labelRowText(row), Vocabulary.percent(in: label) == nil {
        if let cabin = Vocabulary.cabin(in: label) { labelCabin = cabin }
        if let airline = AirlineDirectory.airline(named: label) { labelCarrier = airline.code }
        continue
      }
      var rowCabin: Cabin?
      if let column = columns.cabin {
        let cell = table.cell(row, column)
        if let named = Vocabulary.cabin(in: cell) {
          rowCabin = named
          currentCabin = named
        } else if cell.isEmpty {
          // A cell spanning rows is written once.
          rowCabin = currentCabin
        }
      }
      // The row's airlines: its column ("Air France and KLM" is two), a label row, else the table's.
      var carriers = labelCarrier.map { [$0] } ?? []
      if let column = columns.airline {
        let cell = table.cell(row, column)
        if !cell.isEmpty {
          var codes: [String] = []
          for airline in AirlineDirectory.mentions(in: cell) where !codes.contains(airline.code) { codes.append(airline.code) }
          guard !codes.isEmpty else { continue }
          carriers = codes
        }
      }
      let carrierGuessed = carriers.isEmpty
      if carriers.isEmpty { carriers = [tableCarrier.code] }
      let minimum = columns.minimum.flatMap { Vocabulary.number(in: table.cell(row, $0)) }.map { Int($0) }
      let bonus = columns.cabinBonus.flatMap { Vocabulary.percent(in: table.cell(row, $0), bare: true) }
      for pair in columns.pairs {
        let accrualCell = table.cell(row, pair.accrual)
        guard !Vocabulary.isNoValue(accrualCell), let accrual = Vocabulary.percent(in: accrualCell, bare: true) else { continue }
        var codes: [String] = []
        var cabin = rowCabin
        var confidence = columns.headerMatched ? 0.95 : 0.9
        if let column = pair.fareClass {
          guard let parsed = Self.codesAndCabin(table.cell(row, column)) else { continue }
          codes = parsed.codes
          cabin = cabin ?? parsed.cabin
        }
        if cabin == nil { cabin = labelCabin ?? context.headingCabin }
        if cabin == nil, let usual = Vocabulary.usualCabin(ofCodes: codes) {
          cabin = usual
          confidence -= 0.1
        }
        guard let cabin else { continue }
        if carrierGuessed { confidence -= tableCarrier.guessPenalty }
        if columns.ambiguous { confidence -= 0.15 }
        confidence -= 1 - page.programConfidence
        for carrier in carriers {
          let rate = EarningRate(
            program: program.id, carrier: carrier, fareClasses: codes, cabin: cabin, accrualPercent: accrual,
            cabinBonusPercent: bonus, minimumMiles: minimum ?? context.minimumMiles(cabin: cabin, codes: codes),
            carrierMatch: context.carrierMatch, effectiveDate: context.effectiveDate)
          facts.append(ExtractedFact(.earningRate(rate), confidence: max(0, min(1, confidence)), evidence: line))
        }
      }
    }
    return facts
  }

  // MARK: Phrases

  private static let earningWords: PhraseList = [
    "earn", "earns", "earning", "accrue", "accrual", "miles flown", "of miles", "of the miles", "of distance", "flown", "fare class",
    "fare classes",
  ]

  private func phraseFacts(_ text: String, blockIndex: Int, page: PageContext, program: LoyaltyProgram) -> [ExtractedFact] {
    let tokens = TextTokens.tokenize(text)
    guard !TableColumns.isPromotional(text, tokens: tokens) else { return [] }
    // Percentages, told apart from bonuses.
    var accruals: [Double] = []
    var bonus: Double?
    for (index, token) in tokens.enumerated() where token.isNumber {
      guard index + 1 < tokens.count, tokens[index + 1].isSymbol(["%"]) || tokens[index + 1].isWord(["percent"]) else { continue }
      let after = tokens[(index + 2)...].prefix(3).map(\.folded)
      let before = tokens[..<index].suffix(3).map(\.folded)
      if after.contains("bonus") || before.contains("bonus") {
        bonus = token.value
      } else {
        accruals.append(token.value)
      }
    }
    guard accruals.count == 1, let accrual = accruals.first else { return [] }
    let lists = Vocabulary.bookingCodeLists(in: tokens)
    let cabinMatch = Vocabulary.cabinMatch(in: tokens)
    let earningWords = TableColumns.mentions(text, Self.earningWords)
    guard lists.count <= 1 else { return [] }
    guard !lists.isEmpty || (cabinMatch != nil && earningWords) else { return [] }
    let context = SectionFacts(page: page, blockIndex: blockIndex, program: program)
    var confidence = 0.85
    var cabin = cabinMatch?.cabin ?? context.headingCabin
    let codes = lists.first?.codes ?? []
    if cabin == nil, let usual = Vocabulary.usualCabin(ofCodes: codes) {
      cabin = usual
      confidence -= 0.05
    }
    guard let cabin else { return [] }
    // An airline in the phrase itself ("On Iberia flights, …") is the carrier.
    let named = Set(PageContext.airlineMentions(in: text).map(\.airline.code))
    let carrier: String
    if named.count == 1 {
      carrier = named.first!
    } else {
      carrier = context.carrier.code
      confidence -= context.carrier.guessPenalty
    }
    confidence -= 1 - page.programConfidence
    let rate = EarningRate(
      program: program.id, carrier: carrier, fareClasses: codes, cabin: cabin, accrualPercent: accrual, cabinBonusPercent: bonus,
      minimumMiles: context.minimumMiles(cabin: cabin, codes: codes), carrierMatch: context.carrierMatch,
      effectiveDate: context.effectiveDate)
    return [ExtractedFact(.earningRate(rate), confidence: max(0, confidence), evidence: text)]
  }
}
