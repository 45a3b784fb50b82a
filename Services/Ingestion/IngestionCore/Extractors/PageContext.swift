import Foundation

/// What every extractor needs to know about a page besides one block: its layout, the
/// program it is about and the statements that cover a section ("effective 1 March 2027",
/// "flights operated by Iberia", "minimum of 500 miles").
struct PageContext: Sendable {
  var layout: PageLayout
  /// The program the page is about, and how sure that is (1 when named in the title).
  var program: LoyaltyProgram?
  var programConfidence: Double

  /// Acronyms the page spells out: "Experience Points (XP)" → "XP": "Experience Points".
  var acronyms: [String: String]

  init(_ text: ProcessedText) {
    layout = PageLayout(text)
    (program, programConfidence) = Self.pageProgram(layout)
    acronyms = Self.acronyms(in: layout)
  }

  private static func acronyms(in layout: PageLayout) -> [String: String] {
    var result: [String: String] = [:]
    var texts = layout.blocks.compactMap(\.text)
    for block in layout.blocks {
      if let table = block.table { texts += table.rows.flatMap { $0 } }
    }
    for text in texts {
      let tokens = TextTokens.tokenize(text)
      for (index, token) in tokens.enumerated() where token.isSymbol(["("]) {
        guard index + 2 < tokens.count, tokens[index + 2].isSymbol([")"]), tokens[index + 1].isWord else { continue }
        var acronym = tokens[index + 1].text
        if acronym.hasSuffix("s") { acronym = String(acronym.dropLast()) }
        guard (2...5).contains(acronym.count), acronym == acronym.uppercased(), acronym.allSatisfy(\.isLetter) else { continue }
        // The words right before whose initials the acronym is ("elite-qualifying miles
        // (EQMs)"), else the capitalised words right before ("Experience Points (XP)").
        var before: [TextToken] = []
        var probe = index - 1
        while probe >= 0, before.count < acronym.count, tokens[probe].isWord || tokens[probe].isSymbol(["-"]) {
          if tokens[probe].isWord { before.insert(tokens[probe], at: 0) }
          probe -= 1
        }
        var words: [String]
        if before.count == acronym.count, before.map({ $0.text.prefix(1).uppercased() }).joined() == acronym {
          words = before.map { $0.text.prefix(1).uppercased() + $0.text.dropFirst() }
        } else {
          words = Array(before.reversed().prefix { $0.text.first?.isUppercase == true }.reversed().map(\.text))
          probe = index - 1 - before.count
          while probe >= 0, words.count < 4, tokens[probe].isWord, tokens[probe].text.first?.isUppercase == true {
            words.insert(tokens[probe].text, at: 0)
            probe -= 1
          }
        }
        guard words.count >= 2, result[acronym] == nil else { continue }
        result[acronym] = words.joined(separator: " ")
      }
    }
    return result
  }

  // MARK: The page's program

  private static func pageProgram(_ layout: PageLayout) -> (LoyaltyProgram?, Double) {
    var scores: [String: Double] = [:]
    var inTitle: Set<String> = []
    func count(_ text: String, weight: Double) {
      for program in ProgramDirectory.mentions(in: text) { scores[program.id, default: 0] += weight }
    }
    if let title = layout.title {
      count(title, weight: 6)
      inTitle = Set(ProgramDirectory.mentions(in: title).map(\.id))
    }
    for block in layout.blocks {
      switch block.content {
      case .heading(let level, let text): count(text, weight: level <= 1 ? 4 : 2)
      case .paragraph(let text), .listItem(let text): count(text, weight: 1)
      case .table(let table):
        for row in table.rows { for cell in row { count(cell, weight: 0.25) } }
      }
    }
    if let best = scores.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }), let program = ProgramDirectory.program(id: best.key) {
      let runnerUp = scores.filter { $0.key != best.key }.map(\.value).max() ?? 0
      if inTitle.contains(best.key) { return (program, 1) }
      return (program, best.value >= 2 * runnerUp ? 0.95 : 0.85)
    }
    // No program named: the airline a title is about ("British Airways — earning Avios"),
    // unless the airline is where one earns ("… on British Airways").
    if let title = layout.title {
      let tokens = TextTokens.tokenize(title)
      for match in AirlineDirectory.index.matches(in: tokens) {
        let before = match.tokens.lowerBound > 0 ? tokens[match.tokens.lowerBound - 1].folded : ""
        if ["on", "with", "by", "flying"].contains(before) { continue }
        if let program = ProgramDirectory.program(ofAirline: match.value.code) { return (program, 0.85) }
      }
    }
    return (nil, 0)
  }

  // MARK: Mentions

  /// Airlines named in a text, leaving out those inside a program's name ("Air Canada
  /// Aeroplan" names the program, not the airline).
  static func airlineMentions(in text: String) -> [(airline: KnownAirline, tokens: Range<Int>, tokenList: [TextToken])] {
    let tokens = TextTokens.tokenize(text)
    let programs = ProgramDirectory.index.matches(in: tokens).map(\.tokens)
    return AirlineDirectory.index.matches(in: tokens)
      .filter { match in !programs.contains { $0.overlaps(match.tokens) } }
      .map { ($0.value, $0.tokens, tokens) }
  }

  /// A program a cell or phrase names: by a program name, else by an airline whose own
  /// program it is ("British Airways" → the British Airways Club). The flag says whether the
  /// program was named outright.
  static func program(in text: String) -> (program: LoyaltyProgram, named: Bool)? {
    let named = ProgramDirectory.mentions(in: text)
    if let first = named.first {
      return named.allSatisfy({ $0.id == first.id }) ? (first, true) : nil
    }
    let airlines = AirlineDirectory.mentions(in: text)
    if let first = airlines.first, airlines.allSatisfy({ $0.code == first.code }),
      let program = ProgramDirectory.program(ofAirline: first.code)
    {
      return (program, false)
    }
    return nil
  }

  // MARK: Scoped statements

  /// What blocks state for the section they are in, as it covers `block`: the innermost
  /// scope first (a heading covers its own section, a paragraph the section it is in),
  /// nearer blocks first within a scope (the earlier of two as near), the title last.
  func scopedAll<Value>(for block: PageLayout.Block, blockIndex: Int, _ read: (PageLayout.Block) -> Value?) -> [Value] {
    var values = scopeOrder(for: block, blockIndex: blockIndex).compactMap { read(layout.blocks[$0]) }
    if let title = layout.title, let value = read(titleBlock(title)) { values.append(value) }
    return values
  }

  /// The innermost statement covering `block` (see `scopedAll`), reading blocks only until
  /// one states it.
  func scoped<Value>(for block: PageLayout.Block, blockIndex: Int, _ read: (PageLayout.Block) -> Value?) -> Value? {
    for index in scopeOrder(for: block, blockIndex: blockIndex) {
      if let value = read(layout.blocks[index]) { return value }
    }
    if let title = layout.title { return read(titleBlock(title)) }
    return nil
  }

  private func titleBlock(_ title: String) -> PageLayout.Block {
    PageLayout.Block(content: .heading(level: 0, text: title), section: [], line: title)
  }

  /// The indices of the blocks whose statements cover `block`, in the order `scopedAll`
  /// reads them.
  private func scopeOrder(for block: PageLayout.Block, blockIndex: Int) -> [Int] {
    var found: [(depth: Int, distance: Int, index: Int)] = []
    for (index, candidate) in layout.blocks.enumerated() {
      guard candidate.table == nil else { continue }
      let depth: Int
      if index == blockIndex {
        depth = Int.max
      } else if candidate.isHeading {
        // A heading's scope is its own section: its section and then itself.
        let scope = candidate.section.count + 1
        guard block.section.count >= scope, block.section.starts(with: candidate.section), block.section[scope - 1] == index else {
          continue
        }
        depth = scope
      } else {
        guard block.section.starts(with: candidate.section) else { continue }
        depth = candidate.section.count
      }
      found.append((depth, abs(blockIndex - index), index))
    }
    found.sort { ($0.depth, -$0.distance, -$0.index) > ($1.depth, -$1.distance, -$1.index) }
    return found.map(\.index)
  }

  /// The effective date stated for the section of a block.
  func effectiveDate(for block: PageLayout.Block, at index: Int) -> String? {
    scoped(for: block, blockIndex: index) { candidate in
      candidate.text.flatMap(Vocabulary.effectiveDate(in:))
    }
  }

  /// The text just above a table in its section (its caption or introducing sentence).
  func caption(ofBlockAt index: Int) -> [String] {
    var result: [String] = []
    var probe = index - 1
    while probe >= 0, result.count < 2 {
      let block = layout.blocks[probe]
      if block.table != nil || block.isHeading { break }
      if let text = block.text { result.append(text) }
      probe -= 1
    }
    return result
  }

  /// The paragraph introducing the list a list item belongs to ("Earn miles on:").
  func leadIn(ofBlockAt index: Int) -> String? {
    var probe = index - 1
    while probe >= 0 {
      let block = layout.blocks[probe]
      switch block.content {
      case .listItem: probe -= 1
      case .paragraph(let text): return text
      default: return nil
      }
    }
    return nil
  }

  /// The heading texts above a block, innermost first, then the title.
  func headingTexts(for block: PageLayout.Block) -> [String] {
    var texts = Array(layout.headings(of: block).reversed())
    if let title = layout.title, texts.last != title { texts.append(title) }
    return texts
  }
}
