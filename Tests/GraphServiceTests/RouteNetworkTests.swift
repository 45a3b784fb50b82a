import Foundation
import GraphModel
import GraphService
import Testing

@Suite struct RouteNetworkTests {
  /// Airports along the equator 10° apart (A, B, C, D), one slightly off the line (Y) and
  /// one far off it (X). Flying A→B→C→D follows the line; A→Y→D and A→X→D take two segments
  /// but fly further.
  static let network: RouteNetwork = {
    func airport(_ code: String, _ latitude: Double, _ longitude: Double) -> GraphNode {
      GraphFixture.airport(code, "Airport \(code)", country: "Ecuador", region: .southAmerica, latitude, longitude)
    }
    let nodes = [airport("AAA", 0, 0), airport("BBB", 0, 10), airport("CCC", 0, 20), airport("DDD", 0, 30), airport("YYY", 5, 15), airport("XXX", 40, 15)]
    let edges = [
      GraphFixture.route("AAA", "BBB", "L1"), GraphFixture.route("BBB", "CCC", "L1"), GraphFixture.route("CCC", "DDD", "L1"),
      GraphFixture.route("AAA", "XXX", "X1"), GraphFixture.route("XXX", "DDD", "X1"),
      GraphFixture.route("AAA", "YYY", "Y1"), GraphFixture.route("AAA", "YYY", "X1"), GraphFixture.route("YYY", "DDD", "Y2"),
    ]
    return RouteNetwork(snapshot: GraphSnapshot(epoch: 0, sequence: 1, nodes: nodes, edges: edges))
  }()

  static func miles(_ a: (Double, Double), _ b: (Double, Double)) -> Int {
    Int(GreatCircle.miles(fromLatitude: a.0, longitude: a.1, toLatitude: b.0, longitude: b.1).rounded())
  }

  @Test func fewestSegmentsWinOverAShorterDistance() throws {
    let route = try #require(Self.network.shortestRoute(from: "AAA", to: "DDD", maxSegments: 4))
    #expect(route.segments.map(\.destination) == ["YYY", "DDD"])
    #expect(route.segments[0] == .init(origin: "AAA", destination: "YYY", distanceMiles: Self.miles((0, 0), (5, 15)), airlines: ["X1", "Y1"]))
    #expect(route.segments[1].airlines == ["Y2"])
    let alongTheLine = 3 * Self.miles((0, 0), (0, 10))
    #expect(route.totalDistanceMiles > alongTheLine)
    #expect(route.totalDistanceMiles == route.segments[0].distanceMiles + route.segments[1].distanceMiles)
  }

  @Test func amongEqualSegmentCountsTheShortestDistanceWins() throws {
    // Both two-segment routes are allowed; the one via Y is shorter than the one via X.
    let route = try #require(Self.network.shortestRoute(from: "AAA", to: "DDD", maxSegments: 2, airlines: ["X1", "Y2"]))
    #expect(route.segments.map(\.origin) == ["AAA", "YYY"])
    #expect(route.segments[0].airlines == ["X1"])
    let viaX = try #require(Self.network.shortestRoute(from: "AAA", to: "DDD", maxSegments: 2, airlines: ["X1"]))
    #expect(viaX.segments.map(\.destination) == ["XXX", "DDD"])
    #expect(viaX.totalDistanceMiles > route.totalDistanceMiles)
  }

  @Test func airlineFilterAndSegmentLimit() throws {
    let line = try #require(Self.network.shortestRoute(from: "AAA", to: "DDD", maxSegments: 3, airlines: ["L1"]))
    #expect(line.segments.map(\.destination) == ["BBB", "CCC", "DDD"])
    #expect(line.totalDistanceMiles == 3 * Self.miles((0, 0), (0, 10)))
    #expect(Self.network.shortestRoute(from: "AAA", to: "DDD", maxSegments: 2, airlines: ["L1"]) == nil)
    #expect(Self.network.shortestRoute(from: "AAA", to: "DDD", maxSegments: 1) == nil)
    // Routes are directed: nothing flies back.
    #expect(Self.network.shortestRoute(from: "DDD", to: "AAA", maxSegments: 6) == nil)
    #expect(Self.network.shortestRoute(from: "AAA", to: "ZZZ", maxSegments: 4) == nil)
    #expect(Self.network.contains(airport: "YYY"))
    #expect(Self.network.contains(airline: "Y2"))
    #expect(!Self.network.contains(airline: "Q9"))
  }

  /// Imports the real OpenFlights snapshot through the store, then checks known pairs.
  /// (Benchmarks/graph/run measures import and query times.)
  @Test(.enabled(if: OpenFlightsData.isAvailable, "needs ../shared/data/openflights beside the project"))
  func realOpenFlightsNetwork() async throws {
    let (batch, report) = try OpenFlightsData.batch()
    try await withGraphStore { store in
      let summary = try await store.upsert(batch)
      #expect(summary.nodesCreated == batch.nodes.count)
      #expect(summary.edgesCreated == batch.edges.count)
      #expect(report[.routes]?.rowsImported == batch.edges.count)

      let again = try await store.upsert(batch)
      #expect(again.nodesUnchanged == batch.nodes.count)
      #expect(again.edgesUnchanged == batch.edges.count)

      let network = RouteNetwork(snapshot: try await store.snapshot())

      let nonstop = try #require(network.shortestRoute(from: "LHR", to: "JFK", maxSegments: 4))
      #expect(nonstop.segments.count == 1)
      #expect(nonstop.segments[0].airlines.contains("BA"))
      #expect(abs(nonstop.totalDistanceMiles - 3451) <= 1)

      // Inverness has one connection towards Boston: Amsterdam (Flybe, then KLM and Delta).
      let viaAmsterdam = try #require(network.shortestRoute(from: "INV", to: "BOS", maxSegments: 4))
      #expect(viaAmsterdam.segments.map(\.destination) == ["AMS", "BOS"])
      #expect(viaAmsterdam.segments[0].airlines == ["BE"])
      #expect(viaAmsterdam.segments[1].airlines.contains("DL"))

      let londonCity = try #require(network.shortestRoute(from: "LCY", to: "SYD", maxSegments: 4))
      #expect(londonCity.segments.count == 3)
      let nuuk = try #require(network.shortestRoute(from: "GOH", to: "SYD", maxSegments: 4))
      #expect(nuuk.segments.count == 4)
      #expect(network.shortestRoute(from: "GOH", to: "WLG", maxSegments: 4) == nil)
      #expect(network.shortestRoute(from: "GOH", to: "WLG", maxSegments: 5)?.segments.count == 5)
      for route in [viaAmsterdam, londonCity, nuuk] {
        for (first, second) in zip(route.segments, route.segments.dropFirst()) {
          #expect(first.destination == second.origin)
        }
      }
    }
  }
}
