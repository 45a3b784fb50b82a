import Foundation

/// Which kind of page a document is, from the words of its title, headings, table headers
/// and text. Pages often hold several kinds of facts (an earning page with a partner list),
/// so this names the dominant kind; every extractor still reads the page.
public struct PageClassifier: Sendable {
  public struct Classification: Sendable, Equatable {
    public var pageType: PageType
    /// The dominant kind's share of all the evidence, 0…1 (0 for an unknown page).
    public var score: Double
    /// Each kind's raw evidence.
    public var scores: [PageType: Double]
  }

  public init() {}

  /// Phrases that speak for a kind of page, with their weight.
  static let vocabulary: [PageType: [(String, Double)]] = [
    .earningChart: [
      ("earning chart", 3), ("earning rates", 3), ("earn miles", 1), ("earn points", 1), ("earn avios", 1), ("earning", 1),
      ("fare class", 2), ("fare classes", 2), ("booking class", 2), ("booking code", 2), ("booking codes", 2), ("of miles flown", 2),
      ("miles flown", 2), ("accrual", 2), ("per dollar", 2), ("per us dollar", 2), ("mileage earning", 2), ("earn", 0.5),
      ("distance flown", 1), ("%", 0.3),
    ],
    .partnerPage: [
      ("partner airlines", 2), ("airline partners", 2), ("earn and redeem", 2), ("partners", 1), ("partner", 0.5),
      ("redeem", 0.5), ("✓", 1), ("✔", 1), ("alliance", 0.5), ("earn only", 2),
    ],
    .transferPartners: [
      ("transfer partners", 3), ("transfer ratio", 3), ("transfer", 1), ("transfers", 1), ("convert", 1), ("conversion", 1),
      ("transfer time", 2), ("ratio", 1), ("minimum transfer", 2), ("combine", 1), ("move", 0.5),
    ],
    .awardChart: [
      ("award chart", 3), ("award", 1), ("awards", 1), ("one way", 1), ("redemption", 1), ("saver", 1), ("zone", 1),
      ("region", 0.5), ("distance", 0.5), ("reward flights", 2), ("award flights", 2), ("per passenger", 1),
    ],
    .eliteTiers: [
      ("elite", 2), ("status", 1), ("tier", 1), ("tiers", 2), ("qualify", 2), ("qualification", 2), ("tier points", 2),
      ("loyalty points", 2), ("status points", 2), ("silver", 0.5), ("gold", 0.5), ("platinum", 0.5), ("lounge", 0.5),
      ("benefits", 0.5), ("membership year", 1),
    ],
  ]

  public func classify(_ text: ProcessedText) -> Classification {
    classify(PageLayout(text))
  }

  /// The vocabulary as word sequences, by first word.
  private static let patterns: [String: [(type: PageType, words: [String], weight: Double)]] = {
    var result: [String: [(type: PageType, words: [String], weight: Double)]] = [:]
    for (type, phrases) in vocabulary {
      for (phrase, weight) in phrases {
        let words = TextTokens.tokenize(phrase).map(\.folded)
        guard let first = words.first else { continue }
        result[first, default: []].append((type, words, weight))
      }
    }
    return result
  }()

  func classify(_ layout: PageLayout) -> Classification {
    var scores: [PageType: Double] = [:]
    func add(_ text: String, weight: Double) {
      let tokens = TextTokens.tokenize(text).map(\.folded)
      var counts: [Int: (type: PageType, weight: Double, count: Int)] = [:]
      var patternIDs: [String: Int] = [:]
      for (index, token) in tokens.enumerated() {
        for pattern in Self.patterns[token] ?? [] where index + pattern.words.count <= tokens.count {
          guard Array(tokens[index..<(index + pattern.words.count)]) == pattern.words else { continue }
          let key = "\(pattern.type.rawValue)|\(pattern.words.joined(separator: " "))"
          let id = patternIDs[key] ?? patternIDs.count
          patternIDs[key] = id
          counts[id, default: (pattern.type, pattern.weight, 0)].count += 1
        }
      }
      // A phrase said many times is still one kind of evidence.
      for (_, entry) in counts { scores[entry.type, default: 0] += entry.weight * weight * min(Double(entry.count), 3) }
    }
    if let title = layout.title { add(title, weight: 3) }
    for block in layout.blocks {
      switch block.content {
      case .heading(_, let text): add(text, weight: 3)
      case .paragraph(let text), .listItem(let text): add(text, weight: 1)
      case .table(let table):
        if let header = table.header { add(header.joined(separator: " | "), weight: 2) }
        for row in table.bodyRows { add(row.joined(separator: " | "), weight: 0.5) }
      }
    }
    let total = scores.values.reduce(0, +)
    guard total > 0, let best = scores.max(by: { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }) else {
      return Classification(pageType: .unknown, score: 0, scores: scores)
    }
    return Classification(pageType: best.key, score: best.value / total, scores: scores)
  }
}
