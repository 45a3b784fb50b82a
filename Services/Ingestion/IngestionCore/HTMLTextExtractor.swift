internal import CLibXML2
import Foundation

/// Reads HTML with libxml2's HTML parser and writes its text in the `ProcessedText` format.
///
/// - Dropped with everything inside: `<head>` (except `<title>`), scripts, styles,
///   `<noscript>`, `<template>`, `<svg>`, `<math>`, frames, objects, form controls with
///   options (`<select>`, `<textarea>`), media, comments, and elements marked `hidden`,
///   `aria-hidden="true"` or `style="display:none"`.
/// - Block elements start new lines; paragraphs and other blocks are separated by a blank
///   line, list items and table rows are not.
/// - `<h1>`…`<h6>` become `# `…`###### ` lines; `<li>` becomes `- item` (nested lists are
///   not indented).
/// - Definition lists: each `<dd>` becomes `- term: definition`, with the terms of
///   consecutive `<dt>`s joined by ", "; a `<dt>` without a `<dd>` becomes `- term`.
/// - Tables: one `| … |` line per row. Rows in `<thead>` or made only of `<th>` cells at the
///   top of the table are header rows, followed by `| --- |`. A cell spanning several columns
///   or rows repeats its text in each, so columns stay aligned; columns empty in every row are
///   left out. A table inside a cell is flattened into the cell's text. A table of at most
///   one cell is page layout, not data: its content reads as ordinary blocks.
/// - Whitespace collapses to single spaces; no-break and other Unicode spaces are spaces;
///   soft hyphens, zero-width spaces and control characters are removed.
///
/// The title is the `<title>`, else the first `<h1>`.
public enum HTMLTextExtractor {
  public static func extract(_ html: String) -> ProcessedText {
    _ = parserInitialized
    var html = html
    return html.withUTF8 { bytes -> ProcessedText in
      guard let base = bytes.baseAddress, !bytes.isEmpty, bytes.count <= Int(Int32.max) else {
        return ProcessedText(title: nil, text: "")
      }
      // Without XML_PARSE_HUGE libxml2 stops reading at 256 nested elements and drops the rest
      // of the document; the walk below needs no stack, so any depth costs only memory.
      let options = HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
        | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue | XML_PARSE_HUGE.rawValue
      // The text is already decoded: telling libxml2 it is UTF-8 keeps a <meta charset> from
      // decoding it a second time.
      let document = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
        htmlReadMemory($0, Int32(bytes.count), nil, "UTF-8", Int32(options))
      }
      guard let document else { return ProcessedText(title: nil, text: "") }
      defer { xmlFreeDoc(document) }
      var writer = HTMLTextWriter()
      writer.walk(document)
      return writer.result()
    }
  }

  /// libxml2 must be initialised once before threads use it.
  private static let parserInitialized: Void = xmlInitParser()
}

/// Walks a parsed document without recursion and writes its text.
private struct HTMLTextWriter {
  private enum Separator: Int, Comparable {
    case none, line, blank
    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
  }

  /// What to do when leaving an element.
  private enum Frame {
    case inline
    case block
    case heading
    case listItem
    case list
    case definitionList
    case term
    case definition
    case table
    case tableSection(header: Bool)
    case row
    case cell(colspan: Int, rowspan: Int, header: Bool)
    case title
    case head
    case pre
    /// A block inside captured text (a table cell, a term): a space on each side.
    case capturedBlock
  }

  private static let skipped: Set<String> = [
    "script", "style", "noscript", "template", "svg", "math", "iframe", "frame", "frameset", "object", "embed",
    "canvas", "select", "textarea", "audio", "video",
  ]
  private static let blocks: Set<String> = [
    "p", "div", "section", "article", "header", "footer", "nav", "aside", "main", "blockquote", "figure",
    "figcaption", "address", "form", "fieldset", "legend", "details", "summary", "dialog", "center", "hgroup",
    "search", "caption", "body", "tr", "td", "th", "thead", "tbody", "tfoot", "table",
  ]
  private static let lists: Set<String> = ["ul", "ol", "menu", "dir"]
  private static let headingPrefixes = ["h1": "# ", "h2": "## ", "h3": "### ", "h4": "#### ", "h5": "##### ", "h6": "###### "]

  private var lines: [String] = []
  private var line = InlineText()
  private var prefix: String?
  private var separator = Separator.none
  /// Text being collected for a table cell, term, definition or title, innermost last.
  private var captures: [InlineText] = []
  private var frames: [Frame] = []
  private var tables: [TableBuilder] = []
  private var terms: [String] = []
  private var definitionWritten = false
  private var headDepth = 0
  private var preDepth = 0
  private var listItemDepth = 0
  private var title: String?
  private var firstHeading: String?

  mutating func walk(_ document: xmlDocPtr) {
    let root = UnsafeMutableRawPointer(document)
    var next: xmlNodePtr? = document.pointee.children
    while let node = next {
      let entered = enter(node)
      if entered, let child = node.pointee.children {
        next = child
        continue
      }
      if entered { exit() }
      var current = node
      while current.pointee.next == nil {
        guard let parent = current.pointee.parent, UnsafeMutableRawPointer(parent) != root else { return }
        exit()
        current = parent
      }
      next = current.pointee.next
    }
  }

  mutating func result() -> ProcessedText {
    flush()
    while lines.last == "" { lines.removeLast() }
    return ProcessedText(title: title ?? firstHeading, text: lines.joined(separator: "\n"))
  }

  // MARK: Elements

  /// Handles the start of a node; true when its children are to be walked, in which case a
  /// frame was pushed for `exit()`.
  private mutating func enter(_ node: xmlNodePtr) -> Bool {
    switch node.pointee.type {
    case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
      if let content = node.pointee.content {
        text(UnsafeBufferPointer(start: content, count: strlen(UnsafeRawPointer(content).assumingMemoryBound(to: CChar.self))))
      }
      return false
    case XML_ELEMENT_NODE:
      break
    default:
      return false
    }
    let name = String(cString: node.pointee.name)
    if Self.skipped.contains(name) || isHidden(node) { return false }

    switch name {
    case "br":
      if captures.isEmpty { requestBreak(.line) } else { captures[captures.count - 1].space() }
      return false
    case "hr":
      if captures.isEmpty { breakBlock() } else { captures[captures.count - 1].space() }
      return false
    case "img", "wbr":
      return false
    case "title":
      captures.append(InlineText())
      frames.append(.title)
      return true
    case "head":
      headDepth += 1
      frames.append(.head)
      return true
    case "sup":
      // Keeps a footnote marker from joining the number before it ("1,000¹" is not "1,0001").
      if captures.isEmpty { line.space() } else { captures[captures.count - 1].space() }
      frames.append(.inline)
      return true
    default:
      break
    }

    if !captures.isEmpty {
      let isBlock = Self.blocks.contains(name) || Self.lists.contains(name) || headingPrefix(for: name) != nil
        || ["li", "dl", "dt", "dd", "pre"].contains(name)
      if isBlock { captures[captures.count - 1].space() }
      frames.append(isBlock ? .capturedBlock : .inline)
      return true
    }

    if let headingPrefix = headingPrefix(for: name) {
      breakBlock()
      prefix = headingPrefix
      frames.append(.heading)
      return true
    }
    if Self.lists.contains(name) {
      breakBlock()
      frames.append(.list)
      return true
    }
    switch name {
    case "li":
      requestBreak(.line)
      prefix = "- "
      listItemDepth += 1
      frames.append(.listItem)
    case "dl":
      breakBlock()
      terms = []
      definitionWritten = false
      frames.append(.definitionList)
    case "dt":
      if definitionWritten {
        terms = []
        definitionWritten = false
      }
      captures.append(InlineText())
      frames.append(.term)
    case "dd":
      captures.append(InlineText())
      frames.append(.definition)
    case "pre":
      breakBlock()
      preDepth += 1
      frames.append(.pre)
    case "table" where Self.cellCount(of: node, upTo: 2) >= 2:
      breakBlock()
      tables.append(TableBuilder())
      frames.append(.table)
    case _ where ["thead", "tbody", "tfoot"].contains(name) && !tables.isEmpty:
      let header = name == "thead"
      if header { tables[tables.count - 1].headerSectionDepth += 1 }
      frames.append(.tableSection(header: header))
    case "tr" where !tables.isEmpty:
      tables[tables.count - 1].startRow()
      frames.append(.row)
    case _ where (name == "td" || name == "th") && !tables.isEmpty:
      captures.append(InlineText())
      frames.append(
        .cell(
          colspan: Self.span(node, "colspan", default: 1, range: 1...100),
          rowspan: Self.span(node, "rowspan", default: 1, range: 0...1000),
          header: name == "th"
        )
      )
    default:
      if Self.blocks.contains(name) {
        breakBlock()
        frames.append(.block)
      } else {
        frames.append(.inline)
      }
    }
    return true
  }

  private mutating func exit() {
    switch frames.removeLast() {
    case .inline:
      break
    case .block, .list:
      breakBlock()
    case .heading:
      flush()
      prefix = nil
      breakBlock()
    case .listItem:
      requestBreak(.line)
      prefix = nil
      listItemDepth -= 1
    case .definitionList:
      requestBreak(.line)
      if !definitionWritten && !terms.isEmpty { writeLine("- " + terms.joined(separator: ", ")) }
      terms = []
      definitionWritten = false
      breakBlock()
    case .term:
      let term = captures.removeLast().text
      if !term.isEmpty { terms.append(term) }
    case .definition:
      let definition = captures.removeLast().text
      let item = [terms.joined(separator: ", "), definition].filter { !$0.isEmpty }.joined(separator: ": ")
      requestBreak(.line)
      if !item.isEmpty { writeLine("- " + item) }
      definitionWritten = true
    case .table:
      var table = tables.removeLast()
      let rows = table.lines()
      breakBlock()
      for row in rows { writeLine(row) }
      breakBlock()
    case .tableSection(let header):
      if header { tables[tables.count - 1].headerSectionDepth -= 1 }
    case .row:
      tables[tables.count - 1].endRow()
    case .cell(let colspan, let rowspan, let header):
      let text = captures.removeLast().text
      tables[tables.count - 1].addCell(text, colspan: colspan, rowspan: rowspan, header: header)
    case .title:
      let text = captures.removeLast().text
      if title == nil && !text.isEmpty { title = text }
    case .head:
      headDepth -= 1
    case .pre:
      preDepth -= 1
      breakBlock()
    case .capturedBlock:
      captures[captures.count - 1].space()
    }
  }

  private func headingPrefix(for name: String) -> String? { Self.headingPrefixes[name] }

  // MARK: Text

  private mutating func text(_ content: UnsafeBufferPointer<UInt8>) {
    if !captures.isEmpty {
      captures[captures.count - 1].append(content)
    } else if headDepth > 0 {
      return
    } else if preDepth > 0 {
      var start = 0
      for index in content.indices where content[index] == 0x0A {
        line.append(UnsafeBufferPointer(rebasing: content[start..<index]))
        requestBreak(.line)
        start = index + 1
      }
      line.append(UnsafeBufferPointer(rebasing: content[start...]))
    } else {
      line.append(content)
    }
  }

  /// Ends the current line; the next starts after at least `separator`.
  private mutating func requestBreak(_ separator: Separator) {
    flush()
    self.separator = max(self.separator, separator)
  }

  /// A blank line, except inside a list item where blocks stay in the item.
  private mutating func breakBlock() {
    requestBreak(listItemDepth > 0 ? .line : .blank)
  }

  private mutating func flush() {
    guard !line.isEmpty else { return }
    let text = line.take()
    if prefix == "# " && firstHeading == nil { firstHeading = text }
    writeLine((prefix ?? "") + text)
    prefix = nil
  }

  private mutating func writeLine(_ text: String) {
    if separator == .blank, let last = lines.last, !last.isEmpty { lines.append("") }
    lines.append(text)
    separator = .none
  }

  // MARK: Attributes

  private func isHidden(_ node: xmlNodePtr) -> Bool {
    var attribute = node.pointee.properties
    while let current = attribute {
      switch String(cString: current.pointee.name) {
      case "hidden":
        return true
      case "aria-hidden":
        if Self.value(of: current).lowercased() == "true" { return true }
      case "style":
        let style = Self.value(of: current).lowercased().filter { !$0.isWhitespace }
        if style.contains("display:none") || style.contains("visibility:hidden") { return true }
      default:
        break
      }
      attribute = current.pointee.next
    }
    return false
  }

  private static func value(of attribute: xmlAttrPtr) -> String {
    var value = ""
    var child = attribute.pointee.children
    while let node = child {
      if let content = node.pointee.content { value += String(cString: content) }
      child = node.pointee.next
    }
    return value
  }

  private static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
    var attribute = node.pointee.properties
    while let current = attribute {
      if String(cString: current.pointee.name) == name { return value(of: current) }
      attribute = current.pointee.next
    }
    return nil
  }

  private static func span(_ node: xmlNodePtr, _ name: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
    guard let text = attribute(node, name), let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
      return defaultValue
    }
    return min(max(value, range.lowerBound), range.upperBound)
  }

  /// The table's own cells (not those of tables inside them), counted up to `limit`.
  private static func cellCount(of table: xmlNodePtr, upTo limit: Int) -> Int {
    var count = 0
    for child in elementChildren(of: table) {
      switch String(cString: child.pointee.name) {
      case "td", "th":
        count += 1
      case "tr":
        count += cells(inRow: child)
      case "thead", "tbody", "tfoot":
        for row in elementChildren(of: child) where String(cString: row.pointee.name) == "tr" {
          count += cells(inRow: row)
          if count >= limit { return count }
        }
      default:
        break
      }
      if count >= limit { return count }
    }
    return count
  }

  private static func cells(inRow row: xmlNodePtr) -> Int {
    elementChildren(of: row).count(where: { ["td", "th"].contains(String(cString: $0.pointee.name)) })
  }

  private static func elementChildren(of node: xmlNodePtr) -> [xmlNodePtr] {
    var children: [xmlNodePtr] = []
    var child = node.pointee.children
    while let current = child {
      if current.pointee.type == XML_ELEMENT_NODE { children.append(current) }
      child = current.pointee.next
    }
    return children
  }
}

/// Text with whitespace collapsed as HTML renders it, kept as UTF-8 bytes.
private struct InlineText {
  private var bytes: [UInt8] = []
  private var pendingSpace = false

  var isEmpty: Bool { bytes.isEmpty }

  /// A space before the next text, unless the text so far is empty.
  mutating func space() { pendingSpace = true }

  mutating func append(_ text: UnsafeBufferPointer<UInt8>) {
    var index = 0
    let count = text.count
    while index < count {
      let byte = text[index]
      if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C {
        pendingSpace = true
        index += 1
        continue
      }
      if byte < 0x20 || byte == 0x7F {
        index += 1
        continue
      }
      if byte == 0xC2, index + 1 < count {
        let next = text[index + 1]
        if next == 0xA0 {  // no-break space
          pendingSpace = true
          index += 2
          continue
        }
        if next == 0xAD || (0x80...0x9F).contains(next) {  // soft hyphen, C1 controls
          index += 2
          continue
        }
      }
      if byte == 0xE2, index + 2 < count, text[index + 1] == 0x80 {
        let last = text[index + 2]
        if (0x80...0x8A).contains(last) || last == 0xA8 || last == 0xA9 || last == 0xAF {  // U+2000–200A, 2028, 2029, 202F
          pendingSpace = true
          index += 3
          continue
        }
        if last == 0x8B {  // zero-width space
          index += 3
          continue
        }
      }
      if byte == 0xEF, index + 2 < count, text[index + 1] == 0xBB, text[index + 2] == 0xBF {  // U+FEFF
        index += 3
        continue
      }
      if pendingSpace && !bytes.isEmpty { bytes.append(0x20) }
      pendingSpace = false
      bytes.append(byte)
      index += 1
    }
  }

  var text: String { String(decoding: bytes, as: UTF8.self) }

  mutating func take() -> String {
    let text = String(decoding: bytes, as: UTF8.self)
    bytes.removeAll(keepingCapacity: true)
    pendingSpace = false
    return text
  }
}

/// A table's rows as read, laid out on a grid once complete.
private struct TableBuilder {
  private struct Cell {
    var text: String
    var colspan: Int
    var rowspan: Int
  }

  private static let maxColumns = 100

  var headerSectionDepth = 0
  private var rows: [(cells: [Cell], isHeader: Bool)] = []
  private var row: [Cell]?
  private var rowInHeaderSection = false
  private var rowOnlyHeaderCells = true

  mutating func startRow() {
    endRow()
    row = []
    rowInHeaderSection = headerSectionDepth > 0
    rowOnlyHeaderCells = true
  }

  mutating func endRow() {
    guard let cells = row else { return }
    if !cells.isEmpty { rows.append((cells, rowInHeaderSection || rowOnlyHeaderCells)) }
    row = nil
  }

  mutating func addCell(_ text: String, colspan: Int, rowspan: Int, header: Bool) {
    if row == nil { startRow() }
    row!.append(Cell(text: text, colspan: colspan, rowspan: rowspan))
    if !header { rowOnlyHeaderCells = false }
  }

  /// The table's `| … |` lines, with `| --- |` after the header rows at its top.
  mutating func lines() -> [String] {
    endRow()
    var grid = [[String?]](repeating: [], count: rows.count)
    for (index, row) in rows.enumerated() {
      var column = 0
      for cell in row.cells {
        while column < grid[index].count, grid[index][column] != nil { column += 1 }
        guard column < Self.maxColumns else { break }
        let columns = column..<min(column + cell.colspan, Self.maxColumns)
        // rowspan="0" spans the rest of the table.
        let spannedRows = index..<(cell.rowspan == 0 ? rows.count : min(rows.count, index + cell.rowspan))
        for spanned in spannedRows {
          if grid[spanned].count < columns.upperBound {
            grid[spanned].append(contentsOf: repeatElement(nil, count: columns.upperBound - grid[spanned].count))
          }
          for spannedColumn in columns where grid[spanned][spannedColumn] == nil { grid[spanned][spannedColumn] = cell.text }
        }
        column = columns.upperBound
      }
    }

    let width = grid.map(\.count).max() ?? 0
    let columns = (0..<width).filter { column in
      grid.contains { column < $0.count && !($0[column] ?? "").isEmpty }
    }
    guard !columns.isEmpty else { return [] }
    var headerRows = rows.prefix { $0.isHeader }.count
    if headerRows == rows.count && rows.count > 1 { headerRows = 1 }

    var lines: [String] = []
    for (index, cells) in grid.enumerated() {
      let texts = columns.map { column in
        (column < cells.count ? cells[column] ?? "" : "").replacingOccurrences(of: "|", with: "\\|")
      }
      if texts.contains(where: { !$0.isEmpty }) { lines.append("| " + texts.joined(separator: " | ") + " |") }
      if index == headerRows - 1 && !lines.isEmpty {
        lines.append("| " + Array(repeating: "---", count: columns.count).joined(separator: " | ") + " |")
      }
    }
    return lines
  }
}
