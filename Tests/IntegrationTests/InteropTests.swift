import Foundation
import LoyaltyRuntime
import Testing

/// Whether Python's grpcio, grpcio-tools and grpcio-health-checking are installed.
let pythonGRPCAvailable: Bool = {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", "-c", "import grpc, grpc_tools, grpc_health.v1"]
  process.standardOutput = FileHandle.nullDevice
  process.standardError = FileHandle.nullDevice
  do {
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus == 0
  } catch {
    return false
  }
}()

/// Runs a command to completion, returning its exit status and combined output.
/// Runs a command to its end and returns its exit status and output (stdout and stderr).
/// It waits by polling, never by blocking a thread: the tests share two cooperative threads.
func runCommand(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, output: String) {
  let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString).log")
  FileManager.default.createFile(atPath: outputFile.path, contents: nil)
  defer { try? FileManager.default.removeItem(at: outputFile) }
  let output = try FileHandle(forWritingTo: outputFile)
  defer { try? output.close() }
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  if let environment { process.environment = environment }
  process.standardOutput = output
  process.standardError = output
  process.standardInput = FileHandle.nullDevice
  try process.run()
  while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: try Data(contentsOf: outputFile), as: UTF8.self))
}

@Suite struct InteropTests {
  @Test(.enabled(if: pythonGRPCAvailable, "needs python3 with grpcio, grpcio-tools, grpcio-health-checking (pip install); .ci/run installs them"))
  func googlesGRPCClientTalksToProfileService() async throws {
    try await withRunningProfileServer { service in
      let result = try await runCommand(
        URL(fileURLWithPath: "/usr/bin/env"),
        ["python3", packageRoot.appendingPathComponent("Tests/Interop/profile_interop.py").path,
         "--target", "127.0.0.1:\(service.ports.grpc)", "--secret-file", service.secretFile.path])
      #expect(result.status == 0, "\(result.output)")
    }
  }
}
