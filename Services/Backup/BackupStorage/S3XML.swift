import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// An element of an S3 XML document: its name, its text and its child elements. Namespaces
/// are ignored (S3 puts every element in one default namespace).
struct XMLElementNode: Sendable {
  var name: String
  var text: String = ""
  var children: [XMLElementNode] = []

  func child(_ name: String) -> XMLElementNode? { children.first { $0.name == name } }
  func children(named name: String) -> [XMLElementNode] { children.filter { $0.name == name } }
  /// The text of the first child called `name`.
  func value(_ name: String) -> String? { child(name)?.text }

  /// The document's root element, or nil when `data` is not well-formed XML.
  static func parse(_ data: Data) -> XMLElementNode? {
    let parser = XMLParser(data: data)
    let builder = TreeBuilder()
    parser.delegate = builder
    guard parser.parse() else { return nil }
    return builder.root
  }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
  var stack: [XMLElementNode] = []
  var root: XMLElementNode?

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
    attributes: [String: String] = [:]
  ) {
    stack.append(XMLElementNode(name: elementName))
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if !stack.isEmpty { stack[stack.count - 1].text += string }
  }

  func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
    guard let element = stack.popLast() else { return }
    if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
  }
}

/// The `<Error>` document S3 answers a failed request with.
struct S3ErrorDocument: Sendable {
  var code: String
  var message: String?

  init?(_ data: Data) {
    guard let root = XMLElementNode.parse(data), root.name == "Error", let code = root.value("Code") else { return nil }
    self.code = code
    self.message = root.value("Message")
  }
}

/// One page of a ListObjectsV2 answer.
struct S3ListPage: Sendable {
  var objects: [StoredObject]
  /// Set when more objects follow; pass it as `continuation-token` to get them.
  var continuationToken: String?

  init?(_ data: Data) {
    guard let root = XMLElementNode.parse(data), root.name == "ListBucketResult" else { return nil }
    var objects: [StoredObject] = []
    for entry in root.children(named: "Contents") {
      guard let key = entry.value("Key"), let size = entry.value("Size").flatMap({ Int64($0) }) else { return nil }
      objects.append(StoredObject(key: key, size: size, lastModified: entry.value("LastModified").flatMap(S3Dates.iso8601)))
    }
    self.objects = objects
    let truncated = root.value("IsTruncated") == "true"
    self.continuationToken = truncated ? root.value("NextContinuationToken") : nil
    if truncated && continuationToken == nil { return nil }
  }
}

enum S3Dates {
  /// `2024-05-01T12:34:56.000Z`, with or without fractional seconds.
  static func iso8601(_ text: String) -> Date? {
    (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
      ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
  }

  /// The `Last-Modified` header: `Wed, 12 Oct 2009 17:50:00 GMT`.
  static func httpDate(_ text: String) -> Date? {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
    return formatter.date(from: text)
  }
}

extension String {
  /// The text with `&`, `<`, `>`, `"` and `'` escaped for an XML element or attribute.
  var xmlEscaped: String {
    var escaped = ""
    for character in self {
      switch character {
      case "&": escaped += "&amp;"
      case "<": escaped += "&lt;"
      case ">": escaped += "&gt;"
      case "\"": escaped += "&quot;"
      case "'": escaped += "&apos;"
      default: escaped.append(character)
      }
    }
    return escaped
  }
}
