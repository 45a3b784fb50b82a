import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI

/// A bare grpc-swift server with no interceptors, storage or logging: the ceiling the
/// services are measured against in benchmarks.
@main
struct EchoServerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "echo-server")

  @Option(help: "Port to listen on; 0 picks a free one.")
  var port: Int = 0

  func run() async throws {
    let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext)
    let server = GRPCServer(transport: transport, services: [EchoService()])
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await server.serve() }
      let address = try await transport.listeningAddress
      // Unbuffered, so a script reading the port from a pipe or file sees it at once.
      FileHandle.standardOutput.write(Data("listening on \(address.ipv4?.port ?? port)\n".utf8))
    }
  }
}

struct EchoService: Loyalty_Bench_V1_Echo.SimpleServiceProtocol {
  func echo(request: Loyalty_Bench_V1_EchoRequest, context: ServerContext) async throws -> Loyalty_Bench_V1_EchoResponse {
    var response = Loyalty_Bench_V1_EchoResponse()
    response.payload = request.payload
    return response
  }
}
