import Foundation

/// The built-in extractor: no model, no network. Runs every offline extractor over the page
/// (a page can hold facts of several kinds), drops repeated facts keeping the surest, and
/// names the page's dominant kind from its wording and what was found.
///
/// Confidence starts from how the fact was read — 0.95 for a table row whose columns the
/// headers name, 0.90 when the columns were recognised by their content (or a revenue rate
/// stated in a sentence), 0.85 for other facts read from a sentence or list item — and
/// drops for each thing guessed rather than read:
/// - the program, when the title does not name it: 0.05 when it dominates the page, 0.15
///   when it only leads or comes from the airline the title names;
/// - the carrier, when nothing near the rate names one (the program's own airline): 0.05;
/// - the cabin, when only the booking codes suggest it: 0.05–0.10;
/// - a transfer partner named by its airline rather than its program: 0.05;
/// - whose flights an award chart prices, when the page does not say: 0.05;
/// - a value that can be read two ways (two percentage columns nothing tells apart, two
///   prices in one cell, two columns for one cabin): 0.15–0.20;
/// - an award grid whose cabin is not named (0.30) or a destination without an origin (0.40).
/// With the validator's threshold of 0.8, a fact with one small guess loads and a fact with
/// two, or with an ambiguous value, waits for a curator.
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

  /// The classifier's share for each kind plus twice the share of confident facts of that
  /// kind: what a page states outweighs the words around it.
  static func pageType(_ classification: PageClassifier.Classification, facts: [ExtractedFact]) -> PageType {
    let confident = facts.filter { $0.confidence >= 0.8 }
    guard !confident.isEmpty else { return classification.pageType }
    let total = classification.scores.values.reduce(0, +)
    var scores: [PageType: Double] = [:]
    for (type, score) in classification.scores where total > 0 { scores[type, default: 0] += score / total }
    for fact in confident { scores[pageType(of: fact.body), default: 0] += 2 / Double(confident.count) }
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
