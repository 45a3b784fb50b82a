import Foundation

/// The built-in extractor: no model, no network. Runs every offline extractor over the page
/// (a page can hold facts of several kinds), drops repeated facts keeping the surest, and
/// names the page's dominant kind from its wording and what was found.
public struct OfflineFactExtractor: FactExtractor {
  public var name: String { "offline-v1" }

  public init() {}

  public func extract(from text: ProcessedText, context: ExtractionContext) async throws -> ExtractedFacts {
    extract(from: text)
  }

  /// The same, synchronously: the offline extractors do no I/O.
  public func extract(from text: ProcessedText) -> ExtractedFacts {
    let page = PageContext(text)
    var facts: [ExtractedFact] = []
    facts += EarningChartExtractor().facts(in: page)
    facts += TransferPartnerExtractor().facts(in: page)
    facts += AwardChartExtractor().facts(in: page)
    facts += EliteTierExtractor().facts(in: page)
    facts += PartnerPageExtractor().facts(in: page)
    let unique = Self.deduplicated(facts)
    let classification = PageClassifier().classify(page.layout)
    return ExtractedFacts(pageType: Self.pageType(classification, facts: unique), facts: unique)
  }

  /// Facts with equal bodies once, at the highest confidence, in first-seen order.
  static func deduplicated(_ facts: [ExtractedFact]) -> [ExtractedFact] {
    var index: [FactBody: Int] = [:]
    var result: [ExtractedFact] = []
    for fact in facts {
      if let existing = index[fact.body] {
        if fact.confidence > result[existing].confidence { result[existing] = fact }
      } else {
        index[fact.body] = result.count
        result.append(fact)
      }
    }
    return result
  }

  /// The classifier's share for each kind plus the share of confident facts of that kind.
  static func pageType(_ classification: PageClassifier.Classification, facts: [ExtractedFact]) -> PageType {
    let confident = facts.filter { $0.confidence >= 0.8 }
    guard !confident.isEmpty else { return classification.pageType }
    let total = classification.scores.values.reduce(0, +)
    var scores: [PageType: Double] = [:]
    for (type, score) in classification.scores where total > 0 { scores[type, default: 0] += score / total }
    for fact in confident { scores[pageType(of: fact.body), default: 0] += 1 / Double(confident.count) }
    return scores.max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }?.key ?? .unknown
  }

  static func pageType(of body: FactBody) -> PageType {
    switch body {
    case .earningRate, .revenueRate: .earningChart
    case .transferRatio: .transferPartners
    case .awardPrice: .awardChart
    case .eliteTier: .eliteTiers
    case .partner: .partnerPage
    }
  }
}
