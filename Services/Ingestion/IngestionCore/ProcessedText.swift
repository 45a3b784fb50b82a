import Foundation

/// A document reduced to clean text: the "text extracted" stage's output and what fact
/// extractors read. The format is line-based UTF-8, close to Markdown:
///
/// - `# `, `## `, `### ` … start a heading line (the HTML heading level).
/// - Paragraphs are lines of their own, separated by a blank line.
/// - List items are lines starting with `- `.
/// - A table is one line per row, `| cell | cell |`; when the table has a header row it is
///   followed by `| --- | --- |`. Cells are whitespace-collapsed, with `|` escaped as `\|`.
/// - Nothing of scripts, styles, comments or other non-content markup.
public struct ProcessedText: Sendable, Equatable {
  /// The document's title (HTML `<title>`, else its first heading), when it has one.
  public var title: String?
  public var text: String

  public init(title: String?, text: String) {
    self.title = title
    self.text = text
  }
}
