import Foundation
import Testing

/// The Compose schema, when the shared reference data is next to the project.
let composeSchemaDirectory = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/compose-spec")

@Suite struct ComposeFileTests {
  @Test(.enabled(if: FileManager.default.fileExists(atPath: composeSchemaDirectory.path), "../shared/data/compose-spec is not present"))
  func composeFileValidatesAgainstTheComposeSchema() async throws {
    let result = try await runCommand(
      URL(fileURLWithPath: "/usr/bin/env"),
      ["python3", packageRoot.appendingPathComponent("scripts/validate-compose").path, composeSchemaDirectory.path,
       packageRoot.appendingPathComponent("compose.yaml").path])
    #expect(result.status == 0, "\(result.output)")
  }

  @Test func composeRunsEveryServiceExecutableWithAHealthcheck() throws {
    let compose = try String(contentsOf: packageRoot.appendingPathComponent("compose.yaml"), encoding: .utf8)
    for executable in ["profile-service", "graph-service", "ingestion-service", "backup-service", "gateway"] {
      #expect(compose.contains("command: [\"\(executable)\""), "compose.yaml does not run \(executable)")
    }
    #expect(compose.contains("loyalty\", \"health\""), "services need healthchecks using the CLI probe")
  }
}
