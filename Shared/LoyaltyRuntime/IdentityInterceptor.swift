import GRPCCore

/// Verifies the signed caller identity of every call and makes it available as
/// `Principal.current` to handlers, including the producers of streaming responses.
/// Calls without a valid identity end with UNAUTHENTICATED before reaching a handler.
public struct IdentityInterceptor: ServerInterceptor {
  private let identity: InternalIdentity
  /// Fully qualified gRPC service names callable without an identity (health probes).
  private let publicServices: Set<String>

  public init(identity: InternalIdentity, publicServices: Set<String> = ["grpc.health.v1.Health"]) {
    self.identity = identity
    self.publicServices = publicServices
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    if publicServices.contains(context.descriptor.service.fullyQualifiedService) {
      return try await next(request, context)
    }
    switch identity.verify(request.metadata) {
    case .failure(let failure):
      return StreamingServerResponse(error: RPCError(code: .unauthenticated, message: failure.description))
    case .success(let principal):
      var response = try await Principal.$current.withValue(principal) {
        try await next(request, context)
      }
      response.accepted = response.accepted.map { contents in
        var contents = contents
        let producer = contents.producer
        contents.producer = { writer in
          try await Principal.$current.withValue(principal) { try await producer(writer) }
        }
        return contents
      }
      return response
    }
  }
}

/// Signs every outgoing call with a fixed principal: used by the CLI, by tests and by
/// services calling each other.
public struct IdentitySigningInterceptor: ClientInterceptor {
  private let identity: InternalIdentity
  private let principal: Principal

  public init(identity: InternalIdentity, principal: Principal) {
    self.identity = identity
    self.principal = principal
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingClientRequest<Input>,
    context: ClientContext,
    next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
  ) async throws -> StreamingClientResponse<Output> {
    var request = request
    identity.sign(&request.metadata, as: principal)
    return try await next(request, context)
  }
}
