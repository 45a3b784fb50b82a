import Foundation
import GRPCCore
import GraphModel
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// The RPC handlers of `loyalty.graph.v1.GraphService`: authorisation, request checks, then
/// the store. Any authenticated caller may read; curators, admins and services may write.
public struct GraphAPIService: Loyalty_Graph_V1_GraphService.SimpleServiceProtocol {
  /// Roles that may change the graph.
  public static let writers: Set<Role> = [.curator, .admin, .service]
  static let maxNodesPerLookup = 1_000
  /// Most nodes plus edges one UpsertBatch request may carry.
  public static let maxBatchItems = 100_000
  /// Most bytes one ImportOpenFlights stream may carry (the full OpenFlights data is ~4 MB).
  public static let maxImportBytes = 64 << 20

  private let store: GraphStore
  private let logger: Logger
  private let routeNetworks = SnapshotDerivedCache<RouteNetwork>()

  public init(store: GraphStore, logger: Logger) {
    self.store = store
    self.logger = logger
  }

  public func upsertBatch(
    request: Loyalty_Graph_V1_UpsertBatchRequest,
    context: ServerContext
  ) async throws -> Loyalty_Graph_V1_UpsertBatchResponse {
    try Authorization.require(Self.writers, for: "UpsertBatch")
    let count = request.nodes.count + request.edges.count
    guard count <= Self.maxBatchItems else {
      throw GraphError.invalidArgument(field: "nodes", reason: "a batch holds at most \(Self.maxBatchItems) nodes and edges, not \(count); split it")
    }
    let batch = try GraphRequestFields.batch(nodes: request.nodes, edges: request.edges)
    let summary = try await run { try await store.upsert(batch) }
    if summary.sequence > 0 {
      logger.withCurrentRequest.info(
        "graph batch written",
        metadata: [
          "nodes_written": "\(summary.nodesWritten)", "edges_written": "\(summary.edgesWritten)", "sequence": "\(summary.sequence)",
        ])
    }
    return summary.message
  }

  public func getNode(request: Loyalty_Graph_V1_GetNodeRequest, context: ServerContext) async throws -> Loyalty_Graph_V1_Node {
    _ = try Authorization.caller()
    let id = try GraphRequestFields.nodeID(request.id)
    return try await run { try await store.node(id) }.message
  }

  public func getNodes(request: Loyalty_Graph_V1_GetNodesRequest, context: ServerContext) async throws -> Loyalty_Graph_V1_GetNodesResponse {
    _ = try Authorization.caller()
    guard request.ids.count <= Self.maxNodesPerLookup else {
      throw GraphError.invalidArgument(field: "ids", reason: "asks for \(request.ids.count) nodes; at most \(Self.maxNodesPerLookup) per call")
    }
    var ids: [String] = []
    var seen: Set<String> = []
    for (index, id) in request.ids.enumerated() where seen.insert(id).inserted {
      ids.append(try GraphRequestFields.nodeID(id, field: "ids[\(index)]"))
    }
    let nodes = try await run { try await store.nodes(ids) }
    return .with { $0.nodes = nodes.map(\.message) }
  }

  public func deleteNode(
    request: Loyalty_Graph_V1_DeleteNodeRequest,
    context: ServerContext
  ) async throws -> Loyalty_Graph_V1_DeleteNodeResponse {
    try Authorization.require(Self.writers, for: "DeleteNode")
    let id = try GraphRequestFields.nodeID(request.id)
    let deletion = try await run { try await store.deleteNode(id) }
    logger.withCurrentRequest.notice("graph node deleted", metadata: ["node_id": "\(id)", "edges_deleted": "\(deletion.edgesDeleted)"])
    return .with { $0.edgesDeleted = Int32(deletion.edgesDeleted) }
  }

  public func deleteEdge(
    request: Loyalty_Graph_V1_DeleteEdgeRequest,
    context: ServerContext
  ) async throws -> Loyalty_Graph_V1_DeleteEdgeResponse {
    try Authorization.require(Self.writers, for: "DeleteEdge")
    let type = try GraphRequestFields.edgeType(request.type, field: "type")
    let from = try GraphRequestFields.nodeID(request.fromID, field: "from_id")
    let to = try GraphRequestFields.nodeID(request.toID, field: "to_id")
    try await run { _ = try await store.deleteEdge(type: type, fromID: from, toID: to, key: request.key) }
    logger.withCurrentRequest.notice(
      "graph edge deleted", metadata: ["edge_id": "\(GraphEdge.id(type: type, fromID: from, toID: to, key: request.key))"])
    return Loyalty_Graph_V1_DeleteEdgeResponse()
  }

  public func getNeighbors(
    request: Loyalty_Graph_V1_GetNeighborsRequest,
    context: ServerContext
  ) async throws -> Loyalty_Graph_V1_GetNeighborsResponse {
    _ = try Authorization.caller()
    let id = try GraphRequestFields.nodeID(request.id)
    let direction = try GraphRequestFields.direction(request.direction)
    let types = try GraphRequestFields.edgeTypes(request.edgeTypes, field: "edge_types")
    let labels = try GraphRequestFields.labels(request.neighborLabels, field: "neighbor_labels")
    let limit = try GraphRequestFields.bounded(request.limit, field: "limit", default: 100, range: 1...1000)
    let page = try await run {
      try await store.neighbors(of: id, direction: direction, edgeTypes: types, neighborLabels: labels, limit: limit)
    }
    return .with {
      $0.neighbors = page.neighbors.map { neighbor in
        .with {
          $0.edge = neighbor.edge.message
          $0.node = neighbor.node.message
        }
      }
      $0.truncated = page.truncated
    }
  }

  public func traverse(
    request: Loyalty_Graph_V1_TraverseRequest,
    context: ServerContext
  ) async throws -> Loyalty_Graph_V1_TraverseResponse {
    _ = try Authorization.caller()
    guard !request.startIds.isEmpty else {
      throw GraphError.invalidArgument(field: "start_ids", reason: "name at least one node")
    }
    guard request.startIds.count <= 100 else {
      throw GraphError.invalidArgument(field: "start_ids", reason: "at most 100 start nodes, not \(request.startIds.count)")
    }
    var starts: [String] = []
    for (index, id) in request.startIds.enumerated() {
      starts.append(try GraphRequestFields.nodeID(id, field: "start_ids[\(index)]"))
    }
    guard (1...4).contains(request.maxDepth) else {
      throw GraphError.invalidArgument(field: "max_depth", reason: "\(request.maxDepth) is outside 1…4")
    }
    let direction = try GraphRequestFields.direction(request.direction)
    let types = try GraphRequestFields.edgeTypes(request.edgeTypes, field: "edge_types")
    let labels = try GraphRequestFields.labels(request.nodeLabels, field: "node_labels")
    let limit = try GraphRequestFields.bounded(request.limit, field: "limit", default: 500, range: 1...5000)
    let traversal = try await run {
      try await store.traverse(
        from: starts, maxDepth: Int(request.maxDepth), direction: direction, edgeTypes: types, nodeLabels: labels, limit: limit)
    }
    return .with {
      $0.nodes = traversal.nodes.map(\.message)
      $0.edges = traversal.edges.map(\.message)
      $0.depths = traversal.depths.map(Int32.init)
      $0.truncated = traversal.truncated
    }
  }

  public func findShortestRoute(
    request: Loyalty_Graph_V1_FindShortestRouteRequest,
    context: ServerContext
  ) async throws -> Loyalty_Graph_V1_FindShortestRouteResponse {
    _ = try Authorization.caller()
    let origin = try GraphRequestFields.code(request.origin, length: 3, digits: false, field: "origin", what: "IATA airport code")
    let destination = try GraphRequestFields.code(
      request.destination, length: 3, digits: false, field: "destination", what: "IATA airport code")
    guard origin != destination else {
      throw GraphError.invalidArgument(field: "destination", reason: "is the origin airport \(origin)")
    }
    let maxSegments = try GraphRequestFields.bounded(
      request.maxSegments, field: "max_segments", default: RouteNetwork.defaultMaxSegments, range: 1...RouteNetwork.maxSegmentsLimit)
    var airlines = Set<String>()
    for (index, text) in request.airlines.enumerated() {
      airlines.insert(try GraphRequestFields.code(text, length: 2, digits: true, field: "airlines[\(index)]", what: "IATA airline code"))
    }
    let snapshot = try await run { try await store.snapshot() }
    let network = routeNetworks.value(for: snapshot) { RouteNetwork(snapshot: $0) }
    for code in [origin, destination] where !network.contains(airport: code) && snapshot.node(NodeID.airport(code)) == nil {
      throw GraphError.airportNotFound(code: code)
    }
    for code in airlines.sorted() where !network.contains(airline: code) && snapshot.node(NodeID.airline(code)) == nil {
      throw GraphError.airlineNotFound(code: code)
    }
    guard let route = network.shortestRoute(from: origin, to: destination, maxSegments: maxSegments, airlines: airlines.isEmpty ? nil : airlines)
    else {
      throw GraphError.noRoute(origin: origin, destination: destination, maxSegments: maxSegments)
    }
    return route.message
  }

  public func getStatistics(
    request: Loyalty_Graph_V1_GetStatisticsRequest,
    context: ServerContext
  ) async throws -> Loyalty_Graph_V1_GraphStatistics {
    _ = try Authorization.caller()
    return try await run { try await store.statistics() }.message
  }

  /// Reads the streamed files into one batch and writes it in one upsert: an import is all
  /// or nothing. Routes may end at airports imported now or already in the graph.
  public func importOpenFlights(
    request: RPCAsyncSequence<Loyalty_Graph_V1_ImportOpenFlightsRequest, any Error>,
    context: ServerContext
  ) async throws -> Loyalty_Graph_V1_ImportOpenFlightsResponse {
    try Authorization.require(Self.writers, for: "ImportOpenFlights")
    let started = ContinuousClock.now
    let snapshot = try await run { try await store.snapshot() }
    var existing: [String: (latitude: Double, longitude: Double)] = [:]
    for airport in snapshot.nodes(labeled: .airport) {
      guard let code = airport["iata"]?.stringValue, let latitude = airport["latitude"]?.numberValue,
        let longitude = airport["longitude"]?.numberValue
      else { continue }
      existing[code] = (latitude, longitude)
    }
    var importer = OpenFlightsImporter(existingAirportLocations: existing)
    var bytes = 0
    do {
      for try await chunk in request {
        bytes += chunk.data.count
        guard bytes <= Self.maxImportBytes else {
          throw GraphError.invalidArgument(field: "data", reason: "the import exceeds \(Self.maxImportBytes >> 20) MiB")
        }
        try importer.feed(chunk)
      }
    } catch let error as OpenFlightsImportError {
      throw Self.importError(error)
    }
    let (batch, report): (GraphBatch, OpenFlightsImportReport)
    do {
      (batch, report) = try importer.finish()
    } catch {
      throw Self.importError(error)
    }
    let summary = try await run { try await store.upsert(batch) }
    let elapsed = ContinuousClock.now - started
    var response = report.message
    response.nodesWritten = Int64(summary.nodesWritten)
    response.edgesWritten = Int64(summary.edgesWritten)
    response.durationMillis = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    logger.withCurrentRequest.notice(
      "OpenFlights data imported",
      metadata: [
        "bytes": "\(bytes)", "nodes_written": "\(summary.nodesWritten)", "edges_written": "\(summary.edgesWritten)",
        "duration_ms": "\(response.durationMillis)", "sequence": "\(summary.sequence)",
      ])
    return response
  }

  /// The importer's messages name the field themselves when they are about one ("file: …").
  private static func importError(_ error: OpenFlightsImportError) -> GraphError {
    let prefix = "file: "
    guard error.message.hasPrefix(prefix) else { return .invalidArgument(field: "file", reason: error.message) }
    return .invalidArgument(field: "file", reason: String(error.message.dropFirst(prefix.count)))
  }

  private func run<T>(_ operation: () async throws -> T) async throws -> T {
    try await runGraphOperation(logger: logger, operation)
  }
}
