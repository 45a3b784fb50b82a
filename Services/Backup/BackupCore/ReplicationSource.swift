import GRPCCore
import LoyaltyAPI
import SwiftProtobuf

/// One stateful service's replication API, as the backup service sees it: the service's
/// logical name and its Snapshot and StreamChanges streams. Each call hands its response
/// stream to `body` and ends when `body` returns.
public protocol ReplicationSource: Sendable {
  /// The logical service name, e.g. "profile"; it names the service's backups.
  var service: String { get }

  /// Streams the journal records with a sequence greater than `afterSeq`; with `follow` the
  /// stream stays open and delivers new records as they commit.
  func streamChanges<Result: Sendable>(
    afterSeq: Int64, follow: Bool,
    _ body: @Sendable @escaping (RPCAsyncSequence<Loyalty_Replication_V1_ChangeRecord, any Error>) async throws -> Result
  ) async throws -> Result

  /// Streams a consistent copy of the service's database: header, data chunks, trailer.
  func snapshot<Result: Sendable>(
    _ body: @Sendable @escaping (RPCAsyncSequence<Loyalty_Replication_V1_SnapshotChunk, any Error>) async throws -> Result
  ) async throws -> Result
}

/// A service's replication API reached through a gRPC client. The client carries the backup
/// service's internal identity (an `IdentitySigningInterceptor` installed by its creator).
public struct ReplicationClientSource<Transport: ClientTransport>: ReplicationSource {
  public let service: String
  public let client: Loyalty_Replication_V1_Replication.Client<Transport>

  public init(service: String, client: Loyalty_Replication_V1_Replication.Client<Transport>) {
    self.service = service
    self.client = client
  }

  public func streamChanges<Result: Sendable>(
    afterSeq: Int64, follow: Bool,
    _ body: @Sendable @escaping (RPCAsyncSequence<Loyalty_Replication_V1_ChangeRecord, any Error>) async throws -> Result
  ) async throws -> Result {
    try await client.streamChanges(.with { $0.afterSeq = afterSeq; $0.follow = follow }) { response in
      try await body(response.messages)
    }
  }

  public func snapshot<Result: Sendable>(
    _ body: @Sendable @escaping (RPCAsyncSequence<Loyalty_Replication_V1_SnapshotChunk, any Error>) async throws -> Result
  ) async throws -> Result {
    try await client.snapshot(Loyalty_Replication_V1_SnapshotRequest()) { response in
      try await body(response.messages)
    }
  }
}
