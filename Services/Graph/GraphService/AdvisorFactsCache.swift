import Advisor
import GraphModel
import Synchronization

/// The advisor's typed view of the graph, rebuilt only when the graph has changed since the
/// last one was built (the snapshot's version moves with every committed change).
public final class AdvisorFactsCache: Sendable {
  private let store: GraphStore
  private let built = Mutex<(version: Int64, facts: LoyaltyFacts)?>(nil)

  public init(store: GraphStore) {
    self.store = store
  }

  public func current() async throws -> LoyaltyFacts {
    let snapshot = try await store.snapshot()
    if let cached = built.withLock({ $0 }), cached.version == snapshot.version {
      return cached.facts
    }
    let facts = LoyaltyFacts(nodes: snapshot.nodes, edges: snapshot.edges.filter { $0.type != .route })
    built.withLock { current in
      if current == nil || current!.version < snapshot.version {
        current = (snapshot.version, facts)
      }
    }
    return facts
  }
}
