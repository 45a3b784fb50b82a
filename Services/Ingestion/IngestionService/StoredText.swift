import Foundation
import IngestionCore
import LoyaltyAPI

/// The text stage's stored output: two header lines (the title and the page's address, as
/// found), a blank line, then the processed text (see `ProcessedText`).
///
/// ```
/// title: Earn Aeroplan points on United
/// source_url: https://www.aircanada.com/aeroplan/earn/united
///
/// # Earn Aeroplan points on United
/// | Fare class | Cabin | % of miles |
/// ```
struct StoredText: Sendable, Equatable {
  var title: String
  var sourceURL: String
  var text: String

  var encoded: Data {
    let title = self.title.replacingOccurrences(of: "\n", with: " ")
    let url = sourceURL.replacingOccurrences(of: "\n", with: "")
    return Data("title: \(title)\nsource_url: \(url)\n\n\(text)".utf8)
  }

  init(title: String, sourceURL: String, text: String) {
    self.title = title
    self.sourceURL = sourceURL
    self.text = text
  }

  init(decoding data: Data) {
    let content = String(decoding: data, as: UTF8.self)
    var title = ""
    var sourceURL = ""
    var rest = Substring(content)
    while let newline = rest.firstIndex(of: "\n") {
      let line = rest[..<newline]
      rest = rest[rest.index(after: newline)...]
      if line.isEmpty { break }
      if line.hasPrefix("title: ") { title = String(line.dropFirst("title: ".count)) }
      if line.hasPrefix("source_url: ") { sourceURL = String(line.dropFirst("source_url: ".count)) }
    }
    self.init(title: title, sourceURL: sourceURL, text: String(rest))
  }
}

/// The address a saved HTML page gives for itself: `<link rel="canonical" href>`, else
/// `<meta property="og:url" content>`, in the page's head.
enum CanonicalLink {
  static func find(in html: Data) -> String? {
    let head = String(decoding: html.prefix(65_536), as: UTF8.self)
    for (pattern, attribute) in [(#"<link\b[^>]*\brel\s*=\s*["']?canonical\b[^>]*>"#, "href"), (#"<meta\b[^>]*\bproperty\s*=\s*["']?og:url\b[^>]*>"#, "content")] {
      guard let tag = head.range(of: pattern, options: [.regularExpression, .caseInsensitive]) else { continue }
      let element = String(head[tag])
      let valuePattern = "\\b\(attribute)\\s*=\\s*[\"']([^\"']+)[\"']"
      guard let match = element.range(of: valuePattern, options: [.regularExpression, .caseInsensitive]) else { continue }
      let assignment = element[match]
      guard let open = assignment.firstIndex(where: { $0 == "\"" || $0 == "'" }) else { continue }
      let value = assignment[assignment.index(after: open)...].dropLast()
      if let url = URL(string: String(value)), ["http", "https"].contains(url.scheme ?? ""), url.host != nil { return String(value) }
    }
    return nil
  }
}

/// The validate stage's stored output: the facts that pass and those a curator must look at.
struct ValidationReport: Codable, Sendable {
  struct Flagged: Codable, Sendable {
    var fact: ExtractedFact
    var reasons: [String]
  }

  var accepted: [ExtractedFact]
  var flagged: [Flagged]

  init(_ validation: FactValidation) {
    accepted = validation.accepted
    flagged = validation.flagged.map { Flagged(fact: $0.fact, reasons: $0.reasons) }
  }

  var encoded: Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return (try? encoder.encode(self)) ?? Data("{}".utf8)
  }
}

/// The load stage's stored output: what graph-service did with the batch.
struct LoadReport: Codable, Sendable {
  var nodesCreated, nodesUpdated, nodesUnchanged, edgesCreated, edgesUpdated, edgesUnchanged: Int32
  var graphSequence: Int64

  init(_ response: Loyalty_Graph_V1_UpsertBatchResponse) {
    nodesCreated = response.nodesCreated
    nodesUpdated = response.nodesUpdated
    nodesUnchanged = response.nodesUnchanged
    edgesCreated = response.edgesCreated
    edgesUpdated = response.edgesUpdated
    edgesUnchanged = response.edgesUnchanged
    graphSequence = response.sequence
  }

  enum CodingKeys: String, CodingKey {
    case nodesCreated = "nodes_created", nodesUpdated = "nodes_updated", nodesUnchanged = "nodes_unchanged"
    case edgesCreated = "edges_created", edgesUpdated = "edges_updated", edgesUnchanged = "edges_unchanged"
    case graphSequence = "graph_sequence"
  }

  var encoded: Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return (try? encoder.encode(self)) ?? Data("{}".utf8)
  }
}
