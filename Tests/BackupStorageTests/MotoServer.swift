import BackupStorage
import Foundation
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// moto's server mode (`python3 -m moto.server`) on a free loopback port, with one bucket.
///
/// Unauthenticated, moto accepts any signature. Authenticated, it recomputes each request's
/// signature with botocore and refuses mismatches; but it recomputes from the decoded path and
/// query, so it also refuses correct signatures of keys with `+` or non-ASCII characters and
/// of prefixes with `/` (boto3's own requests included). Requests meant to prove signatures
/// against it must avoid those.
final class MotoServer {
  let process: Process
  let port: Int
  let bucket: String
  let credentials: S3Credentials
  let log: URL

  var endpoint: URL { URL(string: "http://127.0.0.1:\(port)")! }

  private init(process: Process, port: Int, bucket: String, credentials: S3Credentials, log: URL) {
    self.process = process
    self.port = port
    self.bucket = bucket
    self.credentials = credentials
    self.log = log
  }

  /// A configuration for the bucket with small parts and pages, and quick retries.
  func configuration(credentials: S3Credentials? = nil, bucket: String? = nil) -> S3Configuration {
    var configuration = S3Configuration(
      endpoint: endpoint, region: "us-east-1", bucket: bucket ?? self.bucket, credentials: credentials ?? self.credentials)
    configuration.retryBaseDelay = .milliseconds(20)
    configuration.connectTimeout = .seconds(5)
    configuration.idleTimeout = .seconds(30)
    return configuration
  }

  /// Starts moto, waits (at most 30 s) until it accepts connections and creates the bucket;
  /// `authenticated` also creates an IAM user allowed everything in S3 and turns signature
  /// checks on, and the server's credentials are that user's.
  static func start(authenticated: Bool, bucket: String = "backup-tests") async throws -> MotoServer {
    var lastFailure = ""
    for _ in 0..<3 {
      let port = try freeLoopbackPort()
      let log = FileManager.default.temporaryDirectory.appendingPathComponent("moto-\(port)-\(UUID().uuidString).log")
      _ = FileManager.default.createFile(atPath: log.path, contents: nil)
      let output = try FileHandle(forWritingTo: log)
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
      process.standardInput = FileHandle.nullDevice
      process.standardOutput = output
      process.standardError = output
      try process.run()
      try? output.close()

      let deadline = ContinuousClock.now + .seconds(30)
      while process.isRunning && !acceptsConnections(port: port) && ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(100))
      }
      guard process.isRunning && acceptsConnections(port: port) else {
        // Most likely another process took the port in the meantime: try another one.
        lastFailure = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        stop(process)
        try? FileManager.default.removeItem(at: log)
        continue
      }
      do {
        let credentials = try await setUp(port: port, bucket: bucket, authenticated: authenticated)
        return MotoServer(process: process, port: port, bucket: bucket, credentials: credentials, log: log)
      } catch {
        stop(process)
        try? FileManager.default.removeItem(at: log)
        throw error
      }
    }
    throw PythonScripts.Failure(description: "moto did not start:\n\(lastFailure)")
  }

  func stop() {
    Self.stop(process)
    try? FileManager.default.removeItem(at: log)
  }

  private static func setUp(port: Int, bucket: String, authenticated: Bool) async throws -> S3Credentials {
    let endpoint = "http://127.0.0.1:\(port)"
    guard authenticated else {
      _ = try await PythonScripts.run("moto_s3_setup.py", [endpoint, bucket])
      return S3Credentials(accessKeyID: "AKIAMOTOEXAMPLE00000", secretAccessKey: "not-checked-without-authentication")
    }
    let output = try await PythonScripts.run("moto_s3_setup.py", [endpoint, bucket, "--authenticate"])
    let keys = try JSONDecoder().decode([String: String].self, from: output)
    return S3Credentials(accessKeyID: keys["access_key_id"] ?? "", secretAccessKey: keys["secret_access_key"] ?? "")
  }

  /// SIGTERM, then SIGKILL if it is still running after 5 s.
  private static func stop(_ process: Process) {
    guard process.isRunning else { return }
    process.terminate()
    let deadline = Date().addingTimeInterval(5)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  private static func acceptsConnections(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = loopback(port: port)
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
  }

  static func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return address
  }
}

/// A port the kernel just handed out for loopback, released again for a server to take.
func freeLoopbackPort() throws -> Int {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  guard fd >= 0 else { throw PythonScripts.Failure(description: "socket() failed: errno \(errno)") }
  defer { close(fd) }
  var address = MotoServer.loopback(port: 0)
  let bound = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
  }
  guard bound == 0 else { throw PythonScripts.Failure(description: "bind() failed: errno \(errno)") }
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  let named = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
  }
  guard named == 0 else { throw PythonScripts.Failure(description: "getsockname() failed: errno \(errno)") }
  return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs `body` with a fresh moto server, which is stopped afterwards whatever happens.
func withMotoServer<Value>(
  authenticated: Bool = false, _ body: (MotoServer) async throws -> Value
) async throws -> Value {
  let server = try await MotoServer.start(authenticated: authenticated)
  do {
    let value = try await body(server)
    server.stop()
    return value
  } catch {
    server.stop()
    throw error
  }
}

/// Runs `body` with an S3 target for the server's bucket, shut down afterwards.
func withS3Target<Value>(
  _ configuration: S3Configuration, name: String = "moto", logger: Logger = Logger(label: "test"),
  _ body: (S3Target) async throws -> Value
) async throws -> Value {
  let target = try S3Target(name: name, configuration: configuration, logger: logger)
  do {
    let value = try await body(target)
    try await target.shutdown()
    return value
  } catch {
    try? await target.shutdown()
    throw error
  }
}
