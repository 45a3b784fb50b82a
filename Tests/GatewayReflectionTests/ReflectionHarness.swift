import Foundation
import GRPCCore
import GRPCInProcessTransport
import GatewayReflection
import LoyaltyAPI
import SwiftProtobuf

typealias ReflectionRequest = Grpc_Reflection_V1_ServerReflectionRequest
typealias ReflectionResponse = Grpc_Reflection_V1_ServerReflectionResponse
typealias AlphaRequest = Grpc_Reflection_V1alpha_ServerReflectionRequest
typealias AlphaResponse = Grpc_Reflection_V1alpha_ServerReflectionResponse

/// Calls a real `ServerReflectionService` over the in-process transport.
struct ReflectionHarness {
  let v1: Grpc_Reflection_V1_ServerReflection.Client<InProcessTransport.Client>
  let v1alpha: Grpc_Reflection_V1alpha_ServerReflection.Client<InProcessTransport.Client>

  /// Sends `requests` on one v1 stream and returns its responses in order.
  func exchange(_ requests: [ReflectionRequest]) async throws -> [ReflectionResponse] {
    try await v1.serverReflectionInfo(
      requestProducer: { writer in try await writer.write(contentsOf: requests) },
      onResponse: { response in try await response.messages.reduce(into: []) { $0.append($1) } }
    )
  }

  /// Sends `requests` on one v1alpha stream and returns its responses in order.
  func exchange(_ requests: [AlphaRequest]) async throws -> [AlphaResponse] {
    try await v1alpha.serverReflectionInfo(
      requestProducer: { writer in try await writer.write(contentsOf: requests) },
      onResponse: { response in try await response.messages.reduce(into: []) { $0.append($1) } }
    )
  }

  func exchange(_ request: ReflectionRequest) async throws -> ReflectionResponse {
    let responses = try await exchange([request])
    guard responses.count == 1 else { throw HarnessError(message: "expected one response, got \(responses.count)") }
    return responses[0]
  }
}

struct HarnessError: Error {
  let message: String
}

let profileService = "loyalty.profile.v1.ProfileService"
let healthService = "grpc.health.v1.Health"

func withReflectionServer(
  descriptorSet: [UInt8] = LoyaltyDescriptorSet.serialized,
  advertising services: [String] = [profileService, healthService],
  _ body: (ReflectionHarness) async throws -> Void
) async throws {
  let transport = InProcessTransport()
  let reflection = try ServerReflectionService(descriptorSet: descriptorSet, advertisedServices: services)
  let server = GRPCServer(transport: transport.server, services: [reflection])
  try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await server.serve() }
    try await withGRPCClient(transport: transport.client) { client in
      try await body(ReflectionHarness(
        v1: Grpc_Reflection_V1_ServerReflection.Client(wrapping: client),
        v1alpha: Grpc_Reflection_V1alpha_ServerReflection.Client(wrapping: client)
      ))
    }
    server.beginGracefulShutdown()
  }
}

extension ReflectionRequest {
  static func symbol(_ name: String) -> Self { .with { $0.fileContainingSymbol = name } }
  static func file(_ name: String) -> Self { .with { $0.fileByFilename = name } }
}

extension ReflectionResponse {
  /// The files of a `file_descriptor_response`, decoded, in the order sent.
  func files() throws -> [Google_Protobuf_FileDescriptorProto] {
    guard case .fileDescriptorResponse(let response)? = messageResponse else {
      throw HarnessError(message: "not a file_descriptor_response: \(self)")
    }
    return try response.fileDescriptorProto.map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0) }
  }

  func fileNames() throws -> [String] {
    try files().map(\.name)
  }

  /// The code and message of an `error_response`, or nil for any other answer.
  var error: (code: Status.Code?, message: String)? {
    guard case .errorResponse(let error)? = messageResponse else { return nil }
    return (Status.Code(rawValue: Int(error.errorCode)), error.errorMessage)
  }
}

/// A small hand-built descriptor set with what the suite's protos lack: nested messages,
/// proto2 extensions declared at file and message scope, and an import chain.
///
///     test/catalog.proto  package test.catalog: message Base { extensions 100 to 199; message Inner {} }
///     test/extras.proto   imports catalog.proto: extend Base { string nickname = 100; }
///                         message Extras { extend Base { int32 rank = 101; } }
func catalogDescriptorSet() throws -> [UInt8] {
  let catalog = Google_Protobuf_FileDescriptorProto.with {
    $0.name = "test/catalog.proto"
    $0.package = "test.catalog"
    $0.syntax = "proto2"
    $0.messageType = [.with {
      $0.name = "Base"
      $0.extensionRange = [.with { $0.start = 100; $0.end = 200 }]
      $0.nestedType = [.with {
        $0.name = "Inner"
        $0.field = [.with { $0.name = "label"; $0.number = 1; $0.label = .optional; $0.type = .string }]
      }]
    }]
  }
  let extras = Google_Protobuf_FileDescriptorProto.with {
    $0.name = "test/extras.proto"
    $0.package = "test.catalog"
    $0.syntax = "proto2"
    $0.dependency = ["test/catalog.proto"]
    $0.extension = [.with {
      $0.name = "nickname"; $0.number = 100; $0.label = .optional; $0.type = .string; $0.extendee = ".test.catalog.Base"
    }]
    $0.messageType = [.with {
      $0.name = "Extras"
      $0.extension = [.with {
        $0.name = "rank"; $0.number = 101; $0.label = .optional; $0.type = .int32; $0.extendee = ".test.catalog.Base"
      }]
    }]
  }
  return try Google_Protobuf_FileDescriptorSet.with { $0.file = [catalog, extras] }.serializedBytes()
}
