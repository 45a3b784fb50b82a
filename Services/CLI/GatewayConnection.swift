import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import LoyaltyRuntime

/// How the CLI reaches the gateway's gRPC port and which API key it presents (in
/// `x-api-key`). Unlike `ConnectionOptions`, nothing here is signed with the internal
/// secret: the gateway decides who the caller is from the key alone.
struct GatewayConnection: ParsableArguments {
  static let defaultTarget = "127.0.0.1:8080"
  static let defaultKeyFile = "data/admin-api-key"

  @Option(help: "The gateway's gRPC address, host:port (LOYALTY_GATEWAY_TARGET; default 127.0.0.1:8080).")
  var gateway: String?

  @Option(help: "The API key to present (LOYALTY_API_KEY). Prefer --api-key-file: a command line is visible to other users.")
  var apiKey: String?

  @Option(help: "File holding the API key (LOYALTY_API_KEY_FILE; default ./data/admin-api-key, written by 'loyalty suite up').")
  var apiKeyFile: String?

  @Option(help: "Seconds to wait for an answer.")
  var timeout: Double = 10

  @Flag(help: "Print JSON instead of tables.")
  var json = false

  func validate() throws {
    guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
    if apiKey != nil, apiKeyFile != nil { throw ValidationError("pass --api-key or --api-key-file, not both") }
  }

  func address(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServiceAddress {
    let text = gateway ?? environment["LOYALTY_GATEWAY_TARGET"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultTarget
    do {
      return try ServiceAddress(parsing: text, key: "--gateway")
    } catch {
      throw ValidationError(error.description)
    }
  }

  /// The key, from (in this order) `--api-key`, `--api-key-file`, `LOYALTY_API_KEY`,
  /// `LOYALTY_API_KEY_FILE`, or `./data/admin-api-key` when it exists.
  func key(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
    func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
    if let apiKey { return try Self.checked(apiKey, source: "--api-key") }
    if let apiKeyFile { return try Self.read(file: apiKeyFile, source: "--api-key-file") }
    if let inline = nonEmpty(environment["LOYALTY_API_KEY"]) { return try Self.checked(inline, source: "LOYALTY_API_KEY") }
    if let file = nonEmpty(environment["LOYALTY_API_KEY_FILE"]) { return try Self.read(file: file, source: "LOYALTY_API_KEY_FILE") }
    if FileManager.default.fileExists(atPath: Self.defaultKeyFile) {
      return try Self.read(file: Self.defaultKeyFile, source: "the default key file")
    }
    throw ValidationError(
      "no API key: pass --api-key-file FILE (or set LOYALTY_API_KEY_FILE or LOYALTY_API_KEY); "
        + "'loyalty suite up' saves an admin key in <data>/admin-api-key")
  }

  private static func read(file: String, source: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: file) else {
      throw ValidationError("\(source): cannot read the API key file \(file)")
    }
    return try checked(String(decoding: data, as: UTF8.self), source: "\(source) \(file)")
  }

  private static func checked(_ text: String, source: String) throws -> String {
    let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !key.isEmpty else { throw ValidationError("\(source): the API key is empty") }
    guard !key.contains(where: { $0.isNewline || $0 == " " || !$0.isASCII }) else {
      throw ValidationError("\(source): an API key is one line of ASCII without spaces")
    }
    return key
  }

  var callOptions: CallOptions {
    var options = CallOptions.defaults
    options.timeout = .milliseconds(Int64(timeout * 1000))
    return options
  }

  /// Runs `body` with the gateway's admin client, like `withGateway`.
  func withAdmin<Result: Sendable>(
    _ body: (Loyalty_Gateway_V1_GatewayAdmin.Client<HTTP2ClientTransport.Posix>, Metadata, CallOptions) async throws -> Result
  ) async throws -> Result {
    try await withGateway { client, metadata, options in
      try await body(Loyalty_Gateway_V1_GatewayAdmin.Client(wrapping: client), metadata, options)
    }
  }

  /// Runs `body` with a client of the gateway and the metadata carrying the key; a gRPC
  /// failure becomes `error: <code>: <message>` on standard error and exit code 1.
  func withGateway<Result: Sendable>(
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>, Metadata, CallOptions) async throws -> Result
  ) async throws -> Result {
    let address = try address()
    var metadata = Metadata()
    metadata.addString(try key(), forKey: "x-api-key")
    let options = callOptions
    do {
      return try await withServiceClient(address, identity: nil, principal: .anonymous) { client in
        try await body(client, metadata, options)
      }
    } catch let error as RPCError {
      printError("\(error.code): \(error.message)\(Self.hint(for: error.code, address: address))")
      throw ExitCode.failure
    }
  }

  private static func hint(for code: RPCError.Code, address: ServiceAddress) -> String {
    switch code {
    case .unavailable, .deadlineExceeded: " (is the gateway running at \(address)? set --gateway or LOYALTY_GATEWAY_TARGET)"
    default: ""
    }
  }
}
