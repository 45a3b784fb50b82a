import GRPCCore
import GRPCNIOTransportHTTP2
import GraphModel
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// How the pipeline reaches graph-service: which nodes exist, and one atomic batch write.
public protocol GraphWriting: Sendable {
  /// The ids among `ids` that name nodes in the graph.
  func existingNodes(_ ids: Set<String>) async throws(StageFailure) -> Set<String>
  /// Writes the batch in one transaction; returns the journal sequence of its last change.
  func upsert(_ batch: GraphBatch) async throws(StageFailure) -> Loyalty_Graph_V1_UpsertBatchResponse
}

/// Why a stage did not complete: worth another try later, or not.
public enum StageFailure: Error, Equatable, CustomStringConvertible {
  /// The dependency is down or busy; the stage is retried with backoff.
  case transient(String)
  /// The input cannot succeed as it is; the run fails with this reason.
  case permanent(String)

  public var description: String {
    switch self {
    case .transient(let reason), .permanent(let reason): reason
    }
  }

  /// Classifies a failed call to another service by its status.
  init(calling service: String, _ error: any Error) {
    guard let rpc = error as? RPCError else {
      self = .transient("\(service) could not be reached: \(error)")
      return
    }
    switch rpc.code {
    case .unavailable, .deadlineExceeded, .resourceExhausted, .aborted, .unknown, .cancelled, .internalError:
      self = .transient("\(service) is unavailable (\(rpc.code)): \(rpc.message)")
    default:
      self = .permanent("\(service) refused the batch (\(rpc.code)): \(rpc.message)")
    }
  }
}

/// graph-service over one long-lived HTTP/2 connection, every call signed as
/// ingestion-service (graph accepts batches from internal principals).
public final class GraphServiceLoader: GraphWriting {
  private let client: GRPCClient<HTTP2ClientTransport.Posix>
  private let graph: Loyalty_Graph_V1_GraphService.Client<HTTP2ClientTransport.Posix>

  public init(target: ServiceAddress, identity: InternalIdentity) throws {
    client = try makeSignedServiceClient(
      target, identity: identity, principal: Principal(subject: "ingestion-service", role: .service), maxBackoff: .seconds(1))
    graph = Loyalty_Graph_V1_GraphService.Client(wrapping: client)
  }

  /// Keeps the connection until `shutDown`.
  public func run() async throws {
    try await client.runConnections()
  }

  public func shutDown() {
    client.beginGracefulShutdown()
  }

  public func existingNodes(_ ids: Set<String>) async throws(StageFailure) -> Set<String> {
    var options = CallOptions.defaults
    options.timeout = .seconds(10)
    var found: Set<String> = []
    let sorted = ids.sorted()
    do {
      for start in stride(from: 0, to: sorted.count, by: 1_000) {
        let chunk = Array(sorted[start..<min(start + 1_000, sorted.count)])
        let response = try await graph.getNodes(.with { $0.ids = chunk }, options: options)
        found.formUnion(response.nodes.map(\.id))
      }
    } catch {
      throw StageFailure(calling: "graph-service", error)
    }
    return found
  }

  public func upsert(_ batch: GraphBatch) async throws(StageFailure) -> Loyalty_Graph_V1_UpsertBatchResponse {
    var options = CallOptions.defaults
    options.timeout = .seconds(30)
    do {
      return try await graph.upsertBatch(
        .with {
          $0.nodes = batch.nodes.map(\.message)
          $0.edges = batch.edges.map(\.message)
        }, options: options)
    } catch {
      throw StageFailure(calling: "graph-service", error)
    }
  }
}
