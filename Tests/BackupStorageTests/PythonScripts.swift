import Foundation
import Testing

/// Running `python3` (from the PATH) and this folder's helper scripts.
enum PythonScripts {
  /// This test folder, where the helper scripts live.
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

  /// Whether python3 can import every module named.
  static func canImport(_ modules: String...) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import \(modules.joined(separator: ", "))"]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      return false
    }
    let deadline = Date().addingTimeInterval(60)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
      return false
    }
    return process.terminationStatus == 0
  }

  static let hasBotocore = canImport("botocore.auth", "botocore.awsrequest")
  static let hasMoto = canImport("moto.server", "boto3")

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Runs `python3 <script> <arguments>` and returns what it printed; throws with its output
  /// when it exits non-zero, and kills it when it outlives `timeout`.
  static func run(_ script: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Data {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("python-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let stdoutFile = scratch.appendingPathComponent("stdout")
    let stderrFile = scratch.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
    _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
    let stdout = try FileHandle(forWritingTo: stdoutFile)
    let stderr = try FileHandle(forWritingTo: stderrFile)
    defer {
      try? stdout.close()
      try? stderr.close()
    }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", folder.appendingPathComponent(script).path] + arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < deadline {
      try? await Task.sleep(for: .milliseconds(20))
    }
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
      throw Failure(description: "\(script) did not finish within \(timeout)")
    }
    process.waitUntilExit()
    let output = try Data(contentsOf: stdoutFile)
    guard process.terminationStatus == 0 else {
      let errors = (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
      throw Failure(description: "\(script) exited with \(process.terminationStatus):\n\(errors)")
    }
    return output
  }
}
