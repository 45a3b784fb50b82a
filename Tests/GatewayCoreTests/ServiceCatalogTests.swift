import Foundation
import GatewayAuth
import GatewayCore
import GRPCCore
import Logging
import LoyaltyAPI
import LoyaltyRuntime
import Testing

@Suite struct ServiceCatalogTests {
  static let backupService = Loyalty_Backup_V1_BackupService.descriptor.fullyQualifiedService
  static let backupMethods = Loyalty_Backup_V1_BackupService.Method.descriptors.map(\.method)

  func resolvedRoute(_ table: RouteTable, _ path: String) -> RouteTable.ResolvedRoute? {
    if case .route(let route) = table.resolve(path: path) { route } else { nil }
  }

  @Test func everyBackupMethodIsAdminOnlyWithGenerousTimeouts() throws {
    let service = try #require(ServiceCatalog.standard.service(named: Self.backupService))
    #expect(service.destination == .routeTable)
    #expect(Set(service.methods.keys) == Set(Self.backupMethods), "the catalog lists exactly the methods of backup.proto")
    for method in service.methods.values {
      #expect(method.access == .roles([.admin]), "\(method.name)")
      #expect(method.routeClass == "admin", "\(method.name)")
      #expect(method.ownerFieldPath == nil && !method.clientStreaming, "\(method.name)")
    }
    let idempotent = Set(service.methods.values.filter(\.idempotent).map(\.name))
    #expect(idempotent == ["GetStatus", "ListRecoveryPoints", "ListDrills", "ListLifecycleRules", "Verify"])
    for name in ["Restore", "Recover", "RunDrill", "Verify"] {
      #expect(service.methods[name]?.timeout == .seconds(3600), "\(name)")
    }
    #expect(service.methods["TakeSnapshot"]?.timeout == .seconds(600))
  }

  @Test func theLocalSuiteRoutesTheBackupAPIToItsOwnOptionalPool() throws {
    let config = GatewayConfig.localSuite(backupTarget: "127.0.0.1:50154")
    try config.validate(catalog: .standard)
    let pool = try #require(config.upstreams.first { $0.name == "backup" })
    #expect(pool.targets == ["127.0.0.1:50154"])
    #expect(pool.required == false, "the gateway stays ready while backup-service is down")
    #expect(config.aliases.first { $0.name == "backup-v1" }?.pools == [.init(pool: "backup", weight: 100)])

    let table = RouteTable(config: config, catalog: .standard)
    for name in Self.backupMethods {
      let route = try #require(resolvedRoute(table, "/\(Self.backupService)/\(name)"), "\(name)")
      #expect(route.target == .pool("backup") && route.alias == "backup-v1" && route.version?.name == "v1")
      #expect(route.timeout == route.method.timeout)
    }
    guard case .refused(12, _) = table.resolve(path: "/loyalty.backup.v2.BackupService/GetStatus") else {
      Issue.record("an unknown backup version resolved")
      return
    }
  }

  /// A file written before the backup service existed still loads; its backup calls are
  /// UNIMPLEMENTED until a backup route is added.
  @Test func aConfigurationWithoutTheBackupPoolKeepsWorking() throws {
    var older = GatewayConfig.localSuite()
    older.upstreams.removeAll { $0.name == "backup" }
    older.aliases.removeAll { $0.name == "backup-v1" }
    older.routes.removeAll { $0.service == Self.backupService }
    try older.validate(catalog: .standard)
    let table = RouteTable(config: older, catalog: .standard)
    #expect(resolvedRoute(table, "/loyalty.graph.v1.GraphService/GetNode")?.target == .pool("graph"))
    guard case .refused(12, _) = table.resolve(path: "/\(Self.backupService)/GetStatus") else {
      Issue.record("an unrouted backup call resolved")
      return
    }
  }

  @Test func onlyAdminAPIKeysMayCallTheBackupAPI() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-catalog-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let database = try APIKeyStore.openDatabase(
      at: directory.appendingPathComponent("keys.sqlite"), durability: .normal, logger: Logger(label: "gateway-catalog-tests"))
    let keys = try await APIKeyStore(database: database)
    let authenticator = Authenticator(keys: keys, jwt: nil)
    let admission = CallAdmission(
      authenticator: authenticator, limiter: RateLimiter(limits: GatewayConfig.defaultRateLimits),
      identity: try InternalIdentity(secret: Array(repeating: 7, count: 48)))
    let table = RouteTable(config: .localSuite(), catalog: .standard)

    for (subject, role) in [("alice", Role.traveler), ("carol", .curator), ("operator", .admin)] {
      let (_, secret) = try await keys.create(subject: subject, role: role)
      let caller = try await authenticator.authenticate(apiKey: secret, authorization: nil).get()
      for name in Self.backupMethods {
        let path = "/\(Self.backupService)/\(name)"
        let route = try #require(resolvedRoute(table, path))
        let refusal = admission.authorize(caller, for: route.method, path: path)
        if role == .admin {
          #expect(refusal == nil, "\(name)")
        } else {
          #expect(refusal?.code == RPCError.Code.permissionDenied.rawValue, "\(role) calling \(name)")
          #expect(refusal?.message.contains("requires one of the roles admin") == true)
        }
      }
    }
    let anonymous = admission.authorize(
      .anonymous, for: try #require(resolvedRoute(table, "/\(Self.backupService)/GetStatus")).method, path: "GetStatus")
    #expect(anonymous?.code == RPCError.Code.unauthenticated.rawValue)
    await database.close()
  }
}
