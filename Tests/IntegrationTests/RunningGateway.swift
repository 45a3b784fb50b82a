import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Testing

/// The gateway's settings for a test, written to its config file.
struct GatewayTestConfig {
  var versions: [[String: Any]] = [["name": "v1"], ["name": "v2"]]
  var upstreams: [[String: Any]]
  var aliases: [[String: Any]]
  var routes: [[String: Any]]
  var rateLimits: [String: Any] = ["classes": ["read": ["ratePerSecond": 10_000, "burst": 10_000], "write": ["ratePerSecond": 10_000, "burst": 10_000], "admin": ["ratePerSecond": 1000, "burst": 1000], "health": ["ratePerSecond": 1000, "burst": 1000]]]
  var retry: [String: Any]? = nil

  /// v1 and v2 of the profile API, each to its own pool.
  static func profiles(v1: ServiceAddress, v2: ServiceAddress) -> GatewayTestConfig {
    GatewayTestConfig(
      upstreams: [
        ["name": "profile-v1", "targets": [v1.description], "required": true],
        ["name": "profile-v2", "targets": [v2.description], "required": true],
      ],
      aliases: [
        ["name": "profile-v1", "pools": [["pool": "profile-v1", "weight": 100]]],
        ["name": "profile-v2", "pools": [["pool": "profile-v2", "weight": 100]]],
      ],
      routes: [
        ["apiVersion": "v1", "service": "loyalty.profile.v1.ProfileService", "alias": "profile-v1"],
        ["apiVersion": "v2", "service": "loyalty.profile.v2.ProfileService", "alias": "profile-v2"],
      ])
  }
}

/// JWT signing material shared by the tests and the gateway they start.
enum TestJWT {
  static let issuer = "loyalty-it"
  static let audience = "loyalty-gateway"
  static let hs256Secret = "integration-tests-jwt-secret-0123456789abcdef"
  static let es256Key = P256.Signing.PrivateKey()

  static func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  /// A compact JWS; `claims` override the defaults (sub, role, iss, aud, exp in 5 minutes).
  static func token(
    subject: String, role: String, algorithm: String = "HS256", claims: [String: Any] = [:], secret: String = hs256Secret
  ) -> String {
    var payload: [String: Any] = [
      "sub": subject, "role": role, "iss": issuer, "aud": audience, "exp": Int(Date().timeIntervalSince1970) + 300,
    ]
    for (key, value) in claims { payload[key] = value }
    payload = payload.filter { !($0.value is NSNull) }
    let header = base64URL(try! JSONSerialization.data(withJSONObject: ["alg": algorithm, "typ": "JWT"]))
    let body = base64URL(try! JSONSerialization.data(withJSONObject: payload))
    let input = Data("\(header).\(body)".utf8)
    let signature: Data
    if algorithm == "ES256" {
      signature = try! es256Key.signature(for: input).rawRepresentation
    } else {
      signature = Data(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: Data(secret.utf8))))
    }
    return "\(header).\(body).\(base64URL(signature))"
  }
}

/// A real gateway process in front of real services, with an admin JWT ready to use.
final class RunningGateway: @unchecked Sendable {
  let process: RunningService
  let httpPort: Int
  let configFile: URL
  let adminToken = TestJWT.token(subject: "it-admin", role: "admin")

  var grpcAddress: ServiceAddress { process.address }

  private init(process: RunningService, httpPort: Int, configFile: URL) {
    self.process = process
    self.httpPort = httpPort
    self.configFile = configFile
  }

  static func start(_ config: GatewayTestConfig) async throws -> RunningGateway {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loyalty-gw-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let configFile = folder.appendingPathComponent("gateway.json")
    try Data(TestJWT.hs256Secret.utf8).write(to: folder.appendingPathComponent("jwt-hs256.secret"))
    try Data(TestJWT.es256Key.publicKey.pemRepresentation.utf8).write(to: folder.appendingPathComponent("jwt-es256.pem"))
    var file: [String: Any] = [
      "versions": config.versions, "upstreams": config.upstreams, "aliases": config.aliases, "routes": config.routes,
      "rateLimits": config.rateLimits,
      "jwt": [
        "issuer": TestJWT.issuer, "audience": TestJWT.audience, "hs256SecretFile": "jwt-hs256.secret",
        "es256PublicKeyFile": "jwt-es256.pem", "clockSkewSeconds": 5,
      ],
    ]
    if let retry = config.retry { file["retry"] = retry }
    try JSONSerialization.data(withJSONObject: file, options: [.prettyPrinted]).write(to: configFile)
    let process = try await RunningService.start(
      "gateway", extraArguments: ["--config", configFile.path, "--http-port", "0", "--log-level", "info"])
    let ports = try JSONDecoder().decode([String: Int].self, from: Data(contentsOf: process.workDirectory.appendingPathComponent("ports.json")))
    return RunningGateway(process: process, httpPort: ports["http"] ?? 0, configFile: configFile)
  }

  func stop() async {
    await process.stop()
    process.removeFiles()
    try? FileManager.default.removeItem(at: configFile.deletingLastPathComponent())
  }

  /// A plain gRPC client to the gateway's gRPC port: no internal identity, only what a
  /// client outside the suite can send.
  func withClient<Result: Sendable>(_ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result) async throws -> Result {
    let transport = try HTTP2ClientTransport.Posix(
      target: .ipv4(address: "127.0.0.1", port: grpcAddress.port), transportSecurity: .plaintext)
    return try await withGRPCClient(transport: transport) { try await body($0) }
  }

  func withProfiles<Result: Sendable>(
    _ body: (Loyalty_Profile_V1_ProfileService.Client<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await withClient { try await body(Loyalty_Profile_V1_ProfileService.Client(wrapping: $0)) }
  }

  /// Creates an API key through the admin API and returns its secret and id.
  func createKey(subject: String, role: String, dailyQuota: Int64 = 0) async throws -> (secret: String, id: String) {
    try await withClient { client in
      let admin = Loyalty_Gateway_V1_GatewayAdmin.Client(wrapping: client)
      let created = try await admin.createApiKey(
        .with {
          $0.subject = subject
          $0.role = role
          $0.dailyQuota = dailyQuota
        }, metadata: ["authorization": "Bearer \(adminToken)"])
      return (created.secret, created.key.id)
    }
  }

  struct HTTPResult {
    var status: Int
    var headers: [String: String]
    var body: String

    var json: [String: Any] {
      (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
  }

  func http(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil) async throws -> HTTPResult {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(httpPort)\(path)")!)
    request.httpMethod = method
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    if let body {
      request.httpBody = body
      request.setValue("application/json", forHTTPHeaderField: "content-type")
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    var lowered: [String: String] = [:]
    for (name, value) in http.allHeaderFields {
      lowered[String(describing: name).lowercased()] = String(describing: value)
    }
    return HTTPResult(status: http.statusCode, headers: lowered, body: String(decoding: data, as: UTF8.self))
  }

  func logTail(lines: Int = 40) -> String { process.logTail(lines: lines) }
}

/// The number of calls profile-service has answered, from its /metrics.
func answeredCalls(_ service: RunningService) async throws -> Int {
  let (_, body) = try await service.adminGET("/metrics")
  return body.split(separator: "\n")
    .filter { $0.hasPrefix("grpc_server_requests_total{") && $0.contains("loyalty.profile") }
    .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
    .reduce(0) { $0 + Int($1) }
}
