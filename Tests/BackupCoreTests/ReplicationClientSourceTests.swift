import BackupCore
import BackupStorage
import Foundation
import GRPCCore
import GRPCInProcessTransport
import LoyaltyAPI
import LoyaltyRuntime
import Testing

/// The shipper and the snapshot taker over the real replication API: a gRPC server with the
/// identity interceptor, and a client signing every call as the backup service.
@Suite struct ReplicationClientSourceTests {
  static let secret = Array("backup-core-tests-internal-secret-0123456789".utf8)

  /// Serves the fixture database's replication API, with the identity interceptor, to a
  /// client built with `interceptors` for `body`.
  static func withReplicationServer(
    _ fixture: ShippingFixture, interceptors: [any ClientInterceptor],
    _ body: (Loyalty_Replication_V1_Replication.Client<InProcessTransport.Client>) async throws -> Void
  ) async throws {
    let transport = InProcessTransport()
    let server = GRPCServer(
      transport: transport.server,
      services: [
        ReplicationService(
          serviceName: "items", database: fixture.database,
          scratchDirectory: fixture.directory.appendingPathComponent("server-scratch"), logger: testLogger)
      ],
      interceptors: [IdentityInterceptor(identity: try InternalIdentity(secret: secret))])
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      try await withGRPCClient(transport: transport.client, interceptors: interceptors) { client in
        try await body(Loyalty_Replication_V1_Replication.Client(wrapping: client))
      }
      server.beginGracefulShutdown()
    }
  }

  @Test func shipsAndSnapshotsThroughSignedGRPCCalls() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      let identity = try InternalIdentity(secret: Self.secret)
      try await fixture.write(1...20)
      let signing = IdentitySigningInterceptor(identity: identity, principal: Principal(subject: "backup", role: .service))
      try await Self.withReplicationServer(fixture, interceptors: [signing]) { client in
        let source = ReplicationClientSource(service: "items", client: client)
        let snapshot = try await SnapshotTaker(archive: fixture.archive, catalog: fixture.catalog, logger: testLogger)
          .take(from: source, kind: .manual)
        #expect(snapshot.lastSeq == 20)

        let shipper = LogShipper(
          source: source, archive: fixture.archive, catalog: fixture.catalog,
          configuration: .init(flushInterval: .milliseconds(200)), logger: testLogger)
        let running = Task { try await shipper.run() }
        let head = try await fixture.write(21...45)
        #expect(try await eventually { try await fixture.catalog.lastShippedSeq(service: "items") == head })
        running.cancel()
        try await running.value

        let restored = try await OfflineRestore(archive: fixture.archive, logger: testLogger)
          .restore(service: "items", to: .latest, from: fixture.catalog, into: directory.appendingPathComponent("restored.sqlite"))
        #expect(restored.restoredSeq == head)
        let live = try await fixture.database.read { db in try items(in: db) }
        #expect(try items(ofFile: restored.file) == live)
      }
      await fixture.database.close()
    }
  }

  @Test func anUnsignedClientIsRefused() async throws {
    try await withTemporaryDirectory { directory in
      let fixture = try ShippingFixture(directory: directory)
      try await Self.withReplicationServer(fixture, interceptors: []) { client in
        let source = ReplicationClientSource(service: "items", client: client)
        await #expect(throws: RPCError.self) {
          _ = try await SnapshotTaker(archive: fixture.archive, catalog: fixture.catalog, logger: testLogger).take(from: source, kind: .manual)
        }
      }
      #expect(try await fixture.catalog.snapshots(service: "items").isEmpty)
      await fixture.database.close()
    }
  }
}
