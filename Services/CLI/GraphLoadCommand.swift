import ArgumentParser
import Foundation
import GraphModel
import LoyaltyAPI
import SwiftProtobuf

/// Sends a file in the seed format (`{"format": 1, "nodes": [...], "edges": [...]}`) as one
/// batch: all of it is written, or none.
struct GraphLoadCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "load", abstract: "Upserts the nodes and edges of a seed-format JSON file in one batch.")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "The JSON file.")
  var file: String

  func run() async throws {
    guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
    let batch: GraphBatch
    do {
      batch = try SeedFile.decode(data)
    } catch {
      throw ValidationError("\(file): \(error)")
    }
    let summary = try await connection.withGraph { graph, metadata, options in
      try await graph.upsertBatch(
        .with {
          $0.nodes = batch.nodes.map(\.message)
          $0.edges = batch.edges.map(\.message)
        }, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(summary) }
    print(
      "nodes: \(summary.nodesCreated) created, \(summary.nodesUpdated) updated, \(summary.nodesUnchanged) unchanged; "
        + "edges: \(summary.edgesCreated) created, \(summary.edgesUpdated) updated, \(summary.edgesUnchanged) unchanged")
  }
}

