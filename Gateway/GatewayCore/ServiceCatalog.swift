import Foundation
import LoyaltyRuntime

/// How the gateway treats one gRPC method: who may call it, whether a retry is safe, which
/// rate-limit class it draws from and how long it may take.
public struct MethodPolicy: Sendable, Equatable {
  public enum Access: Sendable, Equatable {
    /// Anyone, without credentials (health, reflection).
    case open
    /// An authenticated caller with one of these roles.
    case roles(Set<Role>)
  }

  public var name: String
  public var access: Access
  /// Field numbers leading to the user id a traveller or curator must own (e.g. `[1]` for
  /// `GetProfileRequest.user_id`, `[1, 1]` for `UpdateProfileRequest.profile.user_id`).
  /// The gateway reads only these bytes of the first request message.
  public var ownerFieldPath: [Int]?
  /// Safe to send twice: retried on UNAVAILABLE before any response reached the caller.
  public var idempotent: Bool
  public var routeClass: String
  public var timeout: Duration
  public var clientStreaming: Bool

  public init(
    _ name: String, access: Access, ownerFieldPath: [Int]? = nil, idempotent: Bool, routeClass: String,
    timeout: Duration = .seconds(10), clientStreaming: Bool = false
  ) {
    self.name = name
    self.access = access
    self.ownerFieldPath = ownerFieldPath
    self.idempotent = idempotent
    self.routeClass = routeClass
    self.timeout = timeout
    self.clientStreaming = clientStreaming
  }
}

/// A gRPC service the gateway can route, with the policy of each method. Methods missing
/// here answer UNIMPLEMENTED even when the upstream has them (replication, for example, is
/// never reachable from outside).
public struct RoutedService: Sendable, Equatable {
  public enum Destination: Sendable, Equatable {
    /// Sent to the pools of the route table.
    case routeTable
    /// Served by the gateway itself (its admin API, reflection and health).
    case gateway
  }

  public var name: String
  public var destination: Destination
  public var methods: [String: MethodPolicy]

  public init(name: String, destination: Destination, methods: [MethodPolicy]) {
    self.name = name
    self.destination = destination
    self.methods = Dictionary(uniqueKeysWithValues: methods.map { ($0.name, $0) })
  }
}

/// Every service the gateway knows. The route table (configuration) decides where each
/// goes; the catalog (code) describes the API itself.
public struct ServiceCatalog: Sendable {
  public var services: [String: RoutedService]

  public init(_ services: [RoutedService]) {
    self.services = Dictionary(uniqueKeysWithValues: services.map { ($0.name, $0) })
  }

  public func service(named name: String) -> RoutedService? {
    services[name]
  }

  /// The API version a service name carries, e.g. "v2" for `loyalty.profile.v2.ProfileService`.
  public static func apiVersion(ofService name: String) -> String? {
    let parts = name.split(separator: ".")
    guard parts.count >= 2 else { return nil }
    return parts.dropLast().last.flatMap { part in
      part.range(of: #"^v[0-9]+(alpha|beta)?[0-9]*$"#, options: .regularExpression) != nil ? String(part) : nil
    }
  }

  static let people: Set<Role> = [.traveler, .curator, .admin]
  static let admins: Set<Role> = [.admin]
  static let curators: Set<Role> = [.curator, .admin]

  public static let standard = ServiceCatalog([
    profileV1, profileV2, graphV1, advisorV1, ingestionV1, backupV1, gatewayAdmin, health, reflectionV1,
    reflectionV1Alpha,
  ])

  static let profileV1 = RoutedService(
    name: "loyalty.profile.v1.ProfileService", destination: .routeTable,
    methods: [
      MethodPolicy("CreateProfile", access: .roles(people), ownerFieldPath: [1, 1], idempotent: false, routeClass: "write"),
      MethodPolicy("GetProfile", access: .roles(people), ownerFieldPath: [1], idempotent: true, routeClass: "read"),
      MethodPolicy("UpdateProfile", access: .roles(people), ownerFieldPath: [1, 1], idempotent: false, routeClass: "write"),
      MethodPolicy("DeleteProfile", access: .roles(people), ownerFieldPath: [1], idempotent: false, routeClass: "write"),
      MethodPolicy("ListProfiles", access: .roles(admins), idempotent: true, routeClass: "read"),
      MethodPolicy("AddMembership", access: .roles(people), ownerFieldPath: [1], idempotent: false, routeClass: "write"),
      MethodPolicy("UpdateMembership", access: .roles(people), ownerFieldPath: [1], idempotent: false, routeClass: "write"),
      MethodPolicy("RemoveMembership", access: .roles(people), ownerFieldPath: [1], idempotent: false, routeClass: "write"),
      // Idempotent by request id, so a retry cannot apply an adjustment twice.
      MethodPolicy("AdjustBalance", access: .roles(people), ownerFieldPath: [1], idempotent: true, routeClass: "write"),
    ])

  static let profileV2 = RoutedService(
    name: "loyalty.profile.v2.ProfileService", destination: .routeTable,
    methods: [
      MethodPolicy("CreateProfile", access: .roles(people), ownerFieldPath: [1, 1], idempotent: false, routeClass: "write"),
      MethodPolicy("GetProfile", access: .roles(people), ownerFieldPath: [1], idempotent: true, routeClass: "read"),
      MethodPolicy("UpdateProfile", access: .roles(people), ownerFieldPath: [1, 1], idempotent: false, routeClass: "write"),
      MethodPolicy("SetQualifyingActivity", access: .roles(people), ownerFieldPath: [1], idempotent: false, routeClass: "write"),
      MethodPolicy("DeleteProfile", access: .roles(people), ownerFieldPath: [1], idempotent: false, routeClass: "write"),
    ])

  // The graph is shared knowledge: anyone signed in reads it, curators change it.
  static let graphV1 = RoutedService(
    name: "loyalty.graph.v1.GraphService", destination: .routeTable,
    methods: [
      MethodPolicy("UpsertBatch", access: .roles(curators), idempotent: true, routeClass: "write"),
      MethodPolicy("GetNode", access: .roles(people), idempotent: true, routeClass: "read"),
      MethodPolicy("DeleteNode", access: .roles(curators), idempotent: false, routeClass: "write"),
      MethodPolicy("DeleteEdge", access: .roles(curators), idempotent: false, routeClass: "write"),
      MethodPolicy("GetNeighbors", access: .roles(people), idempotent: true, routeClass: "read"),
      MethodPolicy("Traverse", access: .roles(people), idempotent: true, routeClass: "read"),
      MethodPolicy("FindShortestRoute", access: .roles(people), idempotent: true, routeClass: "read"),
      MethodPolicy("GetStatistics", access: .roles(people), idempotent: true, routeClass: "read"),
      MethodPolicy(
        "ImportOpenFlights", access: .roles(curators), idempotent: false, routeClass: "write", timeout: .seconds(300),
        clientStreaming: true),
    ])

  // `user_id` in advisor requests is optional (the caller's own profile when empty), so the
  // service checks it rather than the gateway's owner field.
  static let advisorV1 = RoutedService(
    name: "loyalty.advisor.v1.AdvisorService", destination: .routeTable,
    methods: [
      MethodPolicy("CalculateEarnings", access: .roles(people), idempotent: true, routeClass: "read"),
      MethodPolicy("RecommendCreditingProgram", access: .roles(people), idempotent: true, routeClass: "read"),
      MethodPolicy("FindAwardPathways", access: .roles(people), idempotent: true, routeClass: "read"),
      MethodPolicy("Ask", access: .roles(people), idempotent: true, routeClass: "read", timeout: .seconds(30)),
    ])

  // The landing zone and pipeline runs are curators' work. Uploads are client-streaming: a
  // header, then the document in 64 KiB chunks. The gateway's `maxRequestBytes` applies to
  // each message, not to the call, so a document of any total size passes in small messages;
  // ingestion-service enforces its own per-document limit (RESOURCE_EXHAUSTED). Nothing of a
  // client-streaming call is kept for a retry, so an upload is never buffered whole.
  static let ingestionV1 = RoutedService(
    name: "loyalty.ingestion.v1.IngestionService", destination: .routeTable,
    methods: [
      MethodPolicy(
        "UploadDocument", access: .roles(curators), idempotent: false, routeClass: "write", timeout: .seconds(120),
        clientStreaming: true),
      MethodPolicy("ListVersions", access: .roles(curators), idempotent: true, routeClass: "read"),
      MethodPolicy("ListDocuments", access: .roles(curators), idempotent: true, routeClass: "read"),
      // Server-streaming: up to the whole document in chunks.
      MethodPolicy("GetDocument", access: .roles(curators), idempotent: true, routeClass: "read", timeout: .seconds(120)),
      MethodPolicy("DeleteDocument", access: .roles(curators), idempotent: false, routeClass: "write"),
      MethodPolicy("GetLifecycle", access: .roles(curators), idempotent: true, routeClass: "read"),
      MethodPolicy("RunLifecycle", access: .roles(curators), idempotent: false, routeClass: "write", timeout: .seconds(300)),
      MethodPolicy("GetRun", access: .roles(curators), idempotent: true, routeClass: "read"),
      MethodPolicy("ListRuns", access: .roles(curators), idempotent: true, routeClass: "read"),
      // Server-streaming: follows a run (or every run) until it ends or the caller leaves.
      MethodPolicy("WatchRuns", access: .roles(curators), idempotent: true, routeClass: "read", timeout: .seconds(3600)),
      MethodPolicy("ApproveRun", access: .roles(curators), idempotent: false, routeClass: "write", timeout: .seconds(30)),
      MethodPolicy("RejectRun", access: .roles(curators), idempotent: false, routeClass: "write", timeout: .seconds(30)),
      MethodPolicy("RetryRun", access: .roles(curators), idempotent: false, routeClass: "write", timeout: .seconds(30)),
    ])

  // Backups hold every traveller's data, so only admins reach them through the gateway.
  // Restores, drills, verification and recovery read or write whole databases.
  static let backupV1 = RoutedService(
    name: "loyalty.backup.v1.BackupService", destination: .routeTable,
    methods: [
      MethodPolicy("GetStatus", access: .roles(admins), idempotent: true, routeClass: "admin", timeout: .seconds(30)),
      MethodPolicy("TakeSnapshot", access: .roles(admins), idempotent: false, routeClass: "admin", timeout: .seconds(600)),
      MethodPolicy("ListRecoveryPoints", access: .roles(admins), idempotent: true, routeClass: "admin", timeout: .seconds(30)),
      MethodPolicy("DeleteSnapshot", access: .roles(admins), idempotent: false, routeClass: "admin", timeout: .seconds(60)),
      MethodPolicy("Restore", access: .roles(admins), idempotent: false, routeClass: "admin", timeout: .seconds(3600)),
      MethodPolicy("RunDrill", access: .roles(admins), idempotent: false, routeClass: "admin", timeout: .seconds(3600)),
      MethodPolicy("ListDrills", access: .roles(admins), idempotent: true, routeClass: "admin", timeout: .seconds(30)),
      MethodPolicy("Verify", access: .roles(admins), idempotent: true, routeClass: "admin", timeout: .seconds(3600)),
      MethodPolicy("ListLifecycleRules", access: .roles(admins), idempotent: true, routeClass: "admin", timeout: .seconds(30)),
      MethodPolicy("Recover", access: .roles(admins), idempotent: false, routeClass: "admin", timeout: .seconds(3600)),
    ])

  static let gatewayAdmin = RoutedService(
    name: "loyalty.gateway.v1.GatewayAdmin", destination: .gateway,
    methods: [
      MethodPolicy("CreateApiKey", access: .roles(admins), idempotent: false, routeClass: "admin"),
      MethodPolicy("ListApiKeys", access: .roles(admins), idempotent: true, routeClass: "admin"),
      MethodPolicy("RevokeApiKey", access: .roles(admins), idempotent: true, routeClass: "admin"),
      MethodPolicy("GetRouting", access: .roles(admins), idempotent: true, routeClass: "admin"),
      MethodPolicy("SetAlias", access: .roles(admins), idempotent: true, routeClass: "admin"),
      MethodPolicy("GetRateLimits", access: .roles(admins), idempotent: true, routeClass: "admin"),
      MethodPolicy("SetRateLimits", access: .roles(admins), idempotent: true, routeClass: "admin"),
      MethodPolicy("GetUpstreamHealth", access: .roles(admins), idempotent: true, routeClass: "admin"),
    ])

  static let health = RoutedService(
    name: "grpc.health.v1.Health", destination: .gateway,
    methods: [
      MethodPolicy("Check", access: .open, idempotent: true, routeClass: "health"),
      MethodPolicy("Watch", access: .open, idempotent: false, routeClass: "health", timeout: .seconds(86_400)),
    ])

  static let reflectionV1 = RoutedService(
    name: "grpc.reflection.v1.ServerReflection", destination: .gateway,
    methods: [
      MethodPolicy(
        "ServerReflectionInfo", access: .open, idempotent: false, routeClass: "health", timeout: .seconds(300),
        clientStreaming: true)
    ])

  static let reflectionV1Alpha = RoutedService(
    name: "grpc.reflection.v1alpha.ServerReflection", destination: .gateway,
    methods: [
      MethodPolicy(
        "ServerReflectionInfo", access: .open, idempotent: false, routeClass: "health", timeout: .seconds(300),
        clientStreaming: true)
    ])
}
