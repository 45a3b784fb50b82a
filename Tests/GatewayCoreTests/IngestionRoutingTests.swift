import Foundation
import GatewayAuth
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import NIOCore
import NIOHTTP1
import SwiftProtobuf
import Testing

@testable import GatewayCore

@Suite struct IngestionRoutingTests {
  static let ingestionService = Loyalty_Ingestion_V1_IngestionService.descriptor.fullyQualifiedService
  static let ingestionMethods = Loyalty_Ingestion_V1_IngestionService.Method.descriptors.map(\.method)

  func resolvedRoute(_ table: RouteTable, _ path: String) -> RouteTable.ResolvedRoute? {
    if case .route(let route) = table.resolve(path: path) { route } else { nil }
  }

  @Test func everyIngestionMethodIsForCuratorsAndAdmins() throws {
    let service = try #require(ServiceCatalog.standard.service(named: Self.ingestionService))
    #expect(service.destination == .routeTable)
    #expect(Set(service.methods.keys) == Set(Self.ingestionMethods), "the catalog lists exactly the methods of ingestion.proto")
    let reads: Set<String> = ["ListVersions", "ListDocuments", "GetDocument", "GetLifecycle", "GetRun", "ListRuns", "WatchRuns"]
    for method in service.methods.values {
      #expect(method.access == .roles([.curator, .admin]), "\(method.name)")
      #expect(method.ownerFieldPath == nil, "\(method.name)")
      #expect(method.idempotent == reads.contains(method.name), "\(method.name)")
      #expect(method.routeClass == (reads.contains(method.name) ? "read" : "write"), "\(method.name)")
      #expect(method.clientStreaming == (method.name == "UploadDocument"), "\(method.name)")
    }
    #expect(service.methods["UploadDocument"]?.timeout == .seconds(120))
    #expect(service.methods["WatchRuns"]?.timeout == .seconds(3600))
  }

  @Test func theLocalSuiteRoutesTheIngestionAPIToItsOwnOptionalPool() throws {
    let config = GatewayConfig.localSuite(ingestionTarget: "127.0.0.1:50153")
    try config.validate(catalog: .standard)
    let pool = try #require(config.upstreams.first { $0.name == "ingestion" })
    #expect(pool.targets == ["127.0.0.1:50153"])
    #expect(pool.required == false, "the gateway stays ready while ingestion-service is down")
    #expect(config.aliases.first { $0.name == "ingestion-v1" }?.pools == [.init(pool: "ingestion", weight: 100)])

    let table = RouteTable(config: config, catalog: .standard)
    for name in Self.ingestionMethods {
      let route = try #require(resolvedRoute(table, "/\(Self.ingestionService)/\(name)"), "\(name)")
      #expect(route.target == .pool("ingestion") && route.alias == "ingestion-v1" && route.version?.name == "v1")
      #expect(route.timeout == route.method.timeout)
    }
    guard case .refused(12, _) = table.resolve(path: "/loyalty.ingestion.v2.IngestionService/GetRun") else {
      Issue.record("an unknown ingestion version resolved")
      return
    }
  }

  /// A file written before ingestion-service existed still loads; its ingestion calls are
  /// UNIMPLEMENTED until an ingestion route is added.
  @Test func aConfigurationWithoutTheIngestionPoolKeepsWorking() throws {
    var older = GatewayConfig.localSuite()
    older.upstreams.removeAll { $0.name == "ingestion" }
    older.aliases.removeAll { $0.name == "ingestion-v1" }
    older.routes.removeAll { $0.service == Self.ingestionService }
    try older.validate(catalog: .standard)
    let table = RouteTable(config: older, catalog: .standard)
    #expect(resolvedRoute(table, "/loyalty.graph.v1.GraphService/GetNode")?.target == .pool("graph"))
    guard case .refused(12, _) = table.resolve(path: "/\(Self.ingestionService)/ListRuns") else {
      Issue.record("an unrouted ingestion call resolved")
      return
    }
  }

  @Test func travellersMayNotCallTheIngestionAPI() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-ingestion-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let database = try APIKeyStore.openDatabase(
      at: directory.appendingPathComponent("keys.sqlite"), durability: .normal, logger: Logger(label: "gateway-ingestion-tests"))
    let keys = try await APIKeyStore(database: database)
    let authenticator = Authenticator(keys: keys, jwt: nil)
    let admission = CallAdmission(
      authenticator: authenticator, limiter: RateLimiter(limits: GatewayConfig.defaultRateLimits),
      identity: try InternalIdentity(secret: Array(repeating: 7, count: 48)))
    let table = RouteTable(config: .localSuite(), catalog: .standard)

    for (subject, role) in [("alice", Role.traveler), ("carol", .curator), ("operator", .admin)] {
      let (_, secret) = try await keys.create(subject: subject, role: role)
      let caller = try await authenticator.authenticate(apiKey: secret, authorization: nil).get()
      for name in Self.ingestionMethods {
        let path = "/\(Self.ingestionService)/\(name)"
        let route = try #require(resolvedRoute(table, path))
        let refusal = admission.authorize(caller, for: route.method, path: path)
        if role == .traveler {
          #expect(refusal?.code == RPCError.Code.permissionDenied.rawValue, "traveller calling \(name)")
          #expect(refusal?.message.contains("requires one of the roles admin, curator") == true)
        } else {
          #expect(refusal == nil, "\(role) calling \(name)")
        }
      }
    }
    let anonymous = admission.authorize(
      .anonymous, for: try #require(resolvedRoute(table, "/\(Self.ingestionService)/ListRuns")).method, path: "ListRuns")
    #expect(anonymous?.code == RPCError.Code.unauthenticated.rawValue)
    await database.close()
  }

  @Test func jsonRoutesCoverRunsAndTheirDecisions() throws {
    let expected: [(HTTPMethod, String, String, [String])] = [
      (.GET, "/v1/ingestion/runs", "ListRuns", []),
      (.GET, "/v1/ingestion/runs/run-1", "GetRun", ["run-1"]),
      (.POST, "/v1/ingestion/runs/run-1:approve", "ApproveRun", ["run-1"]),
      (.POST, "/v1/ingestion/runs/run-1:reject", "RejectRun", ["run-1"]),
      (.POST, "/v1/ingestion/runs/run-1:retry", "RetryRun", ["run-1"]),
    ]
    for (method, path, rpc, values) in expected {
      guard case .found(let route, let parameters) = RESTRoutes.lookup(method, path: path) else {
        Issue.record("no JSON route for \(method) \(path)")
        continue
      }
      #expect(route.service == Self.ingestionService && route.rpc == rpc, "\(path)")
      #expect(parameters.map(\.field) == values.map { _ in "run_id" } && parameters.map(\.value) == values, "\(path)")
      #expect(ServiceCatalog.standard.service(named: route.service)?.methods[rpc] != nil, "\(rpc) is routable")
    }
    // A query fills ListRuns' filter the way a JSON body would.
    let json = try RESTRoutes.requestJSON(
      body: Data(), pathParameters: [], query: [("state", "RUN_STATE_NEEDS_REVIEW"), ("document_key", "programs/aa.html"), ("page_size", "5")])
    guard case .found(let list, _) = RESTRoutes.lookup(.GET, path: "/v1/ingestion/runs") else { return }
    let request = try Loyalty_Ingestion_V1_ListRunsRequest(serializedBytes: try list.decodeRequest(json))
    #expect(request.state == .needsReview && request.documentKey == "programs/aa.html" && request.pageSize == 5)
  }

  /// The gateway's request limit bounds each message: a 10 MiB document sent as an upload
  /// header and 64 KiB chunks passes a 4 MiB limit, while one oversized message does not.
  @Test func theRequestLimitAppliesToEachUploadMessage() throws {
    var framer = GRPCMessageFramer(maxMessageBytes: GatewayConfig.defaultMaxRequestBytes, captureFirstMessage: false)
    let header = Loyalty_Ingestion_V1_UploadDocumentRequest.with {
      $0.header = .with { $0.key = "programs/aa/partners.html"; $0.fileName = "partners.html" }
    }
    let chunk = Loyalty_Ingestion_V1_UploadDocumentRequest.with { $0.chunk = Data(repeating: 0x61, count: 64 * 1024) }
    func framed(_ message: Loyalty_Ingestion_V1_UploadDocumentRequest) throws -> ByteBuffer {
      let bytes: [UInt8] = try message.serializedBytes()
      let length = UInt32(bytes.count)
      return ByteBuffer(bytes: [0, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + bytes)
    }
    #expect(framer.consume(try framed(header)) == .needMore)
    let chunkFrame = try framed(chunk)
    var total = 0
    while total < 10 * 1024 * 1024 {
      #expect(framer.consume(chunkFrame) == .needMore)
      total += 64 * 1024
    }
    #expect(total > GatewayConfig.defaultMaxRequestBytes)

    let whole = Loyalty_Ingestion_V1_UploadDocumentRequest.with { $0.chunk = Data(repeating: 0x61, count: 5 * 1024 * 1024) }
    guard case .tooLarge = framer.consume(try framed(whole)) else {
      Issue.record("a 5 MiB message passed a 4 MiB limit")
      return
    }
  }
}
