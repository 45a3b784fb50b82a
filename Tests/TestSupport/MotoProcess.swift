import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// moto's server mode (`python3 -m moto.server`) on a free loopback port: a local
/// S3-compatible endpoint for tests. It accepts any credentials until told to authenticate.
public final class MotoProcess: @unchecked Sendable {
  public let process: Process
  public let port: Int
  public let log: URL

  public var endpoint: URL { URL(string: "http://127.0.0.1:\(port)")! }

  private init(process: Process, port: Int, log: URL) {
    self.process = process
    self.port = port
    self.log = log
  }

  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// Whether python3 can run moto's server and boto3; checked once, without blocking a thread.
  public static func isAvailable() async -> Bool {
    await availability.value
  }

  private static let availability = Task<Bool, Never> {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import moto.server, boto3"]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    let deadline = ContinuousClock.now + .seconds(120)
    while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
    if process.isRunning {
      process.terminate()
      return false
    }
    return process.terminationStatus == 0
  }

  /// Starts moto and waits (at most 30 s) until it accepts connections.
  public static func start() async throws -> MotoProcess {
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
      let moto = MotoProcess(process: process, port: port, log: log)
      guard process.isRunning && acceptsConnections(port: port) else {
        // Most likely another process took the port in the meantime: try another one.
        lastFailure = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        moto.stop()
        continue
      }
      return moto
    }
    throw Failure(description: "moto did not start:\n\(lastFailure)")
  }

  /// Creates a bucket with boto3.
  public func createBucket(_ bucket: String) async throws {
    let script = """
      import boto3, sys
      boto3.session.Session(aws_access_key_id="setup", aws_secret_access_key="setup", region_name="us-east-1") \
        .client("s3", endpoint_url=sys.argv[1]).create_bucket(Bucket=sys.argv[2])
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, endpoint.absoluteString, bucket]
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = ContinuousClock.now + .seconds(60)
    while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw Failure(description: "creating bucket \(bucket) failed") }
  }

  /// Freezes the server (SIGSTOP): connections are accepted by the kernel but never answered,
  /// as with a store that hangs.
  public func freeze() { kill(process.processIdentifier, SIGSTOP) }

  public func thaw() { kill(process.processIdentifier, SIGCONT) }

  /// SIGTERM, then SIGKILL if it is still running after 5 s; removes the log.
  public func stop() {
    if process.isRunning {
      thaw()
      process.terminate()
      let deadline = Date().addingTimeInterval(5)
      while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
    }
    try? FileManager.default.removeItem(at: log)
  }
}

/// Whether something accepts TCP connections on the loopback port.
public func acceptsConnections(port: Int) -> Bool {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  guard fd >= 0 else { return false }
  defer { close(fd) }
  var address = loopbackAddress(port: port)
  return withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
  } == 0
}

func loopbackAddress(port: Int) -> sockaddr_in {
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_port = UInt16(port).bigEndian
  address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
  return address
}

/// A port the kernel just handed out for loopback, released again for a server to take.
public func freeLoopbackPort() throws -> Int {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  guard fd >= 0 else { throw MotoProcess.Failure(description: "socket() failed: errno \(errno)") }
  defer { close(fd) }
  var address = loopbackAddress(port: 0)
  let bound = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
  }
  guard bound == 0 else { throw MotoProcess.Failure(description: "bind() failed: errno \(errno)") }
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  let named = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
  }
  guard named == 0 else { throw MotoProcess.Failure(description: "getsockname() failed: errno \(errno)") }
  return Int(UInt16(bigEndian: address.sin_port))
}
