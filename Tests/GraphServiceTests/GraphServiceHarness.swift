import Foundation
import GRPCCore
import GRPCInProcessTransport
import GraphModel
import GraphService
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

let graphHarnessSecret = Array("graph-service-tests-secret-0123456789".utf8)

/// Calls a real `GraphAPIService` (with the identity interceptor and a temporary database)
/// over the in-process transport, signing each call as the given principal.
struct GraphHarness {
  let client: Loyalty_Graph_V1_GraphService.Client<InProcessTransport.Client>
  let identity: InternalIdentity
  let store: GraphStore

  static let curator = Principal(subject: "cora", role: .curator)
  static let admin = Principal(subject: "ops", role: .admin)
  static let traveler = Principal(subject: "tess", role: .traveler)

  func metadata(_ principal: Principal?) -> Metadata {
    var metadata = Metadata()
    if let principal { identity.sign(&metadata, as: principal) }
    return metadata
  }

  @discardableResult
  func upsert(_ batch: GraphBatch, as principal: Principal? = curator) async throws -> Loyalty_Graph_V1_UpsertBatchResponse {
    try await client.upsertBatch(
      .with {
        $0.nodes = batch.nodes.map(\.message)
        $0.edges = batch.edges.map(\.message)
      },
      metadata: metadata(principal))
  }

  /// Streams OpenFlights files in small chunks (so lines span messages), in the given order.
  func importOpenFlights(
    _ files: [(Loyalty_Graph_V1_OpenFlightsFile, String)], chunkSize: Int = 7, as principal: Principal? = curator
  ) async throws -> Loyalty_Graph_V1_ImportOpenFlightsResponse {
    try await client.importOpenFlights(metadata: metadata(principal), requestProducer: { writer in
      for (file, text) in files {
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
          let end = min(start + chunkSize, bytes.count)
          try await writer.write(.with {
            $0.file = file
            $0.data = Data(bytes[start..<end])
          })
          start = end
        }
      }
    })
  }
}

/// Opens a store on a temporary database, runs `body`, and removes the database.
func withGraphStore(_ body: (GraphStore) async throws -> Void) async throws {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("graph-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: directory) }
  let database = try GraphStore.openDatabase(
    at: directory.appendingPathComponent("graph.sqlite"), durability: .normal, logger: Logger(label: "graph-tests"))
  do {
    try await body(GraphStore(database: database))
  } catch {
    await database.close()
    throw error
  }
  await database.close()
}

func withGraphHarness(_ body: (GraphHarness) async throws -> Void) async throws {
  try await withGraphStore { store in
    let identity = try InternalIdentity(secret: graphHarnessSecret)
    let transport = InProcessTransport()
    let server = GRPCServer(
      transport: transport.server,
      services: [GraphAPIService(store: store, logger: Logger(label: "graph-tests"))],
      interceptors: [IdentityInterceptor(identity: identity)]
    )
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      try await withGRPCClient(transport: transport.client) { client in
        try await body(GraphHarness(client: Loyalty_Graph_V1_GraphService.Client(wrapping: client), identity: identity, store: store))
      }
      server.beginGracefulShutdown()
    }
  }
}

/// A small loyalty graph touching every label: AAdvantage with an elite tier, an earning rule
/// for BA fare classes and an award-chart entry, a bank currency transferring to Avios,
/// oneworld, three airports and a few routes.
enum GraphFixture {
  static let document = GraphNode(
    id: "doc:aa-partners", label: .webSourceDocument,
    properties: ["url": "https://www.aa.com/i18n/aadvantage-program/miles/partners/airline/british-airways.jsp", "title": "Earn miles on British Airways", "retrieved_date": "2025-01-15"])
  static let oneworld = GraphNode(id: "alliance:oneworld", label: .alliance, properties: ["name": "oneworld", "source_document_id": "doc:aa-partners"])
  static let americanAirlines = GraphNode(id: "airline:AA", label: .airline, properties: ["iata": "AA", "name": "American Airlines"])
  static let britishAirways = GraphNode(id: "airline:BA", label: .airline, properties: ["iata": "BA", "name": "British Airways"])
  static let aadvantage = GraphNode(
    id: "program:aa-aadvantage", label: .loyaltyProgram,
    properties: ["name": "AAdvantage", "kind": "airline", "currency_name": "miles", "source_document_id": "doc:aa-partners"])
  static let executiveClub = GraphNode(
    id: "program:ba-executive-club", label: .loyaltyProgram,
    properties: ["name": "Executive Club", "kind": "airline", "currency_name": "Avios", "source_document_id": "doc:aa-partners"])
  static let membershipRewards = GraphNode(
    id: "program:amex-membership-rewards", label: .loyaltyProgram,
    properties: ["name": "Membership Rewards", "kind": "bank", "currency_name": "points", "source_document_id": "doc:aa-partners"])
  static let fareI = GraphNode(id: "fare:BA:I", label: .fareClass, properties: ["carrier": "BA", "code": "I", "cabin": "business"])
  static let fareJ = GraphNode(id: "fare:BA:J", label: .fareClass, properties: ["carrier": "BA", "code": "J", "cabin": "business"])
  static let gold = GraphNode(
    id: "tier:aa-aadvantage:gold", label: .eliteTier,
    properties: ["program_id": "aa-aadvantage", "name": "Gold", "rank": 1, "qualification": ["Loyalty Points": 40_000], "source_document_id": "doc:aa-partners"])
  static let baBusinessRule = GraphNode(
    id: "rule:aa-on-ba-business", label: .earningRule,
    properties: [
      "program_id": "aa-aadvantage", "description": "AAdvantage miles on British Airways business fares", "basis": "distance",
      "carriers": ["BA"], "carrier_match": "operating", "fare_classes": ["I", "J"], "accrual_percent": 150, "state": "effective",
      "effective_date": "2024-01-01", "source_document_id": "doc:aa-partners",
    ])
  static let awardEntry = GraphNode(
    id: "award:aa-ba-economy-0-3000", label: .awardChartEntry,
    properties: [
      "program_id": "aa-aadvantage", "chart": "distance", "min_distance": 0, "max_distance": 3000, "cabin": "economy", "points": 7500,
      "operated_by": "partner", "carriers": ["BA"], "source_document_id": "doc:aa-partners",
    ])

  static func airport(_ code: String, _ name: String, country: String, region: Region, _ latitude: Double, _ longitude: Double) -> GraphNode {
    GraphNode(
      id: NodeID.airport(code), label: .airport,
      properties: ["iata": .string(code), "name": .string(name), "country": .string(country), "region": .string(region.rawValue), "latitude": .number(latitude), "longitude": .number(longitude)])
  }

  static let heathrow = airport("LHR", "London Heathrow", country: "United Kingdom", region: .europe, 51.4706, -0.461941)
  static let kennedy = airport("JFK", "John F Kennedy International", country: "United States", region: .northAmerica, 40.63980103, -73.77890015)
  static let dallas = airport("DFW", "Dallas Fort Worth International", country: "United States", region: .northAmerica, 32.896801, -97.038002)

  static func route(_ from: String, _ to: String, _ airline: String) -> GraphEdge {
    GraphEdge(type: .route, fromID: NodeID.airport(from), toID: NodeID.airport(to), key: airline, properties: ["airline": .string(airline)])
  }

  static let nodes = [
    document, oneworld, americanAirlines, britishAirways, aadvantage, executiveClub, membershipRewards, fareI, fareJ, gold,
    baBusinessRule, awardEntry, heathrow, kennedy, dallas,
  ]

  static let edges = [
    GraphEdge(type: .memberOf, fromID: "airline:AA", toID: "alliance:oneworld"),
    GraphEdge(type: .memberOf, fromID: "airline:BA", toID: "alliance:oneworld"),
    GraphEdge(type: .hasLoyaltyProgram, fromID: "airline:AA", toID: "program:aa-aadvantage"),
    GraphEdge(type: .hasLoyaltyProgram, fromID: "airline:BA", toID: "program:ba-executive-club"),
    GraphEdge(type: .partnersWith, fromID: "program:aa-aadvantage", toID: "airline:BA", properties: ["earn": true, "redeem": true]),
    GraphEdge(
      type: .transfersTo, fromID: "program:amex-membership-rewards", toID: "program:ba-executive-club",
      properties: ["from_points": 1, "to_points": 1, "minimum": 1000, "increment": 1000, "source_document_id": "doc:aa-partners"]),
    route("LHR", "JFK", "BA"), route("LHR", "JFK", "AA"), route("JFK", "LHR", "BA"), route("DFW", "LHR", "AA"), route("DFW", "JFK", "AA"),
  ]

  static let batch = GraphBatch(nodes: nodes, edges: edges)

  /// The derived edges the fixture's properties call for.
  static let derivedEdgeIDs: Set<String> = [
    "EXTRACTED_FROM|alliance:oneworld|doc:aa-partners|",
    "EXTRACTED_FROM|program:aa-aadvantage|doc:aa-partners|",
    "EXTRACTED_FROM|program:ba-executive-club|doc:aa-partners|",
    "EXTRACTED_FROM|program:amex-membership-rewards|doc:aa-partners|",
    "HAS_ELITE_TIER|program:aa-aadvantage|tier:aa-aadvantage:gold|",
    "EXTRACTED_FROM|tier:aa-aadvantage:gold|doc:aa-partners|",
    "CREDITS_TO_PROGRAM|rule:aa-on-ba-business|program:aa-aadvantage|",
    "APPLIES_TO|rule:aa-on-ba-business|airline:BA|",
    "APPLIES_TO|rule:aa-on-ba-business|fare:BA:I|",
    "APPLIES_TO|rule:aa-on-ba-business|fare:BA:J|",
    "EXTRACTED_FROM|rule:aa-on-ba-business|doc:aa-partners|",
    "APPLIES_TO|award:aa-ba-economy-0-3000|program:aa-aadvantage|",
    "APPLIES_TO|award:aa-ba-economy-0-3000|airline:BA|",
    "EXTRACTED_FROM|award:aa-ba-economy-0-3000|doc:aa-partners|",
  ]
}

/// The OpenFlights snapshot beside the project (../shared/data/openflights), when present.
enum OpenFlightsData {
  static let folder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/data/openflights")

  static var isAvailable: Bool {
    ["airports.dat", "airlines.dat", "routes.dat"].allSatisfy {
      FileManager.default.isReadableFile(atPath: folder.appendingPathComponent($0).path)
    }
  }

  static func contents(_ name: String) throws -> Data {
    try Data(contentsOf: folder.appendingPathComponent(name))
  }

  /// The whole snapshot through the importer, as one batch.
  static func batch() throws -> (GraphBatch, OpenFlightsImportReport) {
    var importer = OpenFlightsImporter()
    try importer.feed(.airports, try contents("airports.dat"))
    try importer.feed(.airlines, try contents("airlines.dat"))
    try importer.feed(.routes, try contents("routes.dat"))
    return try importer.finish()
  }
}
