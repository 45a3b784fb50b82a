import ArgumentParser
import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf

/// A probe for compose healthchecks and people: exit 0 only when SERVING.
struct HealthCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "health",
    abstract: "Checks grpc.health.v1 of a service. Exit 0: SERVING; 1: not serving or unknown service; 2: unreachable."
  )

  @Option(help: "The service address, host:port.")
  var target: String

  @Option(help: "The gRPC service to check; empty for the whole process.")
  var service: String = ""

  @Option(help: "Seconds to wait for an answer.")
  var timeout: Double = 3

  func validate() throws {
    guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
  }

  func run() async throws {
    let address: ServiceAddress
    do {
      address = try ServiceAddress(parsing: target)
    } catch {
      throw ValidationError(error.description)
    }
    var options = CallOptions.defaults
    options.timeout = .milliseconds(Int64(timeout * 1000))
    let label = service.isEmpty ? "\(address)" : "\(address) \(service)"
    let status: Grpc_Health_V1_HealthCheckResponse.ServingStatus
    do {
      status = try await withServiceClient(address, identity: nil, principal: .anonymous) { client in
        try await Grpc_Health_V1_Health.Client(wrapping: client)
          .check(.with { $0.service = service }, options: options).status
      }
    } catch let error as RPCError where error.code == .notFound {
      print("\(label): SERVICE_UNKNOWN")
      throw ExitCode(1)
    } catch let error as RPCError {
      print("\(label): UNREACHABLE (\(error.code): \(error.message))")
      throw ExitCode(2)
    }
    switch status {
    case .serving:
      print("\(label): SERVING")
    default:
      print("\(label): \(status)")
      throw ExitCode(1)
    }
  }
}
