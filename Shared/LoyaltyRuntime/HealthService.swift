import GRPCCore
import LoyaltyAPI
import SwiftProtobuf

/// The standard `grpc.health.v1.Health` service, answering from a `HealthRegistry`.
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
  private let registry: HealthRegistry

  public init(registry: HealthRegistry) {
    self.registry = registry
  }

  public func check(
    request: Grpc_Health_V1_HealthCheckRequest,
    context: ServerContext
  ) async throws -> Grpc_Health_V1_HealthCheckResponse {
    guard let status = registry.status(of: request.service) else {
      throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
    }
    return .with { $0.status = Self.wireStatus(status) }
  }

  public func watch(
    request: Grpc_Health_V1_HealthCheckRequest,
    response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
    context: ServerContext
  ) async throws {
    let updates = registry.watch(request.service)
    try await untilRPCCancelled {
      for await status in updates {
        try await response.write(.with { $0.status = status.map(Self.wireStatus) ?? .serviceUnknown })
      }
    }
  }

  static func wireStatus(_ status: HealthRegistry.Status) -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
    switch status {
    case .serving: .serving
    case .notServing: .notServing
    }
  }
}
