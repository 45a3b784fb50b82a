import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Testing

/// Whether python3 has grpcio, grpcio-tools, grpcio-health-checking and grpcio-reflection
/// (whose descriptor-database client the gateway interop script uses).
let pythonGatewayInteropAvailable: Bool = commandSucceeds(
  ["python3", "-c", "import grpc, grpc_tools, grpc_health.v1, grpc_reflection.v1alpha.proto_reflection_descriptor_database"])

/// Whether `curl` is on the PATH.
let curlAvailable: Bool = commandSucceeds(["curl", "--version"])

private func commandSucceeds(_ arguments: [String]) -> Bool {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = arguments
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  do {
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus == 0
  } catch {
    return false
  }
}

/// Independent clients through a real gateway in front of a real profile-service: Google's
/// Python gRPC (grpcio) on the gRPC port, and curl on the JSON port.
@Suite(.serialized) struct GatewayInteropTests {
  /// Runs `body` with one profile-service process serving both the v1 and v2 pools behind a
  /// gateway, once the gateway reports every required upstream ready.
  func withInteropGateway(_ body: (RunningGateway, RunningService) async throws -> Void) async throws {
    let service = try await RunningService.start("profile-service")
    let gateway: RunningGateway
    do {
      gateway = try await RunningGateway.start(.profiles(v1: service.address, v2: service.address))
    } catch {
      Issue.record("profile-service log:\n\(service.logTail())")
      await service.stop()
      service.removeFiles()
      throw error
    }
    do {
      try await waitUntilReady(gateway)
      try await body(gateway, service)
    } catch {
      Issue.record("gateway log:\n\(gateway.logTail())")
      await gateway.stop()
      await service.stop()
      service.removeFiles()
      throw error
    }
    await gateway.stop()
    await service.stop()
    service.removeFiles()
  }

  /// Polls /readyz until every required upstream is serving (up to ten seconds).
  func waitUntilReady(_ gateway: RunningGateway) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    var last = ""
    while ContinuousClock.now < deadline {
      if let ready = try? await gateway.http("GET", "/readyz") {
        if ready.status == 200 { return }
        last = "\(ready.status) \(ready.body)"
      }
      try await Task.sleep(for: .milliseconds(100))
    }
    throw InteropFailure(message: "the gateway did not become ready within 10 s; last /readyz: \(last)")
  }

  func seed(_ service: RunningService, _ userIDs: String...) async throws {
    for userID in userIDs {
      _ = try await service.withProfiles { try await $0.createProfile(.with { $0.profile = makeProfile(userID) }) }
    }
  }

  @Test(.enabled(
    if: pythonGatewayInteropAvailable,
    "needs python3 with grpcio, grpcio-tools, grpcio-health-checking and grpcio-reflection (pip install); .ci/run installs them"))
  func googlesGRPCClientThroughTheGateway() async throws {
    try await withInteropGateway { gateway, service in
      // The API key's traveller and another traveller exist; the JWT's traveller is created by the script.
      try await seed(service, "py-key-traveler", "py-other-traveler")
      let key = try await gateway.createKey(subject: "py-key-traveler", role: "traveler")
      let jwt = TestJWT.token(subject: "py-jwt-traveler", role: "traveler")
      let result = try await runCommand(
        URL(fileURLWithPath: "/usr/bin/env"),
        [
          "python3", packageRoot.appendingPathComponent("Tests/Interop/gateway_interop.py").path,
          "--target", "127.0.0.1:\(gateway.grpcAddress.port)",
          "--api-key", key.secret, "--api-key-user", "py-key-traveler",
          "--jwt", jwt, "--jwt-user", "py-jwt-traveler",
          "--other-user", "py-other-traveler",
        ])
      #expect(result.status == 0, "gateway_interop.py exited \(result.status):\n\(result.output)")

      // What the script wrote through the gateway is in profile-service.
      let written = try await service.withProfiles { try await $0.getProfile(.with { $0.userID = "py-jwt-traveler" }) }
      #expect(written.version == 2 && written.displayName == "Renamed through the gateway", "\(written)")
    }
  }

  @Test(.enabled(if: curlAvailable, "needs curl on the PATH"))
  func curlAgainstTheJSONRoutes() async throws {
    try await withInteropGateway { gateway, service in
      try await seed(service, "curl-traveler")
      let key = try await gateway.createKey(subject: "curl-traveler", role: "traveler")
      let base = "http://127.0.0.1:\(gateway.httpPort)"

      let own = try await runCurl([base + "/v1/profiles/curl-traveler", "-H", "x-api-key: \(key.secret)"])
      #expect(own.status == 200, "GET with an API key: \(own)")
      #expect(own.headers["content-type"]?.hasPrefix("application/json") == true, "\(own)")
      #expect(own.json["userId"] as? String == "curl-traveler", "\(own)")
      #expect(own.headers["x-request-id"]?.isEmpty == false, "no x-request-id: \(own)")

      let jwt = TestJWT.token(subject: "curl-traveler", role: "traveler")
      let viaJWT = try await runCurl([base + "/v1/profiles/curl-traveler", "-H", "authorization: Bearer \(jwt)"])
      #expect(viaJWT.status == 200, "GET with a JWT: \(viaJWT)")
      #expect(viaJWT.json["userId"] as? String == "curl-traveler", "\(viaJWT)")

      let anonymous = try await runCurl([base + "/v1/profiles/curl-traveler"])
      #expect(anonymous.status == 401, "GET without credentials: \(anonymous)")
      #expect(anonymous.json["code"] as? Int == 16, "\(anonymous)")
      #expect((anonymous.json["message"] as? String)?.isEmpty == false, "\(anonymous)")
      #expect(anonymous.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "no WWW-Authenticate: \(anonymous)")

      let before = try await answeredCalls(service)
      let malformed = try await runCurl([
        base + "/v1/profiles", "-X", "POST", "-H", "x-api-key: \(key.secret)", "-H", "content-type: application/json",
        "--data-binary", #"{"profile": {"userId": "curl-traveler","#,
      ])
      #expect(malformed.status == 400, "POST with malformed JSON: \(malformed)")
      #expect(malformed.json["code"] as? Int == 3, "\(malformed)")
      #expect((malformed.json["message"] as? String)?.isEmpty == false, "\(malformed)")
      #expect(try await answeredCalls(service) == before, "a malformed body reached profile-service")

      let unknown = try await runCurl([base + "/v1/no-such-route", "-H", "x-api-key: \(key.secret)"])
      #expect(unknown.status == 404, "unknown route: \(unknown)")
      #expect(unknown.json["code"] as? Int == 12, "\(unknown)")

      let preflight = try await runCurl([
        base + "/v1/profiles/curl-traveler", "-X", "OPTIONS", "-H", "Origin: https://app.example",
        "-H", "Access-Control-Request-Method: GET", "-H", "Access-Control-Request-Headers: x-api-key",
      ])
      #expect(preflight.status == 204, "CORS preflight: \(preflight)")
      #expect(preflight.headers["access-control-allow-methods"]?.contains("GET") == true, "\(preflight)")
      #expect(preflight.headers["access-control-allow-origin"] == "https://app.example", "\(preflight)")
    }
  }
}

/// One response as curl saw it.
struct CurlResponse: CustomStringConvertible {
  var status: Int
  var headers: [String: String]
  var body: String

  var json: [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
  }

  var description: String {
    "HTTP \(status) \(headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")) body: \(body)"
  }
}

/// Runs curl with `arguments` (the URL first), returning the status, headers (lower-cased
/// names) and body of the final response.
func runCurl(_ arguments: [String]) async throws -> CurlResponse {
  let result = try await runCommand(
    URL(fileURLWithPath: "/usr/bin/env"), ["curl", "--silent", "--show-error", "--include", "--max-time", "10"] + arguments)
  guard result.status == 0 else {
    throw InteropFailure(message: "curl \(arguments.joined(separator: " ")) exited \(result.status): \(result.output)")
  }
  let text = result.output
  guard let split = text.range(of: "\r\n\r\n") else {
    throw InteropFailure(message: "curl printed no HTTP response: \(text)")
  }
  let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
  let statusParts = lines.first?.split(separator: " ") ?? []
  var headers: [String: String] = [:]
  for line in lines.dropFirst() {
    guard let colon = line.firstIndex(of: ":") else { continue }
    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
  }
  return CurlResponse(
    status: statusParts.count > 1 ? Int(statusParts[1]) ?? 0 : 0, headers: headers, body: String(text[split.upperBound...]))
}

struct InteropFailure: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
