import Foundation
import GraphModel
import Logging

/// The knowledge graph the project ships (Seed/curated-seed.json): alliances, airlines,
/// programs and bank currencies, earning rules, award charts, elite tiers and major airports,
/// each fact citing its public source.
public enum CuratedSeed {
  public static func data() throws -> Data {
    guard let url = Bundle.module.url(forResource: "curated-seed", withExtension: "json") else {
      throw SeedUnavailable(message: "curated-seed.json is not among graph-service's resources")
    }
    return try Data(contentsOf: url)
  }

  public static func batch() throws -> GraphBatch {
    try SeedFile.decode(data())
  }

  /// Loads the seed into a graph that holds no nodes yet, so a first start is ready to
  /// answer; a graph with content (seeded before, imported or restored) is left alone.
  @discardableResult
  public static func applyIfEmpty(to store: GraphStore, logger: Logger) async throws -> Bool {
    guard try await store.statistics().nodeCount == 0 else { return false }
    let summary = try await store.upsert(batch())
    logger.notice(
      "loaded the curated seed",
      metadata: ["nodes": "\(summary.nodesCreated)", "edges": "\(summary.edgesCreated)"])
    return true
  }

  struct SeedUnavailable: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
  }
}
