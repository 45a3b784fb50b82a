import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import TestSupport
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Testing

/// The folder holding the built executables: the same one as this test bundle.
let executablesDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()

/// The package root, for scripts and protos used by tests.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let integrationSecret = "integration-tests-internal-secret-0123456789"

/// A real service executable on ephemeral loopback ports with its own data folder.
final class RunningService: @unchecked Sendable {
  let executable: String
  let workDirectory: URL
  let dataDirectory: URL
  let secretFile: URL
  let logFile: URL
  let extraArguments: [String]
  /// Variables added to the inherited environment.
  let environment: [String: String]
  private(set) var process: Process
  private(set) var ports: ServiceApplication.Ports

  var address: ServiceAddress { ServiceAddress(host: "127.0.0.1", port: ports.grpc) }
  let identity: InternalIdentity

  private init(executable: String, workDirectory: URL, extraArguments: [String], environment: [String: String]) throws {
    self.executable = executable
    self.workDirectory = workDirectory
    self.dataDirectory = workDirectory.appendingPathComponent("data")
    self.secretFile = workDirectory.appendingPathComponent("internal-secret")
    self.logFile = workDirectory.appendingPathComponent("\(executable).log")
    self.extraArguments = extraArguments
    self.environment = environment
    self.identity = try InternalIdentity(secret: Array(integrationSecret.utf8))
    self.process = Process()
    self.ports = .init(grpc: 0, admin: 0)
    try Data(integrationSecret.utf8).write(to: secretFile)
  }

  static func start(
    _ executable: String, extraArguments: [String] = [], environment: [String: String] = [:]
  ) async throws -> RunningService {
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("loyalty-it-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    let service = try RunningService(
      executable: executable, workDirectory: work, extraArguments: extraArguments, environment: environment)
    try await service.launch()
    return service
  }

  /// The arguments the service is started with; a restart reuses the data folder.
  func arguments(grpcPort: Int = 0, adminPort: Int = 0) -> [String] {
    [
      "--data-dir", dataDirectory.path,
      "--internal-secret-file", secretFile.path,
      "--grpc-port", "\(grpcPort)", "--admin-port", "\(adminPort)",
      "--port-file", workDirectory.appendingPathComponent("ports.json").path,
    ] + extraArguments
  }

  /// Starts the executable; `reusingPorts` keeps the ports of the previous run, so that
  /// peers configured with its address find it again after a restart.
  func launch(reusingPorts: Bool = false) async throws {
    let portFile = workDirectory.appendingPathComponent("ports.json")
    try? FileManager.default.removeItem(at: portFile)
    let arguments = reusingPorts ? arguments(grpcPort: ports.grpc, adminPort: ports.admin) : arguments()
    let process = try Self.spawn(executable, arguments: arguments, log: logFile, environment: environment)
    self.process = process
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
      if let data = try? Data(contentsOf: portFile), let ports = try? JSONDecoder().decode(ServiceApplication.Ports.self, from: data) {
        self.ports = ports
        return
      }
      guard process.isRunning else { break }
      try await Task.sleep(for: .milliseconds(20))
    }
    process.terminate()
    throw ServiceStartFailure(message: "\(executable) did not start:\n\(logTail())")
  }

  static func spawn(_ executable: String, arguments: [String], log: URL, environment: [String: String] = [:]) throws -> Process {
    let process = Process()
    process.executableURL = executablesDirectory.appendingPathComponent(executable)
    process.arguments = arguments
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
    }
    if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
    let handle = try FileHandle(forWritingTo: log)
    try handle.seekToEnd()
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    return process
  }

  func logTail(lines: Int = 20) -> String {
    let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
  }

  /// SIGTERM, then wait for the process to exit; returns its exit status.
  @discardableResult
  func stop(timeout: Duration = .seconds(20)) async -> Int32 {
    guard process.isRunning else { return process.terminationStatus }
    process.terminate()
    return await waitForExit(timeout: timeout)
  }

  func killHard() async {
    kill(process.processIdentifier, SIGKILL)
    _ = await waitForExit(timeout: .seconds(10))
  }

  func waitForExit(timeout: Duration) async -> Int32 {
    let deadline = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < deadline {
      try? await Task.sleep(for: .milliseconds(10))
    }
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
    return process.terminationStatus
  }

  func removeFiles() {
    try? FileManager.default.removeItem(at: workDirectory)
  }

  /// A client signing every call as `principal`.
  func withClient<Result: Sendable>(
    as principal: Principal? = Principal(subject: "it-admin", role: .admin),
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await withServiceClient(address, identity: principal == nil ? nil : identity, principal: principal ?? .anonymous, body)
  }

  func withProfiles<Result: Sendable>(
    as principal: Principal? = Principal(subject: "it-admin", role: .admin),
    _ body: (Loyalty_Profile_V1_ProfileService.Client<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await withClient(as: principal) { try await body(Loyalty_Profile_V1_ProfileService.Client(wrapping: $0)) }
  }

  func healthStatus(_ service: String = "") async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
    try await withClient(as: nil) { client in
      try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = service }).status
    }
  }

  func adminGET(_ path: String) async throws -> (status: Int, body: String) {
    let url = URL(string: "http://127.0.0.1:\(ports.admin)\(path)")!
    let (data, response) = try await URLSession.shared.data(from: url)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
  }
}

struct ServiceStartFailure: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

/// Starts profile-service as a real process for `body`, and stops it afterwards.
func withRunningProfileServer(
  extraArguments: [String] = [],
  _ body: (RunningService) async throws -> Void
) async throws {
  let service = try await RunningService.start("profile-service", extraArguments: extraArguments)
  do {
    try await body(service)
  } catch {
    Issue.record("profile-service log:\n\(service.logTail())")
    await service.stop()
    service.removeFiles()
    throw error
  }
  await service.stop()
  service.removeFiles()
}


func makeProfile(_ userID: String) -> Loyalty_Profile_V1_Profile {
  .with {
    $0.userID = userID
    $0.displayName = "Integration \(userID)"
    $0.homeAirport = "DFW"
    $0.preferredAirlines = ["AA"]
    $0.memberships = [.with { $0.programID = "aa-aadvantage"; $0.memberNumber = "X1"; $0.balance = 0 }]
  }
}
