import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// A `host:port` address of a gRPC server, as given on command lines and in configuration.
public struct ServiceAddress: Sendable, Hashable, CustomStringConvertible {
  public var host: String
  public var port: Int

  public init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  public init(parsing text: String, key: String = "target") throws(ConfigError) {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
      (1...65535).contains(port), colon != text.startIndex
    else {
      throw ConfigError(key: key, message: "'\(text)' is not of the form host:port")
    }
    self.host = String(text[..<colon]).trimmingCharacters(in: ["[", "]"])
    self.port = port
  }

  public var description: String { "\(host):\(port)" }

  public var resolvableTarget: any ResolvableTarget {
    if host.split(separator: ".").count == 4, host.split(separator: ".").allSatisfy({ UInt8($0) != nil }) {
      return .ipv4(address: host, port: port)
    }
    if host.contains(":") {
      return .ipv6(address: host, port: port)
    }
    return .dns(host: host, port: port)
  }
}

/// Runs `body` with a plaintext HTTP/2 client to `address`, signing every call as
/// `principal` when an identity is given, and closes the connection afterwards.
public func withServiceClient<Result: Sendable>(
  _ address: ServiceAddress,
  identity: InternalIdentity?,
  principal: Principal,
  _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
  let transport = try HTTP2ClientTransport.Posix(
    target: address.resolvableTarget,
    transportSecurity: .plaintext,
    config: .defaults { $0.backoff.max = .seconds(1) }
  )
  var interceptors: [any ClientInterceptor] = []
  if let identity {
    interceptors.append(IdentitySigningInterceptor(identity: identity, principal: principal))
  }
  return try await withGRPCClient(transport: transport, interceptors: interceptors) { client in
    try await body(client)
  }
}

/// A long-lived plaintext HTTP/2 client to `address` that signs every call as `principal`
/// (service-to-service calls); run its connections with `runConnections()`.
public func makeSignedServiceClient(
  _ address: ServiceAddress, identity: InternalIdentity, principal: Principal, maxBackoff: Duration
) throws -> GRPCClient<HTTP2ClientTransport.Posix> {
  let transport = try HTTP2ClientTransport.Posix(
    target: address.resolvableTarget, transportSecurity: .plaintext, config: .defaults { $0.backoff.max = maxBackoff })
  return GRPCClient(transport: transport, interceptors: [IdentitySigningInterceptor(identity: identity, principal: principal)])
}
