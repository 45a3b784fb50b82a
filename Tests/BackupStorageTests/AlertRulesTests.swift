import Foundation
import Testing

/// `promtool` from the PATH, nil when it is not installed.
private let promtool: URL? = {
  let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
  return path.split(separator: ":")
    .map { URL(fileURLWithPath: String($0)).appendingPathComponent("promtool") }
    .first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

/// Services/Backup/alerts, found from this file's place in the repository.
private let alertsDirectory = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent()  // Tests/BackupStorageTests
  .deletingLastPathComponent()  // Tests
  .deletingLastPathComponent()  // the package root
  .appendingPathComponent("Services/Backup/alerts")
private let rulesFile = alertsDirectory.appendingPathComponent("backup-alerts.yml")
private let rulesTestFile = alertsDirectory.appendingPathComponent("backup-alerts.test.yml")

@Suite struct AlertRulesTests {
  @Test(.enabled(if: promtool != nil, "needs promtool on the PATH (Debian: apt-get install prometheus)"))
  func rulesPassPromtoolCheck() async throws {
    let run = try await runPromtool(["check", "rules", rulesFile.path])
    #expect(run.status == 0, "promtool check rules exited \(run.status):\n\(run.output)")
  }

  @Test(.enabled(if: promtool != nil, "needs promtool on the PATH (Debian: apt-get install prometheus)"))
  func rulesPassTheirUnitTests() async throws {
    let run = try await runPromtool(["test", "rules", rulesTestFile.path])
    #expect(run.status == 0, "promtool test rules exited \(run.status):\n\(run.output)")
  }

  /// promtool only runs the tests that exist, so a new alert without tests would pass unnoticed.
  @Test func everyAlertIsTestedFiringAndQuiet() throws {
    let alerts = try String(contentsOf: rulesFile, encoding: .utf8)
      .split(separator: "\n")
      .compactMap { value(after: "- alert:", in: $0) }
    let expectations = try alertExpectations(in: String(contentsOf: rulesTestFile, encoding: .utf8))

    #expect(!alerts.isEmpty, "no alert found in \(rulesFile.path)")
    for alert in alerts {
      #expect(expectations.firing.contains(alert), "\(alert) has no test where it fires")
      #expect(expectations.quiet.contains(alert), "\(alert) has no test where it stays quiet")
    }
  }
}

/// The alert names of the `alert_rule_test` entries expecting some alerts (firing) and none
/// (quiet, written `exp_alerts: []`).
private func alertExpectations(in tests: String) -> (firing: Set<String>, quiet: Set<String>) {
  let lines = tests.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
  var firing: Set<String> = []
  var quiet: Set<String> = []
  for (index, line) in lines.enumerated() {
    guard let alert = value(after: "alertname:", in: line[...]) else { continue }
    let expected = lines[(index + 1)...].first { $0.hasPrefix("exp_alerts:") }
    if expected == "exp_alerts: []" { quiet.insert(alert) } else if expected != nil { firing.insert(alert) }
  }
  return (firing, quiet)
}

/// The text after `key` on a YAML line, nil when the line does not hold that key.
private func value(after key: String, in line: Substring) -> String? {
  let trimmed = line.trimmingCharacters(in: .whitespaces)
  guard trimmed.hasPrefix(key) else { return nil }
  return trimmed.dropFirst(key.count).trimmingCharacters(in: .whitespaces)
}

/// Runs promtool with its output in a temporary file, killing it if it outlives `timeout`.
private func runPromtool(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
  let promtool = try #require(promtool)
  let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("promtool-\(UUID().uuidString).log")
  FileManager.default.createFile(atPath: outputFile.path, contents: nil)
  defer { try? FileManager.default.removeItem(at: outputFile) }
  let output = try FileHandle(forWritingTo: outputFile)
  defer { try? output.close() }

  let process = Process()
  process.executableURL = promtool
  process.arguments = arguments
  process.currentDirectoryURL = alertsDirectory
  process.standardInput = FileHandle.nullDevice
  process.standardOutput = output
  process.standardError = output
  try process.run()

  let deadline = ContinuousClock.now + timeout
  while process.isRunning && ContinuousClock.now < deadline {
    try await Task.sleep(for: .milliseconds(20))
  }
  if process.isRunning {
    process.terminate()
    process.waitUntilExit()
    Issue.record("promtool \(arguments.joined(separator: " ")) did not finish within \(timeout)")
  }
  process.waitUntilExit()
  return (process.terminationStatus, try String(contentsOf: outputFile, encoding: .utf8))
}
