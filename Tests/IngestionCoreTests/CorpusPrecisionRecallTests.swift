import Foundation
import IngestionCore
import Testing

/// The offline extractor over every page of the corpus, against the facts a careful reader
/// finds there (`Corpus/NAME.expected.json`). A fact counts as found when it would load
/// without review: at or above the validator's confidence threshold. Found and expected
/// facts match when their type and every field are equal (confidence and evidence aside).
@Suite struct CorpusPrecisionRecallTests {
  struct PageResult {
    var name: String
    var expectedPageType: PageType
    var foundPageType: PageType
    var expected: [String]
    var found: [String]
    var matched: [String]
    var missing: [String]
    var spurious: [String]
  }

  /// Fact bodies as sorted-key JSON, so equal facts are equal strings and numbers compare
  /// after a JSON round trip.
  static func canonical(_ body: FactBody) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let decoded = try JSONDecoder().decode(FactBody.self, from: try encoder.encode(body))
    return String(decoding: try encoder.encode(decoded), as: UTF8.self)
  }

  static func type(of json: String) -> String {
    guard let data = json.data(using: .utf8),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let type = object["type"] as? String
    else { return "?" }
    return type
  }

  static func pages() throws -> [URL] {
    let directory = try #require(Bundle.module.url(forResource: "Corpus", withExtension: nil))
    return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
      .filter { ["html", "txt", "pdf"].contains($0.pathExtension) }
      .sorted { $0.lastPathComponent < $1.lastPathComponent }
  }

  static func run(page url: URL) async throws -> PageResult {
    let name = url.lastPathComponent
    let data = try Data(contentsOf: url)
    let type = try DocumentInspector.inspect(data, declaredContentType: nil, fileName: name)
    let text = try await TextExtractor().extract(data, as: type)
    let context = ExtractionContext(documentKey: "corpus/\(name)", retrievedDate: "2025-01-01")
    let facts = try await OfflineFactExtractor().extract(from: text, context: context)
    let threshold = FactValidator().confidenceThreshold
    let found = try facts.facts.filter { $0.confidence >= threshold }.map { try canonical($0.body) }
    let expectedURL = url.deletingPathExtension().appendingPathExtension("expected.json")
    let expectedFacts = try ExtractedFacts.decode(try Data(contentsOf: expectedURL))
    let expected = try expectedFacts.facts.map { try canonical($0.body) }
    var unmatched = found
    var matched: [String] = []
    var missing: [String] = []
    for fact in expected {
      if let index = unmatched.firstIndex(of: fact) {
        matched.append(fact)
        unmatched.remove(at: index)
      } else {
        missing.append(fact)
      }
    }
    return PageResult(
      name: name, expectedPageType: expectedFacts.pageType, foundPageType: facts.pageType, expected: expected, found: found,
      matched: matched, missing: missing, spurious: unmatched)
  }

  @Test func offlineExtractorMeetsTheCorpusBar() async throws {
    var results: [PageResult] = []
    for page in try Self.pages() { results.append(try await Self.run(page: page)) }
    #expect(results.count >= 24)

    var report = "\nPage                                              expected  found  matched  missing  spurious  page type\n"
    for result in results {
      report += result.name.padding(toLength: 50, withPad: " ", startingAt: 0)
      report += [result.expected.count, result.found.count, result.matched.count, result.missing.count, result.spurious.count]
        .map { String($0).leftPadded(to: 9) }.joined()
      report += result.foundPageType == result.expectedPageType ? "  \(result.foundPageType.rawValue)\n" : "  \(result.foundPageType.rawValue), expected \(result.expectedPageType.rawValue)\n"
      for fact in result.missing { report += "    missing  \(fact)\n" }
      for fact in result.spurious { report += "    spurious \(fact)\n" }
    }

    var byType: [String: (expected: Int, found: Int, matched: Int)] = [:]
    for result in results {
      for fact in result.expected { byType[Self.type(of: fact), default: (0, 0, 0)].expected += 1 }
      for fact in result.found { byType[Self.type(of: fact), default: (0, 0, 0)].found += 1 }
      for fact in result.matched { byType[Self.type(of: fact), default: (0, 0, 0)].matched += 1 }
    }
    func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 1 : Double(part) / Double(whole) }
    func format(_ value: Double) -> String { String(format: "%.3f", value) }
    report += "\nFact type          expected  found  matched  precision  recall\n"
    for (type, counts) in byType.sorted(by: { $0.key < $1.key }) {
      report += type.padding(toLength: 18, withPad: " ", startingAt: 0)
      report += [counts.expected, counts.found, counts.matched].map { String($0).leftPadded(to: 9) }.joined()
      report += format(ratio(counts.matched, counts.found)).leftPadded(to: 11) + format(ratio(counts.matched, counts.expected)).leftPadded(to: 8) + "\n"
    }
    let expected = results.map(\.expected.count).reduce(0, +)
    let found = results.map(\.found.count).reduce(0, +)
    let matched = results.map(\.matched.count).reduce(0, +)
    let precision = ratio(matched, found)
    let recall = ratio(matched, expected)
    report += "total".padding(toLength: 18, withPad: " ", startingAt: 0)
    report += [expected, found, matched].map { String($0).leftPadded(to: 9) }.joined()
    report += format(precision).leftPadded(to: 11) + format(recall).leftPadded(to: 8) + "\n"
    print(report)

    #expect(precision >= 0.95, "precision \(format(precision)) is below 0.95")
    #expect(recall >= 0.95, "recall \(format(recall)) is below 0.95")
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? " " + self : String(repeating: " ", count: width - count) + self
  }
}
