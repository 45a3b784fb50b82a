import LoyaltyAPI

/// Gathers the facts an answer used, one citation per source document, with the node ids of
/// the facts taken from it; sorted by document id, facts sorted within.
struct CitationCollector {
  let facts: LoyaltyFacts
  private var factsByDocument: [String: Set<String>] = [:]

  init(facts: LoyaltyFacts) {
    self.facts = facts
  }

  mutating func add(_ rule: EarningRuleFact) {
    add(fact: rule.id, document: rule.sourceDocumentID)
  }

  mutating func add(_ tier: EliteTierFact) {
    add(fact: tier.id, document: tier.sourceDocumentID)
  }

  /// The program's own distance table, cited as the program node.
  mutating func addPublishedDistance(of program: ProgramFact) {
    if let document = program.sourceDocumentID { add(fact: program.nodeID, document: document) }
  }

  mutating func add(fact: String, document: String) {
    guard !document.isEmpty else { return }
    factsByDocument[document, default: []].insert(fact)
  }

  mutating func merge(_ citations: [Loyalty_Advisor_V1_Citation]) {
    for citation in citations {
      for fact in citation.factIds { add(fact: fact, document: citation.documentID) }
    }
  }

  var citations: [Loyalty_Advisor_V1_Citation] {
    factsByDocument.keys.sorted().map { id in
      var citation = Loyalty_Advisor_V1_Citation()
      citation.documentID = id
      citation.title = facts.document(id)?.title ?? ""
      citation.url = facts.document(id)?.url ?? ""
      citation.factIds = factsByDocument[id, default: []].sorted()
      return citation
    }
  }
}
