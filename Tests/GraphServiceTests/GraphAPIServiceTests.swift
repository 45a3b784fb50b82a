import Foundation
import GRPCCore
import GraphModel
import GraphService
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

@Suite struct GraphAPIServiceTests {
  func withFixture(_ body: (GraphHarness) async throws -> Void) async throws {
    try await withGraphHarness { harness in
      try await harness.upsert(GraphFixture.batch)
      try await body(harness)
    }
  }

  // MARK: Authorisation

  @Test func travellersReadButCannotWrite() async throws {
    try await withFixture { harness in
      let traveler = harness.metadata(GraphHarness.traveler)
      let node = try await harness.client.getNode(.with { $0.id = "airport:LHR" }, metadata: traveler)
      #expect(node.label == "Airport")
      #expect(node.properties.properties["iata"] == "LHR")
      #expect(node.updateTime.seconds > 1_700_000_000)

      let upsert = await rpcOutcome { try await harness.upsert(GraphBatch(nodes: [GraphFixture.heathrow]), as: GraphHarness.traveler) }
      #expect(upsert.code == .permissionDenied)
      #expect(upsert.message.contains("curator"))
      #expect(await statusCode { try await harness.client.deleteNode(.with { $0.id = "airport:DFW" }, metadata: traveler) } == .permissionDenied)
      #expect(
        await statusCode {
          try await harness.client.deleteEdge(
            .with { $0.type = "ROUTE"; $0.fromID = "airport:DFW"; $0.toID = "airport:JFK"; $0.key = "AA" }, metadata: traveler)
        } == .permissionDenied)
      #expect(await statusCode { try await harness.importOpenFlights([], as: GraphHarness.traveler) } == .permissionDenied)
      // Nothing changed.
      #expect(try await harness.client.getNode(.with { $0.id = "airport:DFW" }, metadata: traveler).id == "airport:DFW")
    }
  }

  @Test func getNodesReturnsTheExistingNodesInTheOrderAsked() async throws {
    try await withFixture { harness in
      let traveler = harness.metadata(GraphHarness.traveler)
      let response = try await harness.client.getNodes(
        .with { $0.ids = ["airport:LHR", "airport:NOPE", "airport:DFW", "airport:LHR"] }, metadata: traveler)
      #expect(response.nodes.map(\.id) == ["airport:LHR", "airport:DFW"])
      #expect(response.nodes.first?.properties.properties["iata"] == "LHR")
      let empty = try await harness.client.getNodes(.init(), metadata: traveler)
      #expect(empty.nodes.isEmpty)
      let tooMany = await rpcOutcome {
        try await harness.client.getNodes(.with { $0.ids = (0...1_000).map { "airport:X\($0)" } }, metadata: traveler)
      }
      #expect(tooMany.code == .invalidArgument && tooMany.message.hasPrefix("ids"))
      let blank = await rpcOutcome { try await harness.client.getNodes(.with { $0.ids = ["airport:LHR", ""] }, metadata: traveler) }
      #expect(blank.code == .invalidArgument && blank.message.hasPrefix("ids[1]"))
    }
  }

  @Test func callsWithoutIdentityAreUnauthenticated() async throws {
    try await withFixture { harness in
      #expect(await statusCode { try await harness.client.getStatistics(.init(), metadata: harness.metadata(nil)) } == .unauthenticated)
      #expect(await statusCode { try await harness.upsert(GraphBatch(nodes: [GraphFixture.heathrow]), as: nil) } == .unauthenticated)
    }
  }

  // MARK: Writes

  @Test func upsertReportsCountsAndIsIdempotent() async throws {
    try await withGraphHarness { harness in
      let first = try await harness.upsert(GraphFixture.batch)
      #expect(first.nodesCreated == Int32(GraphFixture.nodes.count))
      #expect(first.edgesCreated == Int32(GraphFixture.edges.count))
      #expect(first.sequence > 0)
      let again = try await harness.upsert(GraphFixture.batch, as: GraphHarness.admin)
      #expect(again.nodesUnchanged == Int32(GraphFixture.nodes.count))
      #expect(again.edgesUnchanged == Int32(GraphFixture.edges.count))
      #expect(again.sequence == 0)
      let statistics = try await harness.client.getStatistics(.init(), metadata: harness.metadata(GraphHarness.traveler))
      #expect(statistics.lastSequence == first.sequence)
      #expect(statistics.nodesByLabel["Airport"] == 3)
      #expect(statistics.edgeCount == Int64(GraphFixture.edges.count + GraphFixture.derivedEdgeIDs.count))
    }
  }

  @Test func badBatchesAreInvalidArgumentsNamingTheField() async throws {
    try await withFixture { harness in
      var unknownLabel = GraphFixture.heathrow.message
      unknownLabel.label = "Airfield"
      let label = await rpcOutcome {
        try await harness.client.upsertBatch(.with { $0.nodes = [GraphFixture.kennedy.message, unknownLabel] }, metadata: harness.metadata(GraphHarness.curator))
      }
      #expect(label.code == .invalidArgument)
      #expect(label.message.hasPrefix("nodes[1].label: 'Airfield' is not a node label"))

      var badLatitude = GraphFixture.dallas
      badLatitude.properties["latitude"] = 123
      let latitude = await rpcOutcome { try await harness.upsert(GraphBatch(nodes: [badLatitude])) }
      #expect(latitude.code == .invalidArgument)
      #expect(latitude.message.hasPrefix("nodes[0].properties.latitude:"))

      var unknownType = GraphFixture.edges[0].message
      unknownType.type = "FLIES_TO"
      let type = await rpcOutcome {
        try await harness.client.upsertBatch(.with { $0.edges = [unknownType] }, metadata: harness.metadata(GraphHarness.curator))
      }
      #expect(type.code == .invalidArgument)
      #expect(type.message.hasPrefix("edges[0].type: 'FLIES_TO' is not an edge type"))

      let missingEndpoint = await rpcOutcome { try await harness.upsert(GraphBatch(edges: [GraphFixture.route("LHR", "CDG", "AF")])) }
      #expect(missingEndpoint.code == .notFound)
      #expect(missingEndpoint.message == "edges[0].to_id: node 'airport:CDG' not found (neither in this batch nor in the graph)")
    }
  }

  @Test func deletesMapToNotFoundAndFailedPrecondition() async throws {
    try await withFixture { harness in
      let curator = harness.metadata(GraphHarness.curator)
      let missing = await rpcOutcome { try await harness.client.deleteNode(.with { $0.id = "airport:CDG" }, metadata: curator) }
      #expect(missing.code == .notFound)
      #expect(missing.message.contains("airport:CDG"))

      let referenced = await rpcOutcome { try await harness.client.deleteNode(.with { $0.id = "airline:BA" }, metadata: curator) }
      #expect(referenced.code == .failedPrecondition)
      #expect(referenced.message.contains("award:aa-ba-economy-0-3000"))
      #expect(referenced.message.contains("rule:aa-on-ba-business"))

      let deleted = try await harness.client.deleteNode(.with { $0.id = "airport:DFW" }, metadata: curator)
      #expect(deleted.edgesDeleted == 2)
      #expect(await statusCode { try await harness.client.getNode(.with { $0.id = "airport:DFW" }, metadata: curator) } == .notFound)

      let derived = await rpcOutcome {
        try await harness.client.deleteEdge(
          .with { $0.type = "CREDITS_TO_PROGRAM"; $0.fromID = "rule:aa-on-ba-business"; $0.toID = "program:aa-aadvantage" }, metadata: curator)
      }
      #expect(derived.code == .failedPrecondition)
      #expect(derived.message.contains("program_id"))

      let badType = await rpcOutcome {
        try await harness.client.deleteEdge(.with { $0.fromID = "a"; $0.toID = "b" }, metadata: curator)
      }
      #expect(badType.code == .invalidArgument)
      #expect(badType.message.hasPrefix("type: is required"))
      _ = try await harness.client.deleteEdge(
        .with { $0.type = "ROUTE"; $0.fromID = "airport:LHR"; $0.toID = "airport:JFK"; $0.key = "AA" }, metadata: curator)
      #expect(
        await statusCode {
          try await harness.client.deleteEdge(
            .with { $0.type = "ROUTE"; $0.fromID = "airport:LHR"; $0.toID = "airport:JFK"; $0.key = "AA" }, metadata: curator)
        } == .notFound)
    }
  }

  // MARK: Reads

  @Test func neighborsAndTraversalThroughTheAPI() async throws {
    try await withFixture { harness in
      let traveler = harness.metadata(GraphHarness.traveler)
      let neighbors = try await harness.client.getNeighbors(
        .with {
          $0.id = "program:aa-aadvantage"
          $0.direction = .incoming
          $0.neighborLabels = ["EarningRule", "Airline"]
          $0.limit = 1
        }, metadata: traveler)
      #expect(neighbors.neighbors.count == 1)
      #expect(neighbors.truncated)
      #expect(neighbors.neighbors[0].edge.type == "CREDITS_TO_PROGRAM")
      #expect(neighbors.neighbors[0].node.id == "rule:aa-on-ba-business")

      let badLabel = await rpcOutcome {
        try await harness.client.getNeighbors(.with { $0.id = "airport:LHR"; $0.neighborLabels = ["Airport", "City"] }, metadata: traveler)
      }
      #expect(badLabel.code == .invalidArgument)
      #expect(badLabel.message.hasPrefix("neighbor_labels[1]: 'City' is not a node label"))
      #expect(await statusCode { try await harness.client.getNeighbors(.with { $0.id = "airport:LHR"; $0.limit = 1001 }, metadata: traveler) } == .invalidArgument)
      #expect(await statusCode { try await harness.client.getNeighbors(.with { $0.id = "airport:CDG" }, metadata: traveler) } == .notFound)

      let traversal = try await harness.client.traverse(
        .with {
          $0.startIds = ["airport:DFW"]
          $0.maxDepth = 2
          $0.direction = .outgoing
          $0.edgeTypes = ["ROUTE"]
        }, metadata: traveler)
      #expect(traversal.nodes.map(\.id) == ["airport:DFW", "airport:JFK", "airport:LHR"])
      #expect(traversal.depths == [0, 1, 1])
      #expect(traversal.edges.count == 5)
      #expect(!traversal.truncated)

      let depth = await rpcOutcome { try await harness.client.traverse(.with { $0.startIds = ["airport:DFW"] }, metadata: traveler) }
      #expect(depth.code == .invalidArgument)
      #expect(depth.message.hasPrefix("max_depth:"))
      #expect(await statusCode { try await harness.client.traverse(.with { $0.maxDepth = 1 }, metadata: traveler) } == .invalidArgument)
      let unknown = await rpcOutcome {
        try await harness.client.traverse(.with { $0.startIds = ["airport:DFW", "airport:CDG"]; $0.maxDepth = 1 }, metadata: traveler)
      }
      #expect(unknown.code == .notFound)
      #expect(unknown.message.contains("airport:CDG"))
    }
  }

  @Test func shortestRouteThroughTheAPI() async throws {
    try await withFixture { harness in
      let traveler = harness.metadata(GraphHarness.traveler)
      let route = try await harness.client.findShortestRoute(.with { $0.origin = "dfw"; $0.destination = "LHR" }, metadata: traveler)
      #expect(route.segments.count == 1)
      #expect(route.segments[0].airlines == ["AA"])
      let miles = GreatCircle.miles(fromLatitude: 32.896801, longitude: -97.038002, toLatitude: 51.4706, longitude: -0.461941)
      #expect(route.totalDistanceMiles == Int(miles.rounded()))
      #expect(route.segments[0].distanceMiles == route.totalDistanceMiles)

      // Only BA: nothing leaves Dallas.
      let baOnly = await rpcOutcome {
        try await harness.client.findShortestRoute(.with { $0.origin = "DFW"; $0.destination = "LHR"; $0.airlines = ["BA"] }, metadata: traveler)
      }
      #expect(baOnly.code == .notFound)
      #expect(baOnly.message == "no route from DFW to LHR within 4 segments")

      // A new route is seen by the next query.
      try await harness.upsert(GraphBatch(edges: [GraphFixture.route("JFK", "DFW", "AA")]))
      let back = try await harness.client.findShortestRoute(.with { $0.origin = "LHR"; $0.destination = "DFW"; $0.maxSegments = 2 }, metadata: traveler)
      #expect(back.segments.map(\.destination) == ["JFK", "DFW"])
      #expect(back.segments[0].airlines == ["AA", "BA"])
      #expect(back.totalDistanceMiles == back.segments[0].distanceMiles + back.segments[1].distanceMiles)

      let cases: [(Loyalty_Graph_V1_FindShortestRouteRequest, RPCError.Code, String)] = [
        (.with { $0.origin = "LH"; $0.destination = "JFK" }, .invalidArgument, "origin: 'LH' is not an IATA airport code"),
        (.with { $0.origin = "LHR" }, .invalidArgument, "destination: is required"),
        (.with { $0.origin = "LHR"; $0.destination = "lhr" }, .invalidArgument, "destination: is the origin airport LHR"),
        (.with { $0.origin = "LHR"; $0.destination = "JFK"; $0.maxSegments = 7 }, .invalidArgument, "max_segments: 7 is outside 1…6"),
        (.with { $0.origin = "LHR"; $0.destination = "JFK"; $0.airlines = ["B"] }, .invalidArgument, "airlines[0]: 'B' is not an IATA airline code"),
        (.with { $0.origin = "LHR"; $0.destination = "CDG" }, .notFound, "airport 'CDG' not found"),
        (.with { $0.origin = "LHR"; $0.destination = "JFK"; $0.airlines = ["ZZ"] }, .notFound, "airline 'ZZ' not found"),
      ]
      for (request, code, message) in cases {
        let outcome = await rpcOutcome { try await harness.client.findShortestRoute(request, metadata: traveler) }
        #expect(outcome.code == code, "\(request)")
        #expect(outcome.message.hasPrefix(message), "\(outcome)")
      }
    }
  }

  // MARK: Import

  static let airports = """
    507,"London Heathrow Airport","London","United Kingdom","LHR","EGLL",51.4706,-0.461941,83,0,"E","Europe/London","airport","OurAirports"
    3797,"John F Kennedy International Airport","New York","United States","JFK","KJFK",40.63980103,-73.77890015,13,-5,"A","America/New_York","airport","OurAirports"
    1382,"Charles de Gaulle International Airport","Paris","France","CDG","LFPG",49.0127983093,2.54999995232,392,1,"E","Europe/Paris","airport","OurAirports"
    9999,"Nowhere Strip","Nowhere","United States",\\N,"KNOW",10,10,0,0,"A","America/New_York","airport","OurAirports"
    580,"Amsterdam Airport Schiphol","Amsterdam","Netherlands","AMS","EHAM",52.308601,4.76389,-11,1,"E","Europe/Amsterdam","airport","OurAirports"

    """

  static let airlines = """
    1355,"British Airways",\\N,"BA","BAW","SPEEDBIRD","United Kingdom","Y"
    137,"Air France",\\N,"AF","AFR","AIRFRANS","France","Y"
    3090,"KLM Royal Dutch Airlines",\\N,"KL","KLM","KLM","Netherlands","Y"
    99,"Ghost Air",\\N,"","GHO","GHOST","Nowhere","N"
    """

  static let routes = """
    BA,1355,LHR,507,JFK,3797,,0,777 747
    AF,137,CDG,1382,JFK,3797,,0,388
    BA,1355,LHR,507,CDG,1382,,0,320
    KLM,3090,LHR,507,AMS,580,,0,73H
    KL,3090,AMS,580,JFK,3797,,0,332
    BA,1355,LHR,507,XXX,9999,,0,320
    BA,1355,LHR,507,JFK,3797,,0,777
    """

  @Test func importOpenFlightsEndToEnd() async throws {
    try await withGraphHarness { harness in
      let response = try await harness.importOpenFlights([(.airports, Self.airports), (.airlines, Self.airlines), (.routes, Self.routes)])
      #expect(response.files.map(\.file) == [.airports, .airlines, .routes])
      #expect(response.files.map(\.rowsRead) == [5, 4, 7])
      #expect(response.files.map(\.rowsImported) == [4, 3, 5])
      #expect(response.files[0].skipped.map(\.reason) == ["airport has no IATA code"])
      #expect(response.files[0].skipped[0].exampleLines == [4])
      #expect(response.files[2].skipped.reduce(0) { $0 + $1.count } == 2)
      #expect(response.nodesWritten == 7)
      #expect(response.edgesWritten == 5)
      #expect(response.durationMillis >= 0)

      let traveler = harness.metadata(GraphHarness.traveler)
      let airline = try await harness.client.getNode(.with { $0.id = "airline:KL" }, metadata: traveler)
      #expect(airline.properties.properties["name"] == "KLM Royal Dutch Airlines")
      let statistics = try await harness.client.getStatistics(.init(), metadata: traveler)
      #expect(statistics.nodesByLabel == ["Airport": 4, "Airline": 3])
      #expect(statistics.edgesByType == ["ROUTE": 5])

      // The ICAO-coded KLM route became KL's.
      let route = try await harness.client.findShortestRoute(.with { $0.origin = "LHR"; $0.destination = "JFK"; $0.airlines = ["KL"] }, metadata: traveler)
      #expect(route.segments.map(\.destination) == ["AMS", "JFK"])
      #expect(route.segments.allSatisfy { $0.airlines == ["KL"] })

      // Importing the same files again writes nothing.
      let again = try await harness.importOpenFlights([(.airports, Self.airports), (.airlines, Self.airlines), (.routes, Self.routes)], chunkSize: 4096)
      #expect(again.nodesWritten == 0)
      #expect(again.edgesWritten == 0)
      #expect(try await harness.client.getStatistics(.init(), metadata: traveler).lastSequence == statistics.lastSequence)
    }
  }

  @Test func importRoutesMayUseAirportsAlreadyInTheGraph() async throws {
    try await withFixture { harness in
      let response = try await harness.importOpenFlights([(.routes, "AA,24,DFW,3670,JFK,3797,,0,321\nAA,24,DFW,3670,CDG,1382,,0,777\n")])
      #expect(response.files.map(\.rowsImported) == [1])
      // DFW→JFK by AA is in the fixture already; the import adds its OpenFlights details.
      #expect(response.edgesWritten == 1)
      let route = try await harness.store.edge(GraphFixture.route("DFW", "JFK", "AA").id)
      #expect(route.edge["equipment"] == ["321"])
      #expect(route.edge["distance_miles"]?.integerValue.map { abs($0 - 1391) <= 1 } == true)
      #expect(response.files[0].skipped.map(\.reason) == [OpenFlightsSkipReason.routeDestinationNotImported.rawValue])
    }
  }

  @Test func importInputErrorsAreInvalidArgumentsAndWriteNothing() async throws {
    try await withGraphHarness { harness in
      let outOfOrder = await rpcOutcome { try await harness.importOpenFlights([(.routes, Self.routes), (.airports, Self.airports)]) }
      #expect(outOfOrder.code == .invalidArgument)
      #expect(outOfOrder.message.hasPrefix("file:"))
      #expect(outOfOrder.message.contains("order"))

      let unspecified = await rpcOutcome { try await harness.importOpenFlights([(.unspecified, Self.airports)]) }
      #expect(unspecified.code == .invalidArgument)
      #expect(unspecified.message.hasPrefix("file: "))
      #expect(unspecified.message.contains("unspecified"))
      #expect(!unspecified.message.hasPrefix("file: file:"))

      let statistics = try await harness.client.getStatistics(.init(), metadata: harness.metadata(GraphHarness.curator))
      #expect(statistics.nodeCount == 0)
    }
  }
}
