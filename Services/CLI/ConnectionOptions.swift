import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyRuntime

/// How the CLI reaches a service and whom it acts as.
struct ConnectionOptions: ParsableArguments {
  @Option(help: "The service address, host:port (default: LOYALTY_PROFILE_TARGET or LOYALTY_BACKUP_TARGET by command, else the service's standard port).")
  var target: String?

  @Option(name: .customLong("as"), help: "Act as 'admin' or 'traveler:USER_ID' (LOYALTY_AS).")
  var actingAs: String?

  @Option(help: "File with the suite's internal secret (LOYALTY_INTERNAL_SECRET_FILE; default ./data/internal-secret).")
  var internalSecretFile: String?

  @Option(help: "Seconds to wait for an answer (default 10; backup snapshots, restores, drills, verification and recovery: 3600).")
  var timeout: Double?

  @Flag(help: "Print JSON instead of tables.")
  var json = false

  func validate() throws {
    if let timeout, !(timeout > 0 && timeout <= 3600) {
      throw ValidationError("--timeout must be between 0 and 3600 seconds")
    }
  }

  func address(defaultTarget: String, environmentKey: String) throws -> ServiceAddress {
    let text = target ?? ProcessInfo.processInfo.environment[environmentKey] ?? defaultTarget
    do {
      return try ServiceAddress(parsing: text)
    } catch {
      throw ValidationError(error.description)
    }
  }

  func principal() throws -> Principal {
    let text = actingAs ?? ProcessInfo.processInfo.environment["LOYALTY_AS"] ?? "admin"
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    guard let roleName = parts.first, let role = Role(rawValue: roleName) else {
      throw ValidationError("--as '\(text)': use admin, curator:USER_ID or traveler:USER_ID")
    }
    let subject = parts.count > 1 ? parts[1] : (role == .admin ? "cli-admin" : "")
    guard !subject.isEmpty else {
      throw ValidationError("--as '\(text)': a \(role.rawValue) needs a user id, e.g. \(role.rawValue):alice")
    }
    return Principal(subject: subject, role: role)
  }

  func identity() throws -> InternalIdentity {
    let environment = ProcessInfo.processInfo.environment
    let file = internalSecretFile ?? environment["LOYALTY_INTERNAL_SECRET_FILE"]
    do {
      if file == nil, let inline = environment["LOYALTY_INTERNAL_SECRET"], !inline.isEmpty {
        return try InternalIdentity(secret: RuntimeConfig.loadSecret(file: nil, inline: inline))
      }
      return try InternalIdentity(secret: RuntimeConfig.loadSecret(file: file ?? "data/internal-secret", inline: nil))
    } catch {
      throw ValidationError("\(error.description) (start the suite with 'loyalty suite up', or pass --internal-secret-file)")
    }
  }

  static let defaultTimeoutSeconds: Double = 10

  var callOptions: CallOptions { callOptions(defaultTimeoutSeconds: Self.defaultTimeoutSeconds) }

  /// Call options waiting `--timeout` seconds when given, else `defaultTimeoutSeconds`.
  func callOptions(defaultTimeoutSeconds: Double) -> CallOptions {
    var options = CallOptions.defaults
    options.timeout = .milliseconds(Int64((timeout ?? defaultTimeoutSeconds) * 1000))
    return options
  }

  /// Runs `body` against the service, turning gRPC failures into a one-line message and
  /// exit code 1.
  func withClient<Result: Sendable>(
    defaultTarget: String,
    environmentKey: String,
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    let address = try address(defaultTarget: defaultTarget, environmentKey: environmentKey)
    let identity = try identity()
    let principal = try principal()
    do {
      return try await withServiceClient(address, identity: identity, principal: principal, body)
    } catch let error as RPCError {
      printError("\(error.code): \(error.message)")
      throw ExitCode.failure
    }
  }
}

func printError(_ message: String) {
  FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}
