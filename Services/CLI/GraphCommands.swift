import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GraphModel
import LoyaltyAPI
import SwiftProtobuf

/// `loyalty graph …`: the knowledge graph through the gateway.
struct GraphCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "graph",
    abstract: "Reads and changes the knowledge graph through the gateway (changes need a curator or admin key).",
    subcommands: [
      GraphStatisticsCommand.self, GraphNodeCommand.self, GraphNeighborsCommand.self, GraphRouteCommand.self,
      GraphImportOpenFlightsCommand.self, GraphLoadCommand.self,
    ]
  )
}

extension GatewayConnection {
  func withGraph<Result: Sendable>(
    _ body: (Loyalty_Graph_V1_GraphService.Client<HTTP2ClientTransport.Posix>, Metadata, CallOptions) async throws -> Result
  ) async throws -> Result {
    try await withGateway { client, metadata, options in
      try await body(Loyalty_Graph_V1_GraphService.Client(wrapping: client), metadata, options)
    }
  }
}

struct GraphStatisticsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "stats", abstract: "Counts of nodes by label and edges by type.")

  @OptionGroup var connection: GatewayConnection

  func run() async throws {
    let statistics = try await connection.withGraph { graph, metadata, options in
      try await graph.getStatistics(.init(), metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(statistics) }
    ProfileOutput.printTable(
      header: ["KIND", "NAME", "COUNT"],
      rows: statistics.nodesByLabel.sorted { $0.key < $1.key }.map { ["node", $0.key, "\($0.value)"] }
        + statistics.edgesByType.sorted { $0.key < $1.key }.map { ["edge", $0.key, "\($0.value)"] })
    print("\(statistics.nodeCount) nodes, \(statistics.edgeCount) edges, journal at \(statistics.lastSequence)")
  }
}

struct GraphNodeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "node", abstract: "Shows one node and its properties.")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "Node id, e.g. airport:LHR or program:aa-aadvantage.")
  var id: String

  func run() async throws {
    let node = try await connection.withGraph { graph, metadata, options in
      try await graph.getNode(.with { $0.id = id }, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(node) }
    print("\(node.id) (\(node.label))")
    ProfileOutput.printTable(
      header: ["PROPERTY", "VALUE"],
      rows: node.properties.properties.sorted { $0.key < $1.key }.map { [$0.key, GraphOutput.text($0.value)] })
  }
}

struct GraphNeighborsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "neighbors", abstract: "Lists a node's edges and the nodes at their other end.")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "Node id.")
  var id: String

  @Option(help: "Only edges of this type (repeatable), e.g. TRANSFERS_TO.")
  var edgeType: [String] = []

  @Option(help: "Only neighbours with this label (repeatable), e.g. LoyaltyProgram.")
  var label: [String] = []

  @Option(help: "out, in or both.")
  var direction: String = "both"

  @Option(help: "At most this many (1–1000).")
  var limit: Int = 100

  func run() async throws {
    let directions: [String: Loyalty_Graph_V1_Direction] = ["out": .outgoing, "in": .incoming, "both": .both]
    guard let chosen = directions[direction] else { throw ValidationError("--direction must be out, in or both") }
    let response = try await connection.withGraph { graph, metadata, options in
      try await graph.getNeighbors(
        .with {
          $0.id = id
          $0.direction = chosen
          $0.edgeTypes = edgeType
          $0.neighborLabels = label
          $0.limit = Int32(clamping: limit)
        }, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(response) }
    ProfileOutput.printTable(
      header: ["EDGE", "FROM", "TO", "KEY", "NEIGHBOUR LABEL"],
      rows: response.neighbors.map { [$0.edge.type, $0.edge.fromID, $0.edge.toID, $0.edge.key, $0.node.label] })
    if response.truncated { print("(more than \(limit); raise --limit)") }
  }
}

struct GraphRouteCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "route", abstract: "The route with the fewest segments (then the shortest) between two airports.")

  @OptionGroup var connection: GatewayConnection

  @Argument(help: "Origin IATA code.")
  var origin: String

  @Argument(help: "Destination IATA code.")
  var destination: String

  @Option(help: "At most this many segments (1–6).")
  var maxSegments: Int = 4

  @Option(help: "Only routes flown by this airline, IATA code (repeatable).")
  var airline: [String] = []

  func run() async throws {
    let route = try await connection.withGraph { graph, metadata, options in
      try await graph.findShortestRoute(
        .with {
          $0.origin = origin.uppercased()
          $0.destination = destination.uppercased()
          $0.maxSegments = Int32(clamping: maxSegments)
          $0.airlines = airline.map { $0.uppercased() }
        }, metadata: metadata, options: options)
    }
    if connection.json { return try ProfileOutput.printJSON(route) }
    ProfileOutput.printTable(
      header: ["FROM", "TO", "MILES", "AIRLINES"],
      rows: route.segments.map { [$0.origin, $0.destination, "\($0.distanceMiles)", $0.airlines.joined(separator: " ")] })
    print("\(route.segments.count) segment(s), \(route.totalDistanceMiles) miles")
  }
}

/// Streams OpenFlights files to the graph in chunks; the service imports them in one
/// transaction and reports what it skipped and why.
struct GraphImportOpenFlightsCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import-openflights",
    abstract: "Imports airports.dat, airlines.dat and routes.dat (OpenFlights format) from a folder.")

  @OptionGroup var connection: GatewayConnection

  @Option(help: "Folder holding airports.dat, airlines.dat and routes.dat (any of them).")
  var dir: String

  static let chunkBytes = 256 * 1024

  func run() async throws {
    let folder = URL(fileURLWithPath: dir)
    let files: [(Loyalty_Graph_V1_OpenFlightsFile, String)] = [(.airports, "airports.dat"), (.airlines, "airlines.dat"), (.routes, "routes.dat")]
    let present = files.filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0.1).path) }
    guard !present.isEmpty else {
      throw ValidationError("\(folder.path) holds none of airports.dat, airlines.dat, routes.dat")
    }
    let contents: [(Loyalty_Graph_V1_OpenFlightsFile, Data)] = try present.map { kind, name in
      let url = folder.appendingPathComponent(name)
      guard let data = FileManager.default.contents(atPath: url.path) else { throw ValidationError("cannot read \(url.path)") }
      return (kind, data)
    }
    var options = connection.callOptions
    options.timeout = .seconds(max(300, Int64(connection.timeout)))
    let report = try await connection.withGateway { client, metadata, _ in
      try await Loyalty_Graph_V1_GraphService.Client(wrapping: client).importOpenFlights(
        metadata: metadata, options: options,
        requestProducer: { writer in
          for (kind, data) in contents {
            var offset = 0
            repeat {
              let end = min(offset + Self.chunkBytes, data.count)
              try await writer.write(.with { $0.file = kind; $0.data = data.subdata(in: offset..<end) })
              offset = end
            } while offset < data.count
          }
        })
    }
    if connection.json { return try ProfileOutput.printJSON(report) }
    for file in report.files {
      print("\(file.file): \(file.rowsRead) rows read, \(file.rowsImported) imported")
      for skip in file.skipped {
        let examples = skip.exampleLines.map(String.init).joined(separator: ", ")
        print("  skipped \(skip.count): \(skip.reason) (e.g. line \(examples))")
      }
    }
    print("wrote \(report.nodesWritten) nodes and \(report.edgesWritten) edges in \(report.durationMillis) ms")
  }
}

enum GraphOutput {
  /// A property value as one line of text.
  static func text(_ value: PropertyValue) -> String {
    switch value {
    case .null: ""
    case .bool(let flag): String(flag)
    case .number(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    case .string(let text): text
    case .list(let items): items.map(text).joined(separator: ", ")
    case .object(let fields): fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(text($0.value))" }.joined(separator: ", ")
    }
  }
}
