import Foundation

/// Decides what a document is from its content, and refuses what cannot be read.
///
/// The content decides: `%PDF-` at the start is a PDF; markup at the start (after a byte order
/// mark, whitespace, comments and an XML declaration) such as `<!doctype html`, `<html`,
/// `<head` or `<body`, or several common HTML tags early on, is HTML; other text that decodes
/// (`TextDecoding`) and has no NUL bytes and few control characters is plain text. Images,
/// archives (including .docx), executables and other binary data are refused.
///
/// A declared content type (`text/html`, `text/plain`, `application/pdf`, …) or file
/// extension (`.html`, `.txt`, `.pdf`, …) must agree with the content. One exception: text
/// without markup declared as HTML is read as HTML, since any text is an HTML document. Other
/// content types and extensions are not checked.
public enum DocumentInspector {
  public static func inspect(
    _ data: Data,
    declaredContentType: String?,
    fileName: String?
  ) throws(DocumentInputError) -> DocumentType {
    guard !data.isEmpty else { throw .invalid("the file is empty") }
    let declarations = [
      declaredContentType.flatMap(declaration(contentType:)),
      fileName.flatMap(declaration(fileName:)),
    ].compactMap { $0 }

    let type: DocumentType
    switch sniff(data, declaredContentType: declaredContentType) {
    case .binary(let looksLike):
      if let declared = declarations.first {
        throw .invalid("\(declared.subject) is not \(declared.type.displayName): its content looks like \(looksLike)")
      }
      throw .invalid("the file is not a document that can be read: it looks like \(looksLike) (supported: HTML, plain text, PDF)")
    case .document(let sniffed):
      type = sniffed
    }

    var resolved = type
    for declared in declarations where declared.type != type {
      if declared.type == .html && type == .text {
        resolved = .html
      } else {
        throw .invalid("\(declared.source) but its content is \(type.displayName)")
      }
    }
    if resolved != .pdf {
      _ = try TextDecoding.decode(data, as: resolved, declaredContentType: declaredContentType)
    }
    return resolved
  }

  private struct Declaration {
    var type: DocumentType
    /// How messages name the file and what it claims, e.g. "'rates.pdf' is named as a PDF".
    var source: String
    /// How messages name the file when its content is not a document at all.
    var subject: String
  }

  private static func declaration(contentType: String) -> Declaration? {
    let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map {
      $0.trimmingCharacters(in: .whitespaces).lowercased()
    }
    let type: DocumentType
    switch mediaType {
    case "text/html", "application/xhtml+xml": type = .html
    case "text/plain", "text/markdown", "text/csv": type = .text
    case "application/pdf", "application/x-pdf": type = .pdf
    default: return nil
    }
    let declared = mediaType ?? contentType
    return Declaration(type: type, source: "the file is declared as \(declared)", subject: "the file declared as \(declared)")
  }

  private static func declaration(fileName: String) -> Declaration? {
    let name = (fileName as NSString).lastPathComponent
    let type: DocumentType
    switch (name as NSString).pathExtension.lowercased() {
    case "html", "htm", "xhtml", "shtml": type = .html
    case "txt", "text", "md", "markdown", "csv": type = .text
    case "pdf": type = .pdf
    default: return nil
    }
    return Declaration(type: type, source: "'\(name)' is named as \(type.displayName)", subject: "'\(name)'")
  }

  private enum Sniffed {
    case document(DocumentType)
    /// What the binary data looks like, e.g. "a PNG image".
    case binary(String)
  }

  private static let binarySignatures: [(bytes: [UInt8], looksLike: String)] = [
    ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG image"),
    ([0xFF, 0xD8, 0xFF], "a JPEG image"),
    (Array("GIF87a".utf8), "a GIF image"),
    (Array("GIF89a".utf8), "a GIF image"),
    ([0x50, 0x4B, 0x03, 0x04], "a ZIP archive (Word .docx and Excel .xlsx files are ZIP archives)"),
    ([0x50, 0x4B, 0x05, 0x06], "a ZIP archive"),
    ([0x1F, 0x8B], "gzip-compressed data"),
    ([0x7F, 0x45, 0x4C, 0x46], "an ELF executable"),
    ([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], "an old Microsoft Office file (.doc, .xls)"),
    (Array("Rar!".utf8), "a RAR archive"),
    ([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], "a 7-Zip archive"),
  ]

  private static func sniff(_ data: Data, declaredContentType: String?) -> Sniffed {
    if data.starts(with: Array("%PDF-".utf8)) { return .document(.pdf) }
    if data.starts(with: Array("RIFF".utf8)), data.dropFirst(8).starts(with: Array("WEBP".utf8)) {
      return .binary("a WebP image")
    }
    for signature in binarySignatures where data.starts(with: signature.bytes) {
      return .binary(signature.looksLike)
    }

    let start: String
    if let decoded = utf16Start(data, declaredContentType: declaredContentType) {
      if decoded.unicodeScalars.contains("\0") { return .binary("binary data (it contains NUL bytes)") }
      start = decoded
    } else {
      let hasNUL = data.withUnsafeBytes { bytes in bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false }
      if hasNUL { return .binary("binary data (it contains NUL bytes)") }
      let sample = data.prefix(65_536)
      let controls = sample.reduce(0) { count, byte in count + (isControl(byte) ? 1 : 0) }
      if controls * 50 > sample.count { return .binary("binary data (it is full of control characters)") }
      start = String(decoding: sample.prefix(4096), as: UTF8.self)
    }
    return .document(looksLikeHTML(start) ? .html : .text)
  }

  /// Control bytes other than tab, line feed, form feed and carriage return.
  private static func isControl(_ byte: UInt8) -> Bool {
    (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0C && byte != 0x0D) || byte == 0x7F
  }

  /// The decoded start of a document in UTF-16 by its byte order mark or declared charset.
  private static func utf16Start(_ data: Data, declaredContentType: String?) -> String? {
    let bigEndian: Bool
    var body = data
    if let (encoding, length) = TextDecoding.byteOrderMark(in: data), encoding != .utf8 {
      bigEndian = encoding == .utf16BigEndian
      body = data.dropFirst(length)
    } else if let label = declaredContentType.flatMap(TextDecoding.charsetParameter(in:)),
      let encoding = try? TextDecoding.encoding(forLabel: label),
      [.utf16, .utf16LittleEndian, .utf16BigEndian].contains(encoding)
    {
      bigEndian = encoding == .utf16BigEndian || (encoding == .utf16 && body.prefix(2).first == 0)
    } else {
      return nil
    }
    let bytes = Array(body.prefix(8192))
    var units: [UInt16] = []
    var index = 0
    while index + 1 < bytes.count {
      let (first, second) = (UInt16(bytes[index]), UInt16(bytes[index + 1]))
      units.append(bigEndian ? first << 8 | second : second << 8 | first)
      index += 2
    }
    return String(decoding: units, as: UTF16.self)
  }

  private static let documentStarts = ["<!doctype html", "<html", "<head", "<body"]
  private static let commonTags: Set<Substring> = [
    "p", "div", "span", "a", "br", "table", "tr", "td", "th", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "header", "footer", "nav", "main", "title", "meta", "link", "script", "style", "form",
    "img", "blockquote", "pre", "dl", "dt", "dd", "strong", "em", "b", "i",
  ]

  /// Whether the start of a document reads as HTML: a document start tag, or markup first and
  /// an HTML tag early, or at least three HTML tags early.
  private static func looksLikeHTML(_ start: String) -> Bool {
    var rest = Substring(start.lowercased())
    if rest.first == "\u{FEFF}" { rest = rest.dropFirst() }
    while true {
      rest = rest.drop { $0.isWhitespace }
      if rest.hasPrefix("<!--") {
        guard let end = rest.range(of: "-->") else { return false }
        rest = rest[end.upperBound...]
      } else if rest.hasPrefix("<?") {
        guard let end = rest.range(of: "?>") else { return false }
        rest = rest[end.upperBound...]
      } else {
        break
      }
    }
    for prefix in documentStarts where rest.hasPrefix(prefix) {
      let next = rest.dropFirst(prefix.count).first
      if next == nil || next == ">" || next == "/" || next!.isWhitespace { return true }
    }
    let tags = commonTagCount(in: rest)
    return (rest.first == "<" && tags >= 1) || tags >= 3
  }

  private static func commonTagCount(in text: Substring) -> Int {
    var count = 0
    var index = text.startIndex
    while let open = text[index...].firstIndex(of: "<") {
      let afterOpen = text.index(after: open)
      let name = text[afterOpen...].drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }
      let delimiter = text[name.endIndex...].first
      if commonTags.contains(name), delimiter == ">" || delimiter == "/" || delimiter?.isWhitespace == true {
        count += 1
      }
      index = afterOpen
    }
    return count
  }
}
