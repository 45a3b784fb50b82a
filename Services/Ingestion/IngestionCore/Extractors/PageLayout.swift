import Foundation

/// A table as rows of cells. `headerRows` is how many leading rows are headers (0 or 1).
struct LayoutTable: Sendable, Equatable {
  var rows: [[String]]
  var headerRows: Int
  /// Each row's source line, for evidence.
  var lines: [String]

  var header: [String]? { headerRows > 0 ? rows.first : nil }
  var bodyRows: ArraySlice<[String]> { rows.dropFirst(headerRows) }
  var columnCount: Int { rows.map(\.count).max() ?? 0 }

  /// Rows and columns swapped; the first column becomes the header row.
  var transposed: LayoutTable {
    let width = columnCount
    var result: [[String]] = Array(repeating: [], count: width)
    for row in rows {
      for column in 0..<width { result[column].append(column < row.count ? row[column] : "") }
    }
    let joined = lines.joined(separator: " / ")
    return LayoutTable(rows: result, headerRows: 1, lines: Array(repeating: joined, count: result.count))
  }

  func cell(_ row: [String], _ column: Int) -> String { column < row.count ? row[column] : "" }
}

/// `ProcessedText` read into headings, paragraphs, list items and tables, each block knowing
/// the headings it sits under. Plain-text pages get the same structure: underlined and
/// all-capitals lines are headings, runs of lines in aligned columns are tables.
struct PageLayout: Sendable {
  enum Content: Sendable, Equatable {
    case heading(level: Int, text: String)
    case paragraph(String)
    case listItem(String)
    case table(LayoutTable)
  }

  struct Block: Sendable {
    var content: Content
    /// Indices of the heading blocks the block sits under, outermost first.
    var section: [Int]
    /// The source text, for evidence.
    var line: String

    var text: String? {
      switch content {
      case .heading(_, let text), .paragraph(let text), .listItem(let text): text
      case .table: nil
      }
    }

    var table: LayoutTable? {
      if case .table(let table) = content { return table }
      return nil
    }

    var isHeading: Bool {
      if case .heading = content { return true }
      return false
    }
  }

  var title: String?
  var blocks: [Block]

  init(_ text: ProcessedText) {
    title = text.title?.collapsed
    blocks = Self.regrouped(Self.parse(text.text))
    if title == nil || title!.isEmpty {
      title = blocks.first(where: \.isHeading)?.text
    }
  }

  /// The heading texts above a block, outermost first.
  func headings(of block: Block) -> [String] {
    block.section.compactMap { blocks[$0].text }
  }

  /// Whether a statement made in `scope` (a block's section, or the block itself when a
  /// heading) covers `block`.
  func scope(_ scope: [Int], covers block: Block) -> Bool {
    block.section.starts(with: scope)
  }

  // MARK: Parsing

  private static func parse(_ text: String) -> [Block] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      line.utf8.contains(0x0D) ? String(line).replacingOccurrences(of: "\r", with: "") : String(line)
    }
    var blocks: [Block] = []
    var headingStack: [(level: Int, index: Int)] = []

    func section() -> [Int] { headingStack.map(\.index) }
    func addHeading(_ level: Int, _ text: String, _ line: String) {
      while let last = headingStack.last, last.level >= level { headingStack.removeLast() }
      blocks.append(Block(content: .heading(level: level, text: text), section: section(), line: line))
      headingStack.append((level, blocks.count - 1))
    }
    func add(_ content: Content, _ line: String) {
      blocks.append(Block(content: content, section: section(), line: line))
    }

    var index = 0
    while index < lines.count {
      let raw = lines[index]
      let line = raw.trimmingSpaces
      if line.isEmpty {
        index += 1
        continue
      }
      if let (level, heading) = markdownHeading(line) {
        addHeading(level, heading, line)
        index += 1
        continue
      }
      if line.hasPrefix("|") {
        var rows: [[String]] = []
        var sourceLines: [String] = []
        var headerRows = 0
        while index < lines.count {
          let rowLine = lines[index].trimmingSpaces
          guard rowLine.hasPrefix("|") else { break }
          let cells = pipeCells(rowLine)
          if cells.allSatisfy(isSeparatorCell) {
            if rows.count == 1 { headerRows = 1 }
          } else {
            rows.append(cells)
            sourceLines.append(rowLine)
          }
          index += 1
        }
        if !rows.isEmpty { add(.table(LayoutTable(rows: rows, headerRows: headerRows, lines: sourceLines)), sourceLines.joined(separator: "\n")) }
        continue
      }
      // Setext headings: a line underlined with "===" or "---".
      if index + 1 < lines.count {
        let next = lines[index + 1].trimmingSpaces
        if next.count >= 3, next.allSatisfy({ $0 == "=" }) || next.allSatisfy({ $0 == "-" }) {
          addHeading(next.first == "=" ? 1 : 2, line.collapsed, line)
          index += 2
          continue
        }
      }
      if let item = listItem(line) {
        add(.listItem(item), line)
        index += 1
        continue
      }
      // Aligned columns: two or more consecutive lines split by tabs or runs of spaces.
      if hasColumns(raw) {
        var end = index
        while end < lines.count, hasColumns(lines[end]) { end += 1 }
        if end - index >= 2 {
          add(.table(alignedTable(Array(lines[index..<end]))), lines[index..<end].joined(separator: "\n"))
          index = end
          continue
        }
      }
      if isCapitalsHeading(line) {
        addHeading(2, line.collapsed, line)
        index += 1
        continue
      }
      // A hard-wrapped paragraph goes on on the next line: after a line that does not end a
      // sentence, when the next starts in lower case or the line was long enough to be wrapped.
      let previousLine = index > 0 ? lines[index - 1].trimmingSpaces : ""
      if case .paragraph(let previous)? = blocks.last?.content, !previousLine.isEmpty,
        let last = previous.last, !".:!?;".contains(last), line.first?.isLowercase == true || previousLine.count >= 60
      {
        blocks[blocks.count - 1].content = .paragraph(previous + " " + line.collapsed)
        blocks[blocks.count - 1].line += " " + line.collapsed
      } else {
        add(.paragraph(line.collapsed), line)
      }
      index += 1
    }
    return blocks
  }

  // MARK: Regrouping

  /// Blocks that belong together read as one: a number tile and its caption ("3" above
  /// "points per dollar"), runs of "Key: value" lines describing several items alike, and
  /// table rows whose columns lost their spacing.
  private static func regrouped(_ parsed: [Block]) -> [Block] {
    var blocks = mergedTiles(parsed)
    blocks = recordTables(blocks)
    blocks = collapsedTables(blocks)
    return blocks
  }

  /// Indices shift when blocks merge; sections refer to heading indices, so rebuild them.
  private static func reindexed(_ blocks: [Block], keeping kept: [Int]) -> [Block] {
    var newIndex: [Int: Int] = [:]
    for (position, old) in kept.enumerated() { newIndex[old] = position }
    return kept.map { old in
      var block = blocks[old]
      block.section = block.section.compactMap { newIndex[$0] }
      return block
    }
  }

  private static func mergedTiles(_ blocks: [Block]) -> [Block] {
    var blocks = blocks
    var kept: [Int] = []
    var index = 0
    while index < blocks.count {
      if case .paragraph(let number) = blocks[index].content, index + 1 < blocks.count,
        !number.isEmpty, number.count <= 8, number.allSatisfy({ $0.isNumber || ",.%xX".contains($0) }),
        case .paragraph(let caption) = blocks[index + 1].content, caption.first?.isLowercase == true,
        blocks[index].section == blocks[index + 1].section
      {
        blocks[index].content = .paragraph(number + " " + caption)
        blocks[index].line = number + " " + caption
        kept.append(index)
        index += 2
        continue
      }
      kept.append(index)
      index += 1
    }
    return reindexed(blocks, keeping: kept)
  }

  /// "Key: value" of a paragraph or list item, for keys of one to five words.
  private static func keyValue(_ block: Block) -> (String, String)? {
    guard let text = block.text, !block.isHeading, let colon = text.firstIndex(of: ":") else { return nil }
    let key = text[..<colon].trimmingSpaces
    let value = text[text.index(after: colon)...].trimmingSpaces
    let words = key.split(separator: " ")
    guard !value.isEmpty, (1...5).contains(words.count), !key.contains(where: \.isNumber) else { return nil }
    return (key, value)
  }

  /// Runs of "Key: value" lines describing several items with the same keys ("Booking
  /// classes: J, C" / "Miles earned: 125%") become tables with the keys as header.
  private static func recordTables(_ blocks: [Block]) -> [Block] {
    struct Run {
      var start: Int
      var end: Int
      var keys: [String]
      var records: [[String: String]]
    }
    var runs: [Run] = []
    var index = 0
    while index < blocks.count {
      guard keyValue(blocks[index]) != nil else {
        index += 1
        continue
      }
      var end = index
      var records: [[String: String]] = [[:]]
      var keys: [String] = []
      while end < blocks.count, let (key, value) = keyValue(blocks[end]), blocks[end].section == blocks[index].section {
        let folded = TextTokens.fold(key)
        if records[records.count - 1][folded] != nil { records.append([:]) }
        records[records.count - 1][folded] = value
        if !keys.contains(folded) { keys.append(folded) }
        end += 1
      }
      runs.append(Run(start: index, end: end, keys: keys, records: records))
      index = max(end, index + 1)
    }
    func signature(_ run: Run) -> [String] { run.keys.sorted() }
    let qualifying = runs.filter { run in
      run.keys.count >= 2 && run.records.allSatisfy { $0.count >= 2 }
        && (run.records.count >= 2 || runs.filter { signature($0) == signature(run) }.count >= 2)
    }
    guard !qualifying.isEmpty else { return blocks }
    var result = blocks
    var drop = Set<Int>()
    for run in qualifying {
      let originalKeys = run.keys.map { key in
        (run.start..<run.end).lazy.compactMap { keyValue(blocks[$0]) }.first { TextTokens.fold($0.0) == key }?.0 ?? key
      }
      var rows = [originalKeys]
      var lines = [originalKeys.joined(separator: " | ")]
      for record in run.records {
        rows.append(run.keys.map { record[$0] ?? "" })
        lines.append(run.keys.map { "\($0): \(record[$0] ?? "")" }.joined(separator: " / "))
      }
      let table = LayoutTable(rows: rows, headerRows: 1, lines: lines)
      result[run.start].content = .table(table)
      result[run.start].line = lines.joined(separator: "\n")
      for dropped in (run.start + 1)..<run.end { drop.insert(dropped) }
    }
    return reindexed(result, keeping: result.indices.filter { !drop.contains($0) })
  }

  /// A line naming columns ("Distance band Economy Premium Economy Business First") above
  /// lines ending in as many values ("Short: 751 - 2,750 12,500 20,000 30,000 45,000"), as
  /// text whose column spacing was lost: a table.
  private static func collapsedTables(_ blocks: [Block]) -> [Block] {
    var result = blocks
    var drop = Set<Int>()
    var index = 0
    while index < blocks.count {
      guard case .paragraph(let headerText) = blocks[index].content, let (label, names) = trailingCabinNames(headerText), names.count >= 2
      else {
        index += 1
        continue
      }
      var rows = [[label] + names]
      var lines = [headerText]
      var end = index + 1
      while end < blocks.count, case .paragraph(let rowText) = blocks[end].content, blocks[end].section == blocks[index].section,
        let values = trailingValues(rowText, count: names.count)
      {
        rows.append([values.label] + values.values)
        lines.append(rowText)
        end += 1
      }
      if rows.count >= 3 {
        result[index].content = .table(LayoutTable(rows: rows, headerRows: 1, lines: lines))
        result[index].line = lines.joined(separator: "\n")
        for dropped in (index + 1)..<end { drop.insert(dropped) }
        index = end
      } else {
        index += 1
      }
    }
    return reindexed(result, keeping: result.indices.filter { !drop.contains($0) })
  }

  /// A line's trailing cabin names and the text before them.
  private static func trailingCabinNames(_ text: String) -> (String, [String])? {
    var words = text.split(separator: " ").map(String.init)
    // Most lines end in no cabin name: their last word ends none.
    let tail = TextTokens.tokenize(words.suffix(3).joined(separator: " "))
    guard let last = tail.last(where: \.isWord), Vocabulary.cabinNameEndings.contains(last.folded) else { return nil }
    var names: [String] = []
    while !words.isEmpty {
      var matched = false
      for length in stride(from: min(3, words.count), through: 1, by: -1) {
        let candidate = words.suffix(length).joined(separator: " ")
        if Vocabulary.isCabinName(candidate) {
          names.insert(candidate, at: 0)
          words.removeLast(length)
          matched = true
          break
        }
      }
      if !matched { break }
    }
    guard !names.isEmpty else { return nil }
    return (words.joined(separator: " "), names)
  }

  /// The last `count` values of a line (numbers, or "—", "n/a", "Not offered") and the
  /// label before them.
  private static func trailingValues(_ text: String, count: Int) -> (label: String, values: [String])? {
    var words = text.split(separator: " ").map(String.init)
    var values: [String] = []
    while values.count < count, !words.isEmpty {
      let last = words[words.count - 1]
      if words.count >= 2, ["not offered", "not available", "not applicable"].contains(TextTokens.fold(words.suffix(2).joined(separator: " "))) {
        values.insert(words.suffix(2).joined(separator: " "), at: 0)
        words.removeLast(2)
      } else if last.first?.isNumber == true, last.allSatisfy({ $0.isNumber || ",.kK*".contains($0) }) {
        values.insert(last, at: 0)
        words.removeLast()
      } else if Vocabulary.isNoValue(last) {
        values.insert(last, at: 0)
        words.removeLast()
      } else {
        return nil
      }
    }
    guard values.count == count, !words.isEmpty else { return nil }
    return (words.joined(separator: " "), values)
  }

  private static func markdownHeading(_ line: String) -> (Int, String)? {
    let hashes = line.prefix { $0 == "#" }.count
    guard hashes > 0, hashes <= 6 else { return nil }
    let rest = line.dropFirst(hashes)
    guard rest.first == " " else { return nil }
    return (hashes, String(rest).collapsed)
  }

  private static func listItem(_ line: String) -> String? {
    for marker in ["- ", "* ", "• ", "· ", "– "] where line.hasPrefix(marker) {
      return String(line.dropFirst(marker.count)).collapsed
    }
    // "1. item", "2) item"
    let digits = line.prefix { $0.isASCII && $0.isNumber }
    if !digits.isEmpty, digits.count <= 2 {
      let rest = line.dropFirst(digits.count)
      if rest.hasPrefix(". ") || rest.hasPrefix(") ") { return String(rest.dropFirst(2)).collapsed }
    }
    return nil
  }

  static func pipeCells(_ line: String) -> [String] {
    var cells: [String] = []
    var current = ""
    var escaped = false
    for character in line {
      if escaped {
        current.append(character)
        escaped = false
      } else if character == "\\" {
        escaped = true
      } else if character == "|" {
        cells.append(current)
        current = ""
      } else {
        current.append(character)
      }
    }
    cells.append(current)
    // The leading "|" leaves an empty first cell, the trailing one an empty last cell.
    if cells.first?.trimmingSpaces.isEmpty == true { cells.removeFirst() }
    if cells.last?.trimmingSpaces.isEmpty == true { cells.removeLast() }
    return cells.map(\.collapsed)
  }

  private static func isSeparatorCell(_ cell: String) -> Bool {
    !cell.isEmpty && cell.allSatisfy { $0 == "-" || $0 == ":" || $0 == " " }
  }

  /// Whether a line splits into two or more cells (`columnCells`): only a line with a tab
  /// or two spaces in a row can.
  static func hasColumns(_ line: String) -> Bool {
    var previousSpace = false
    var gap = false
    for byte in line.utf8 {
      if byte == 0x09 || (byte == 0x20 && previousSpace) {
        gap = true
        break
      }
      previousSpace = byte == 0x20
    }
    return gap && columnCells(line).count >= 2
  }

  /// A line's cells when split on tabs or on runs of two or more spaces, with where each
  /// cell starts.
  static func columnCells(_ line: String) -> [(text: String, start: Int, end: Int)] {
    var cells: [(String, Int, Int)] = []
    let characters = Array(line.replacingOccurrences(of: "\t", with: "    "))
    var position = 0
    while position < characters.count {
      while position < characters.count, characters[position] == " " { position += 1 }
      guard position < characters.count else { break }
      let start = position
      var end = position
      while end < characters.count {
        if characters[end] == " ", end + 1 < characters.count, characters[end + 1] == " " { break }
        if characters[end] == " ", end + 1 == characters.count { break }
        end += 1
      }
      cells.append((String(characters[start..<end]), start, end))
      position = end
    }
    return cells
  }

  /// Lines in aligned columns read as a table: the first line's cells set the columns and
  /// every later cell joins the column it overlaps most (empty cells leave gaps).
  private static func alignedTable(_ lines: [String]) -> LayoutTable {
    let split = lines.map(columnCells)
    // Columns are the widest line's cells.
    let widest = split.max { $0.count < $1.count } ?? []
    let spans = widest.map { ($0.start, $0.end) }
    var rows: [[String]] = []
    for cells in split {
      var row = Array(repeating: "", count: spans.count)
      for cell in cells {
        var best = 0
        var bestScore = Int.min
        for (column, span) in spans.enumerated() {
          let overlap = min(cell.end, span.1) - max(cell.start, span.0)
          let score = overlap > 0 ? overlap : -abs(cell.start - span.0)
          if score > bestScore {
            bestScore = score
            best = column
          }
        }
        row[best] = row[best].isEmpty ? cell.text : row[best] + " " + cell.text
      }
      rows.append(row)
    }
    // A first line with no numbers above lines with numbers is the header.
    let firstHasNumbers = rows.first?.contains { $0.contains(where: \.isNumber) } ?? false
    let laterHaveNumbers = rows.dropFirst().contains { $0.contains { $0.contains(where: \.isNumber) } }
    let headerRows = !firstHasNumbers && laterHaveNumbers ? 1 : 0
    return LayoutTable(rows: rows, headerRows: headerRows, lines: lines.map { $0.trimmingSpaces })
  }

  private static func isCapitalsHeading(_ line: String) -> Bool {
    // Any lower-case letter rules it out; most lines have one.
    if line.utf8.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) { return false }
    let letters = line.filter(\.isLetter)
    guard letters.count >= 4, line.count <= 80 else { return false }
    guard letters.allSatisfy({ !$0.isLowercase }) else { return false }
    // "J, C, D — 150%" is a row of codes, not a heading: a heading has a word of three letters.
    return line.split(whereSeparator: { !$0.isLetter }).contains { $0.count >= 3 }
  }
}
