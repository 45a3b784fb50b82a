import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

/// The real profile-service, graph-service (seeded with the curated seed) and gateway, with
/// the advisor reading travellers' profiles service to service.
final class RunningGraphSuite: @unchecked Sendable {
  let profile: RunningService
  let graph: RunningService
  let gateway: RunningGateway

  private init(profile: RunningService, graph: RunningService, gateway: RunningGateway) {
    self.profile = profile
    self.graph = graph
    self.gateway = gateway
  }

  static func start() async throws -> RunningGraphSuite {
    let profile = try await RunningService.start("profile-service")
    let graph: RunningService
    do {
      graph = try await RunningService.start("graph-service", extraArguments: ["--profile-target", profile.address.description])
    } catch {
      await profile.stop()
      throw error
    }
    do {
      let gateway = try await RunningGateway.start(.graphSuite(profile: profile.address, graph: graph.address))
      return RunningGraphSuite(profile: profile, graph: graph, gateway: gateway)
    } catch {
      await graph.stop()
      await profile.stop()
      throw error
    }
  }

  func stop() async {
    await gateway.stop()
    for service in [graph, profile] {
      await service.stop()
      service.removeFiles()
    }
  }

  static func with(_ body: (RunningGraphSuite) async throws -> Void) async throws {
    let suite = try await start()
    do {
      try await body(suite)
    } catch {
      Issue.record("graph-service log:\n\(suite.graph.logTail(lines: 40))")
      await suite.stop()
      throw error
    }
    await suite.stop()
  }

  /// A traveller with an AAdvantage status, created straight on profile-service.
  func createTraveller(_ userID: String, aadvantageTier: String, balances: [String: Int64] = [:]) async throws {
    _ = try await profile.withProfiles { profiles in
      try await profiles.createProfile(
        .with {
          $0.profile = .with {
            $0.userID = userID
            $0.homeAirport = "DFW"
            $0.memberships = [.with { $0.programID = "aa-aadvantage"; $0.eliteTier = aadvantageTier; $0.balance = balances["aa-aadvantage"] ?? 0 }]
              + balances.filter { $0.key != "aa-aadvantage" }.sorted { $0.key < $1.key }.map { entry in
                .with { $0.programID = entry.key; $0.balance = entry.value }
              }
          }
        })
    }
  }

  func withAdvisor<Result: Sendable>(
    _ body: (Loyalty_Advisor_V1_AdvisorService.Client<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await gateway.withClient { try await body(Loyalty_Advisor_V1_AdvisorService.Client(wrapping: $0)) }
  }

  func withGraph<Result: Sendable>(
    _ body: (Loyalty_Graph_V1_GraphService.Client<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await gateway.withClient { try await body(Loyalty_Graph_V1_GraphService.Client(wrapping: $0)) }
  }
}

extension GatewayTestConfig {
  /// Profiles v1, the graph and the advisor, each behind its own alias.
  static func graphSuite(profile: ServiceAddress, graph: ServiceAddress) -> GatewayTestConfig {
    GatewayTestConfig(
      upstreams: [
        ["name": "profile", "targets": [profile.description], "required": true],
        ["name": "graph", "targets": [graph.description], "required": true],
      ],
      aliases: [
        ["name": "profile-v1", "pools": [["pool": "profile", "weight": 100]]],
        ["name": "graph-v1", "pools": [["pool": "graph", "weight": 100]]],
        ["name": "advisor-v1", "pools": [["pool": "graph", "weight": 100]]],
      ],
      routes: [
        ["apiVersion": "v1", "service": "loyalty.profile.v1.ProfileService", "alias": "profile-v1"],
        ["apiVersion": "v1", "service": "loyalty.graph.v1.GraphService", "alias": "graph-v1"],
        ["apiVersion": "v1", "service": "loyalty.advisor.v1.AdvisorService", "alias": "advisor-v1"],
      ])
  }
}

/// AA's published example: DFW–LHR round trip, $1,436 base fare + $458 carrier-imposed fees.
let aaPublishedExample = Loyalty_Advisor_V1_Itinerary.with {
  $0.segments = [
    .with {
      $0.marketingCarrier = "AA"; $0.operatingCarrier = "AA"; $0.flightNumber = "AA50"
      $0.origin = "DFW"; $0.destination = "LHR"; $0.fareClass = "O"; $0.departureDate = "2026-12-01"
    },
    .with {
      $0.marketingCarrier = "AA"; $0.operatingCarrier = "AA"; $0.flightNumber = "AA51"
      $0.origin = "LHR"; $0.destination = "DFW"; $0.fareClass = "O"; $0.departureDate = "2026-12-08"
    },
  ]
  $0.fare = .with { $0.currency = "USD"; $0.baseFare = 1436; $0.carrierImposedFees = 458; $0.taxes = 212.40 }
}

@Suite(.serialized) struct GraphIntegrationTests {
  let loyalty = executablesDirectory.appendingPathComponent("loyalty")

  @Test func advisorUsesTheTravellersProfileAndRequestValuesWin() async throws {
    try await RunningGraphSuite.with { suite in
      try await suite.createTraveller("alice", aadvantageTier: "Executive Platinum")
      let key = try await suite.gateway.createKey(subject: "alice", role: "traveler")
      let metadata: Metadata = apiKey(key.secret)

      let personal = try await suite.withAdvisor { advisor in
        try await advisor.calculateEarnings(.with { $0.itinerary = aaPublishedExample; $0.programIds = ["aa-aadvantage"] }, metadata: metadata)
      }
      let aadvantage = try #require(personal.programs.first { $0.programID == "aa-aadvantage" })
      #expect(aadvantage.tier == "Executive Platinum")
      #expect(aadvantage.tierSource == "profile")
      #expect(aadvantage.redeemableMiles == 20_834)

      let asMember = try await suite.withAdvisor { advisor in
        try await advisor.calculateEarnings(
          .with {
            $0.itinerary = aaPublishedExample
            $0.programIds = ["aa-aadvantage"]
            $0.statuses = [.with { $0.programID = "aa-aadvantage"; $0.tier = "" }]
          }, metadata: metadata)
      }
      let member = try #require(asMember.programs.first { $0.programID == "aa-aadvantage" })
      #expect(member.tierSource == "request")
      #expect(member.redeemableMiles == 9_470)
      #expect(member.segments.allSatisfy { !$0.sourceURL.isEmpty })
    }
  }

  @Test func travellersMayNotAskWithAnotherUsersProfile() async throws {
    try await RunningGraphSuite.with { suite in
      try await suite.createTraveller("alice", aadvantageTier: "Gold")
      let key = try await suite.gateway.createKey(subject: "alice", role: "traveler")
      let outcome = await rpcOutcome {
        try await suite.withAdvisor { advisor in
          try await advisor.calculateEarnings(
            .with { $0.itinerary = aaPublishedExample; $0.userID = "bob" }, metadata: apiKey(key.secret))
        }
      }
      #expect(outcome.code == .permissionDenied)
    }
  }

  @Test func onlyCuratorsChangeTheGraph() async throws {
    try await RunningGraphSuite.with { suite in
      let traveller = try await suite.gateway.createKey(subject: "tom", role: "traveler")
      let curator = try await suite.gateway.createKey(subject: "cora", role: "curator")
      let document = Loyalty_Graph_V1_Node.with {
        $0.id = "doc:test-page"
        $0.label = "WebSourceDocument"
        $0.properties = Google_Protobuf_Struct(fields: [
          "url": Google_Protobuf_Value(stringValue: "https://example.com/earning"),
          "title": Google_Protobuf_Value(stringValue: "Earning chart"),
          "retrieved_date": Google_Protobuf_Value(stringValue: "2026-11-01"),
        ])
      }
      let refused = await rpcOutcome {
        try await suite.withGraph { graph in
          try await graph.upsertBatch(.with { $0.nodes = [document] }, metadata: apiKey(traveller.secret))
        }
      }
      #expect(refused.code == .permissionDenied)

      let written = try await suite.withGraph { graph in
        try await graph.upsertBatch(.with { $0.nodes = [document] }, metadata: apiKey(curator.secret))
      }
      #expect(written.nodesCreated == 1)
      let again = try await suite.withGraph { graph in
        try await graph.upsertBatch(.with { $0.nodes = [document] }, metadata: apiKey(curator.secret))
      }
      #expect(again.nodesUnchanged == 1)
      let read = try await suite.withGraph { graph in
        try await graph.getNode(.with { $0.id = "doc:test-page" }, metadata: apiKey(traveller.secret))
      }
      #expect(read.label == "WebSourceDocument")
    }
  }

  @Test func jsonRoutesAnswerAndNameTheBadField() async throws {
    try await RunningGraphSuite.with { suite in
      let key = try await suite.gateway.createKey(subject: "ops", role: "admin")
      let statistics = try await suite.gateway.http("GET", "/v1/graph/statistics", headers: ["x-api-key": key.secret])
      #expect(statistics.status == 200, "\(statistics.body)")
      let byLabel = statistics.json["nodesByLabel"] as? [String: Any] ?? [:]
      #expect(byLabel["EarningRule"] != nil, "\(statistics.body)")

      let unknownAirport = try JSONSerialization.data(withJSONObject: [
        "itinerary": [
          "segments": [["marketingCarrier": "AA", "origin": "DFW", "destination": "QQQ", "fareClass": "Y", "departureDate": "2026-12-01"]],
          "fare": ["currency": "USD", "baseFare": 100],
        ]
      ])
      let refused = try await suite.gateway.http(
        "POST", "/v1/advisor/earnings", headers: ["x-api-key": key.secret, "content-type": "application/json"], body: unknownAirport)
      #expect([400, 404].contains(refused.status), "\(refused.body)")
      #expect(refused.body.contains("QQQ"), "\(refused.body)")

      let question = try JSONSerialization.data(withJSONObject: ["question": "How many AAdvantage miles do I earn on BA from LHR to JFK in I class?"])
      let asked = try await suite.gateway.http(
        "POST", "/v1/advisor/ask", headers: ["x-api-key": key.secret, "content-type": "application/json"], body: question)
      #expect(asked.status == 200, "\(asked.body)")
      #expect(!(asked.json["citations"] as? [Any] ?? []).isEmpty, "\(asked.body)")
      let answer = asked.json["answer"] as? String ?? ""
      #expect(answer.contains { $0.isNumber }, "\(asked.body)")
    }
  }

  @Test func awardPathwaysUseTheProfilesBalances() async throws {
    try await RunningGraphSuite.with { suite in
      try await suite.createTraveller("nina", aadvantageTier: "", balances: ["amex-membership-rewards": 500_000, "chase-ultimate-rewards": 500_000])
      let key = try await suite.gateway.createKey(subject: "nina", role: "traveler")
      let response = try await suite.withAdvisor { advisor in
        try await advisor.findAwardPathways(
          .with { $0.trip = .with { $0.origin = "JFK"; $0.destination = "LHR"; $0.cabin = "business"; $0.passengers = 1 } },
          metadata: apiKey(key.secret))
      }
      #expect(!response.pathways.isEmpty)
      let first = try #require(response.pathways.first)
      #expect(first.feasible, "\(response.pathways.map(\.explanation))")
      #expect(!first.transfers.isEmpty || first.pointsInProgram >= first.pointsRequired)
    }
  }

  @Test func advisorStillAnswersWhileProfileServiceIsDown() async throws {
    try await RunningGraphSuite.with { suite in
      try await suite.createTraveller("omar", aadvantageTier: "Executive Platinum")
      let key = try await suite.gateway.createKey(subject: "omar", role: "traveler")
      _ = await suite.profile.stop()
      let response = try await suite.withAdvisor { advisor in
        try await advisor.calculateEarnings(
          .with { $0.itinerary = aaPublishedExample; $0.programIds = ["aa-aadvantage"] }, metadata: apiKey(key.secret))
      }
      let aadvantage = try #require(response.programs.first)
      #expect(aadvantage.tierSource == "default")
      #expect(aadvantage.redeemableMiles == 9_470)
    }
  }

  @Test(.enabled(if: openFlightsDirectory != nil, "needs ../shared/data/openflights beside the project"))
  func curatorImportsOpenFlightsWithTheCLIAndFindsRoutes() async throws {
    try await RunningGraphSuite.with { suite in
      let curator = try await suite.gateway.createKey(subject: "cora", role: "curator")
      let keyFile = suite.graph.workDirectory.appendingPathComponent("curator-key")
      try Data(curator.secret.utf8).write(to: keyFile)
      let common = ["--gateway", suite.gateway.grpcAddress.description, "--api-key-file", keyFile.path]
      let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LOYALTY_") }

      let imported = try await runCommand(
        loyalty, ["graph", "import-openflights", "--dir", openFlightsDirectory!.path, "--timeout", "300"] + common,
        environment: environment)
      #expect(imported.status == 0, "\(imported.output)")
      #expect(imported.output.contains("skipped"), "\(imported.output)")

      let statistics = try await suite.withGraph { graph in
        try await graph.getStatistics(.init(), metadata: apiKey(curator.secret))
      }
      #expect((statistics.edgesByType["ROUTE"] ?? 0) > 60_000)
      #expect((statistics.nodesByLabel["Airport"] ?? 0) > 5_000)

      let nonstop = try await runCommand(loyalty, ["graph", "route", "JFK", "LHR", "--json"] + common, environment: environment)
      #expect(nonstop.status == 0, "\(nonstop.output)")
      let route = try Loyalty_Graph_V1_FindShortestRouteResponse(jsonString: nonstop.output)
      #expect(route.segments.count == 1)
      #expect(abs(Int(route.totalDistanceMiles) - 3_451) <= 2)
    }
  }
}

func apiKey(_ secret: String) -> Metadata {
  var metadata = Metadata()
  metadata.addString(secret, forKey: "x-api-key")
  return metadata
}

/// ../shared/data/openflights beside the project, when present.
let openFlightsDirectory: URL? = {
  let folder = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/openflights")
  return FileManager.default.fileExists(atPath: folder.appendingPathComponent("routes.dat").path) ? folder : nil
}()
