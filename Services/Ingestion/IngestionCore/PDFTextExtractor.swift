import Dispatch
import Foundation
import Synchronization

/// Extracts a PDF's text with poppler's `pdftotext -layout -enc UTF-8` and writes it in the
/// `ProcessedText` format.
///
/// pdftotext reads a copy of the document in a temporary directory of its own and is stopped
/// after `timeout`. The caller's task only waits for it: the process runs outside Swift's
/// cooperative threads.
///
/// From the layout pdftotext prints, lines are kept (trimmed, runs of spaces made one), and
/// blank lines and page breaks become one blank line. Aligned columns become a table:
///
/// - Candidates are runs of consecutive lines each holding at least two pieces of text
///   separated by two or more spaces.
/// - The columns are the stretches between the character positions that are blank in every
///   line of the run (gaps narrower than two characters do not split).
/// - The run is a table when there are at least three columns and every line has one piece
///   of text in each of at least two columns, never two pieces in one. Each line is then a
///   `| … |` row of the text in each column.
/// - The first row is a header row (followed by `| --- |`) when it has no digits and a later
///   row has some.
/// - A run that does not line up is tried again without its first line, its last, or both,
///   so that a title just above a table does not spoil it.
public struct PDFTextExtractor: Sendable {
  /// Where pdftotext is; nil looks for it in PATH.
  public var pdftotextPath: String?
  public var timeout: Duration

  public init(pdftotextPath: String? = nil, timeout: Duration = .seconds(30)) {
    self.pdftotextPath = pdftotextPath
    self.timeout = timeout
  }

  public func extract(_ data: Data) async throws(DocumentInputError) -> ProcessedText {
    let executable = try locatePdftotext()
    let layout = try await run(executable, on: data)
    let text = Self.text(fromLayout: layout)
    return ProcessedText(title: PlainText.title(of: text), text: text)
  }

  /// pdftotext's path, or why there is none.
  func locatePdftotext() throws(DocumentInputError) -> String {
    let missing = "PDF text extraction needs pdftotext (Debian package poppler-utils)"
    if let pdftotextPath {
      guard FileManager.default.isExecutableFile(atPath: pdftotextPath) else {
        throw .unsupported("\(missing); there is none at \(pdftotextPath)")
      }
      return pdftotextPath
    }
    guard let found = Self.findInPath("pdftotext") else { throw .unsupported("\(missing); none was found in PATH") }
    return found
  }

  static func findInPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") where !directory.isEmpty {
      let candidate = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  // MARK: Running pdftotext

  private func run(_ executable: String, on data: Data) async throws(DocumentInputError) -> String {
    let fileManager = FileManager.default
    let directory = fileManager.temporaryDirectory.appendingPathComponent("pdftotext-\(UUID().uuidString)")
    let input = directory.appendingPathComponent("document.pdf")
    let output = directory.appendingPathComponent("document.txt")
    let errors = directory.appendingPathComponent("errors.txt")
    let process = Process()
    do {
      try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
      try data.write(to: input)
      guard fileManager.createFile(atPath: errors.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
      process.standardError = try FileHandle(forWritingTo: errors)
    } catch {
      try? fileManager.removeItem(at: directory)
      throw .unsupported("PDF text extraction could not prepare its temporary directory: \(error)")
    }
    defer { try? fileManager.removeItem(at: directory) }
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["-layout", "-enc", "UTF-8", input.path, output.path]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice

    let timedOut = Flag()
    let status: Int32
    do {
      status = try await Self.runToEnd(process, timeout: timeout, timedOut: timedOut)
    } catch {
      throw .unsupported("pdftotext (\(executable)) could not be started: \(error)")
    }
    try? (process.standardError as? FileHandle)?.close()

    if timedOut.isSet {
      throw .invalid("pdftotext did not finish reading the PDF within \(timeout); it may be damaged or too large")
    }
    guard status == 0 else {
      let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
      let firstLine = stderr.split(whereSeparator: \.isNewline).first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
      throw .invalid("the PDF could not be read: \(firstLine.map(String.init) ?? "pdftotext exited with status \(status)")")
    }
    guard let layout = try? Data(contentsOf: output) else { return "" }
    return String(decoding: layout, as: UTF8.self)
  }

  /// Runs `process` and waits for its end without holding a thread; terminates it after
  /// `timeout` (setting `timedOut`) or when the task is cancelled.
  private static func runToEnd(_ process: Process, timeout: Duration, timedOut: Flag) async throws -> Int32 {
    let (seconds, attoseconds) = timeout.components
    let deadline = DispatchTime.now() + Double(seconds) + Double(attoseconds) / 1e18
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
        process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
        do {
          try process.run()
        } catch {
          process.terminationHandler = nil
          continuation.resume(throwing: error)
          return
        }
        DispatchQueue.global().asyncAfter(deadline: deadline) {
          guard process.isRunning else { return }
          timedOut.set()
          stop(process)
        }
      }
    } onCancel: {
      stop(process)
    }
  }

  /// SIGKILL: pdftotext has nothing to clean up, and SIGTERM may not reach it, since a child
  /// inherits an ignored SIGTERM from a server that handles the signal itself.
  private static func stop(_ process: Process) {
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGKILL)
  }

  private final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
  }

  // MARK: Layout to text

  /// pdftotext's `-layout` output in the `ProcessedText` format (see the type's comment).
  static func text(fromLayout layout: String) -> String {
    var output: [String] = []
    func blankLine() {
      if let last = output.last, !last.isEmpty { output.append("") }
    }
    for page in layout.split(separator: "\u{0C}", omittingEmptySubsequences: false) {
      let lines = page.split(separator: "\n", omittingEmptySubsequences: false).map(cleanedLine)
      var index = 0
      while index < lines.count {
        var end = index
        while end < lines.count, pieces(of: lines[end]).count >= 2 { end += 1 }
        if let (range, rows) = table(in: lines, index..<end) {
          for line in lines[index..<range.lowerBound] { output.append(collapsed(line)) }
          blankLine()
          output += rows
          blankLine()
          index = range.upperBound
          continue
        }
        for line in lines[index..<max(end, index + 1)] {
          let text = collapsed(line)
          if text.isEmpty { blankLine() } else { output.append(text) }
        }
        index = max(end, index + 1)
      }
      blankLine()
    }
    while output.last == "" { output.removeLast() }
    return output.joined(separator: "\n")
  }

  /// The first of the run, the run without its first line, its last, or both, that reads as
  /// a table, with its rows.
  private static func table(in lines: [[Character]], _ run: Range<Int>) -> (Range<Int>, [String])? {
    let candidates = [run, run.dropFirst(), run.dropLast(), run.dropFirst().dropLast()]
    for candidate in candidates where candidate.count >= 2 {
      if let rows = tableRows(lines[candidate]) { return (candidate, rows) }
    }
    return nil
  }

  private static func tableRows(_ lines: ArraySlice<[Character]>) -> [String]? {
    let width = lines.map(\.count).max() ?? 0
    var blank = [Bool](repeating: true, count: width)
    for line in lines {
      for (position, character) in line.enumerated() where character != " " { blank[position] = false }
    }
    var columns: [Range<Int>] = []
    var position = 0
    while position < width {
      if blank[position] {
        position += 1
        continue
      }
      let start = position
      var end = position
      while position < width {
        if !blank[position] {
          position += 1
          end = position
          continue
        }
        var gapEnd = position
        while gapEnd < width && blank[gapEnd] { gapEnd += 1 }
        if gapEnd - position >= 2 || gapEnd == width { break }
        position = gapEnd
      }
      columns.append(start..<end)
    }
    guard columns.count >= 3 else { return nil }

    var rows: [[String]] = []
    for line in lines {
      let cells = columns.map { column in
        column.lowerBound < line.count ? collapsed(line[column.lowerBound..<min(column.upperBound, line.count)]) : ""
      }
      // Two pieces of text in one column mean the line does not follow the columns.
      let filled = cells.count(where: { !$0.isEmpty })
      guard filled >= 2, filled == pieces(of: line).count else { return nil }
      rows.append(cells)
    }
    let hasDigits = { (row: [String]) in row.contains { $0.contains(where: \.isNumber) } }
    let headed = !hasDigits(rows[0]) && rows.dropFirst().contains(where: hasDigits)
    var lines = rows.map { "| " + $0.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
    if headed { lines.insert("| " + Array(repeating: "---", count: columns.count).joined(separator: " | ") + " |", at: 1) }
    return lines
  }

  /// Pieces of text separated by two or more spaces.
  private static func pieces(of line: [Character]) -> [Range<Int>] {
    var pieces: [Range<Int>] = []
    var start: Int?
    var spaces = 0
    for (position, character) in line.enumerated() {
      if character == " " {
        spaces += 1
        if spaces == 2, let pieceStart = start {
          pieces.append(pieceStart..<(position - 1))
          start = nil
        }
      } else {
        if start == nil { start = position }
        spaces = 0
      }
    }
    if let start { pieces.append(start..<line.count) }
    return pieces
  }

  /// The line's characters with tabs as spaces, control characters removed and no trailing spaces.
  private static func cleanedLine(_ line: Substring) -> [Character] {
    var characters: [Character] = []
    characters.reserveCapacity(line.count)
    for character in line {
      if character == "\t" {
        characters.append(" ")
      } else if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
        scalar.properties.generalCategory == .control
      {
        continue
      } else {
        characters.append(character)
      }
    }
    while characters.last == " " { characters.removeLast() }
    return characters
  }

  private static func collapsed(_ characters: some Collection<Character>) -> String {
    var text = ""
    var pendingSpace = false
    for character in characters {
      if character == " " {
        pendingSpace = !text.isEmpty
      } else {
        if pendingSpace { text.append(" ") }
        pendingSpace = false
        text.append(character)
      }
    }
    return text
  }
}
