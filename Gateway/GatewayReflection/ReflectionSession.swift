import Foundation
import GRPCCore
import LoyaltyAPI
import SwiftProtobuf

/// Answers the requests of one reflection stream, in the `grpc.reflection.v1` messages (the
/// v1alpha messages are field-for-field the same and are converted on the way in and out).
///
/// Like grpc-go and grpc-java, a file answer holds the file itself first, then its transitive
/// imports breadth first; an import already sent on this stream is not sent again.
struct ReflectionSession {
  let index: DescriptorIndex
  /// The names `list_services` answers with.
  let serviceNames: [String]
  private var sentFiles: Set<String> = []

  init(index: DescriptorIndex, serviceNames: [String]) {
    self.index = index
    self.serviceNames = serviceNames
  }

  mutating func respond(to request: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse {
    var response = Grpc_Reflection_V1_ServerReflectionResponse()
    response.validHost = request.host
    response.originalRequest = request
    response.messageResponse = answer(request)
    return response
  }

  private mutating func answer(_ request: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse {
    switch request.messageRequest {
    case .listServices:
      return .listServicesResponse(.with { $0.service = serviceNames.map { name in .with { $0.name = name } } })

    case .fileByFilename(let name):
      guard index.file(named: name) != nil else {
        return error(.notFound, "file '\(name)' is not known to this server")
      }
      return files(startingWith: name)

    case .fileContainingSymbol(let symbol):
      guard let name = index.fileName(declaring: symbol) else {
        return error(.notFound, "symbol '\(symbol)' is not known to this server")
      }
      return files(startingWith: name)

    case .fileContainingExtension(let request):
      guard let name = index.fileName(extending: request.containingType, number: request.extensionNumber) else {
        return error(.notFound, "no extension number \(request.extensionNumber) of type '\(request.containingType)' is known to this server")
      }
      return files(startingWith: name)

    case .allExtensionNumbersOfType(let type):
      guard let numbers = index.extensionNumbers(of: type) else {
        return error(.notFound, "message type '\(type)' is not known to this server")
      }
      return .allExtensionNumbersResponse(.with {
        $0.baseTypeName = type
        $0.extensionNumber = numbers
      })

    case nil:
      // A kind of request from a newer reflection.proto arrives as an unknown field.
      if !request.unknownFields.data.isEmpty {
        return error(.unimplemented, "this server does not implement the requested kind of reflection request")
      }
      return error(.invalidArgument, "the request sets none of the message_request fields")
    }
  }

  /// `name` (always sent), then the files it imports transitively that this stream has not
  /// sent yet.
  private mutating func files(startingWith name: String) -> Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse {
    var serialized: [Data] = []
    var queue = [name]
    var included: Set<String> = []
    var next = 0
    while next < queue.count {
      let current = queue[next]
      next += 1
      guard let file = index.file(named: current), !included.contains(current) else { continue }
      if current == name || !sentFiles.contains(current) {
        serialized.append(file.serialized)
        sentFiles.insert(current)
      }
      included.insert(current)
      queue.append(contentsOf: file.dependencies)
    }
    return .fileDescriptorResponse(.with { $0.fileDescriptorProto = serialized })
  }

  private func error(_ code: RPCError.Code, _ message: String) -> Grpc_Reflection_V1_ServerReflectionResponse.OneOf_MessageResponse {
    .errorResponse(.with {
      $0.errorCode = Int32(code.rawValue)
      $0.errorMessage = message
    })
  }
}
