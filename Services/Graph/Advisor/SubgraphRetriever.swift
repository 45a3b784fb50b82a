import GraphModel

/// Collects the neighbourhood of some nodes as an answer's context: breadth first over the
/// graph's edges in both directions (ROUTE edges are not indexed), up to `maxHops` away.
///
/// Bounded so that a hub cannot flood the context: at most `maxNodes` nodes, and from each
/// node at most `maxEdgesPerNode` edges (by type, then neighbour id). Source documents are
/// included but not expanded — everything links to them.
struct SubgraphRetriever {
  let facts: LoyaltyFacts
  var maxHops = 2
  var maxNodes = 48
  var maxEdgesPerNode = 12

  /// Node ids in the order reached, and one description per edge:
  /// "program:amex-membership-rewards -TRANSFERS_TO-> program:ba-executive-club (from_points 1, to_points 1, …)".
  func retrieve(from seeds: [String]) -> (nodeIDs: [String], edges: [String]) {
    var reached: [String] = []
    var seen: Set<String> = []
    var frontier: [String] = []
    for seed in seeds where !seed.isEmpty && facts.node(seed) != nil && seen.insert(seed).inserted {
      reached.append(seed)
      frontier.append(seed)
    }
    var edgeIDs: Set<String> = []
    var edges: [String] = []
    for _ in 0..<maxHops {
      var next: [String] = []
      for id in frontier where facts.node(id)?.label != .webSourceDocument {
        let around = (facts.outgoing(id).map { ($0, $0.toID) } + facts.incoming(id).map { ($0, $0.fromID) })
          .sorted { ($0.0.type.rawValue, $0.1) < ($1.0.type.rawValue, $1.1) }
          .prefix(maxEdgesPerNode)
        for (edge, neighbour) in around {
          let isNew = !seen.contains(neighbour)
          if isNew, reached.count >= maxNodes { continue }
          if edgeIDs.insert(edge.id).inserted { edges.append(describe(edge)) }
          if isNew {
            seen.insert(neighbour)
            reached.append(neighbour)
            next.append(neighbour)
          }
        }
      }
      frontier = next
      if frontier.isEmpty { break }
    }
    return (reached, edges)
  }

  private func describe(_ edge: GraphEdge) -> String {
    var text = "\(edge.fromID) -\(edge.type.rawValue)-> \(edge.toID)"
    let properties = edge.properties.filter { $0.key != "source_document_id" }.sorted { $0.key < $1.key }
    if !properties.isEmpty {
      text += " (" + properties.map { "\($0.key) \(display($0.value))" }.joined(separator: ", ") + ")"
    }
    return text
  }

  private func display(_ value: PropertyValue) -> String {
    switch value {
    case .null: "null"
    case .bool(let flag): String(flag)
    case .number(let number): Figures.number(number)
    case .string(let text): text
    case .list(let items): "[" + items.map(display).joined(separator: ", ") + "]"
    case .object(let fields): "{" + fields.sorted { $0.key < $1.key }.map { "\($0.key): \(display($0.value))" }.joined(separator: ", ") + "}"
    }
  }
}
