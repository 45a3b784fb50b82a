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
func runCommand(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, output: String) {
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  if let environment { process.environment = environment }
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = pipe
  process.standardInput = FileHandle.nullDevice
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
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
