import GRPCCore
import LoyaltyAPI
import SwiftProtobuf

/// gRPC server reflection (`grpc.reflection.v1.ServerReflection` and the older
/// `grpc.reflection.v1alpha.ServerReflection`, which grpcurl and many clients still try first)
/// over a serialized `google.protobuf.FileDescriptorSet`.
///
/// Registering it serves both versions with the same answers. `list_services` answers with the
/// advertised services and the two reflection services; the file, symbol and extension
/// lookups answer from the whole descriptor set. A lookup that finds nothing is an
/// `error_response` with NOT_FOUND on the still-open stream, as the protocol expects.
///
/// ```swift
/// let reflection = try ServerReflectionService(
///   descriptorSet: LoyaltyDescriptorSet.serialized,
///   advertisedServices: ["loyalty.profile.v1.ProfileService"]
/// )
/// let server = GRPCServer(transport: transport, services: [reflection, ...])
/// ```
public struct ServerReflectionService: RegistrableRPCService {
  /// The fully qualified names of the reflection services this type serves.
  public static let reflectionServiceNames = [
    Grpc_Reflection_V1_ServerReflection.descriptor.fullyQualifiedService,
    Grpc_Reflection_V1alpha_ServerReflection.descriptor.fullyQualifiedService,
  ]

  /// What `list_services` answers with, sorted: the advertised services and the reflection
  /// services.
  public let listedServices: [String]
  private let index: DescriptorIndex

  /// - Parameters:
  ///   - descriptorSet: a serialized `google.protobuf.FileDescriptorSet` holding every file
  ///     clients may ask about and everything those files import (`protoc --include_imports`),
  ///     such as `LoyaltyDescriptorSet.serialized`. Include the grpc/reflection protos so
  ///     clients can describe the reflection services too.
  ///   - advertisedServices: the fully qualified names of the services `list_services`
  ///     reports besides the reflection services; each must be declared in `descriptorSet`.
  /// - Throws: ``ServerReflectionError`` when the set is malformed or incomplete, or an
  ///   advertised service is not in it.
  public init(descriptorSet: [UInt8], advertisedServices: [String]) throws {
    let index = try DescriptorIndex(descriptorSet: descriptorSet)
    if let unknown = advertisedServices.first(where: { !index.declaresService($0) }) {
      throw ServerReflectionError.unknownService(name: unknown)
    }
    self.index = index
    self.listedServices = Set(advertisedServices + Self.reflectionServiceNames).sorted()
  }

  public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    V1(service: self).registerMethods(with: &router)
    V1Alpha(service: self).registerMethods(with: &router)
  }

  /// Answers one stream's requests in order, each with exactly one response.
  fileprivate func serve<Request: Sendable, Response: Sendable>(
    _ requests: RPCAsyncSequence<Request, any Error>,
    into responses: RPCWriter<Response>,
    respond: (inout ReflectionSession, Request) throws -> Response
  ) async throws {
    var session = ReflectionSession(index: index, serviceNames: listedServices)
    for try await request in requests {
      try await responses.write(try respond(&session, request))
    }
  }
}

extension ServerReflectionService {
  fileprivate struct V1: Grpc_Reflection_V1_ServerReflection.SimpleServiceProtocol {
    let service: ServerReflectionService

    func serverReflectionInfo(
      request: RPCAsyncSequence<Grpc_Reflection_V1_ServerReflectionRequest, any Error>,
      response: RPCWriter<Grpc_Reflection_V1_ServerReflectionResponse>,
      context: ServerContext
    ) async throws {
      try await service.serve(request, into: response) { session, request in
        session.respond(to: request)
      }
    }
  }

  /// v1alpha's messages have the same fields and numbers as v1's, so they are converted
  /// through their serialized form.
  fileprivate struct V1Alpha: Grpc_Reflection_V1alpha_ServerReflection.SimpleServiceProtocol {
    let service: ServerReflectionService

    func serverReflectionInfo(
      request: RPCAsyncSequence<Grpc_Reflection_V1alpha_ServerReflectionRequest, any Error>,
      response: RPCWriter<Grpc_Reflection_V1alpha_ServerReflectionResponse>,
      context: ServerContext
    ) async throws {
      try await service.serve(request, into: response) { session, request in
        do {
          let answer = session.respond(to: try Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: try request.serializedBytes() as [UInt8]))
          return try Grpc_Reflection_V1alpha_ServerReflectionResponse(serializedBytes: try answer.serializedBytes() as [UInt8])
        } catch {
          // Unreachable for messages that decoded in the first place.
          throw RPCError(code: .internalError, message: "cannot convert between v1alpha and v1 reflection messages: \(error)")
        }
      }
    }
  }
}
