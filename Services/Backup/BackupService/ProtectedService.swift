import BackupCore
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// One stateful service under backup: a long-lived HTTP/2 connection to it, signed as
/// backup-service, through which its replication API and its health are reached.
public final class ProtectedService: Sendable {
  public static let principal = Principal(subject: "backup-service", role: .service)

  public let name: String
  public let address: ServiceAddress
  public let priority: Int
  public let source: ReplicationClientSource<HTTP2ClientTransport.Posix>
  let replication: Loyalty_Replication_V1_Replication.Client<HTTP2ClientTransport.Posix>
  let health: Grpc_Health_V1_Health.Client<HTTP2ClientTransport.Posix>
  private let client: GRPCClient<HTTP2ClientTransport.Posix>

  public init(_ configured: ProtectedServiceAddress, identity: InternalIdentity) throws {
    name = configured.name
    address = configured.address
    priority = configured.priority
    let transport = try HTTP2ClientTransport.Posix(
      target: configured.address.resolvableTarget, transportSecurity: .plaintext,
      config: .defaults {
        $0.backoff.initial = .milliseconds(50)
        $0.backoff.max = .seconds(1)
        // Snapshots of large databases stream for a while; restores carry many chunks.
        $0.http2.maxFrameSize = 1 << 20
      })
    client = GRPCClient(
      transport: transport, interceptors: [IdentitySigningInterceptor(identity: identity, principal: Self.principal)])
    replication = Loyalty_Replication_V1_Replication.Client(wrapping: client)
    health = Grpc_Health_V1_Health.Client(wrapping: client)
    source = ReplicationClientSource(service: configured.name, client: replication)
  }

  /// Keeps the connection until `shutDown`.
  func run() async throws {
    try await client.runConnections()
  }

  func shutDown() {
    client.beginGracefulShutdown()
  }

  /// Whether the service answers SERVING for the whole process.
  func isServing() async -> Bool {
    var options = CallOptions.defaults
    options.timeout = .seconds(2)
    let response = try? await health.check(.with { $0.service = "" }, options: options)
    return response?.status == .serving
  }

  /// Waits until the service answers SERVING; false when `timeout` passes first.
  func waitUntilServing(timeout: Duration) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      if await isServing() { return true }
      try? await Task.sleep(for: .milliseconds(100))
    }
    return await isServing()
  }
}
