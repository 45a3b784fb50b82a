import Foundation

/// Turns a document of a known type (`DocumentInspector`) into `ProcessedText`: HTML through
/// `HTMLTextExtractor`, PDF through `PDFTextExtractor`, plain text as described by `PlainText`.
public struct TextExtractor: Sendable {
  private let pdf: PDFTextExtractor

  /// - Parameters:
  ///   - pdftotextPath: Where pdftotext is; nil looks for it in PATH.
  ///   - pdfTimeout: How long pdftotext may take over one document.
  public init(pdftotextPath: String? = nil, pdfTimeout: Duration = .seconds(30)) {
    pdf = PDFTextExtractor(pdftotextPath: pdftotextPath, timeout: pdfTimeout)
  }

  /// The document's text; fails when it cannot be decoded or read, or has no text at all.
  public func extract(
    _ data: Data,
    as type: DocumentType,
    declaredContentType: String? = nil
  ) async throws(DocumentInputError) -> ProcessedText {
    let processed: ProcessedText
    switch type {
    case .html:
      processed = HTMLTextExtractor.extract(try TextDecoding.decode(data, as: .html, declaredContentType: declaredContentType))
    case .text:
      let text = PlainText.normalized(try TextDecoding.decode(data, as: .text, declaredContentType: declaredContentType))
      processed = ProcessedText(title: PlainText.title(of: text), text: text)
    case .pdf:
      processed = try await pdf.extract(data)
    }
    guard processed.text.contains(where: { !$0.isWhitespace }) else { throw .invalid("no text found in the document") }
    return processed
  }
}

/// Plain text as `ProcessedText` holds it: LF line endings; no control characters but tab
/// and line feed; no trailing whitespace; blank lines in runs made one; no blank lines at the
/// start or end.
enum PlainText {
  static func normalized(_ text: String) -> String {
    var lines: [Substring] = []
    var lastWasBlank = true
    let unified = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    for rawLine in unified.split(separator: "\n", omittingEmptySubsequences: false) {
      var scalars = String.UnicodeScalarView()
      for scalar in rawLine.unicodeScalars where scalar == "\t" || scalar.properties.generalCategory != .control {
        scalars.append(scalar)
      }
      let line = Substring(String(scalars)).trimmingSuffix { $0.isWhitespace }
      let isBlank = line.isEmpty
      if isBlank && lastWasBlank { continue }
      lines.append(line)
      lastWasBlank = isBlank
    }
    while lines.last?.isEmpty == true { lines.removeLast() }
    return lines.joined(separator: "\n")
  }

  /// The first non-empty line (without Markdown's leading `#`s) when it is short enough to be
  /// a title and is not a table row.
  static func title(of text: String) -> String? {
    guard let first = text.split(separator: "\n").first(where: { !$0.allSatisfy(\.isWhitespace) }) else { return nil }
    let line = first.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
    guard !line.isEmpty, line.count <= 120, !line.hasPrefix("|") else { return nil }
    return line
  }
}

extension Substring {
  fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
    var end = endIndex
    while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
    return self[startIndex..<end]
  }
}
