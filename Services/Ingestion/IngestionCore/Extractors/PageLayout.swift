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
    blocks = Self.parse(text.text)
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
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).replacingOccurrences(of: "\r", with: "") }
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
      let line = raw.trimmingCharacters(in: .whitespaces)
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
          let rowLine = lines[index].trimmingCharacters(in: .whitespaces)
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
        let next = lines[index + 1].trimmingCharacters(in: .whitespaces)
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
      if columnCells(raw).count >= 2 {
        var end = index
        while end < lines.count, columnCells(lines[end]).count >= 2 { end += 1 }
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
      // A hard-wrapped paragraph's next line starts in lower case after a line that does not
      // end a sentence.
      if case .paragraph(let previous)? = blocks.last?.content, index > 0,
        !lines[index - 1].trimmingCharacters(in: .whitespaces).isEmpty,
        let last = previous.last, !".:!?;".contains(last), line.first?.isLowercase == true
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
    if cells.first?.trimmingCharacters(in: .whitespaces).isEmpty == true { cells.removeFirst() }
    if cells.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { cells.removeLast() }
    return cells.map(\.collapsed)
  }

  private static func isSeparatorCell(_ cell: String) -> Bool {
    !cell.isEmpty && cell.allSatisfy { $0 == "-" || $0 == ":" || $0 == " " }
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
    return LayoutTable(rows: rows, headerRows: headerRows, lines: lines.map { $0.trimmingCharacters(in: .whitespaces) })
  }

  private static func isCapitalsHeading(_ line: String) -> Bool {
    let letters = line.filter(\.isLetter)
    guard letters.count >= 4, line.count <= 80 else { return false }
    guard letters.allSatisfy({ !$0.isLowercase }) else { return false }
    // "J, C, D — 150%" is a row of codes, not a heading: a heading has a word of three letters.
    return line.split(whereSeparator: { !$0.isLetter }).contains { $0.count >= 3 }
  }
}
