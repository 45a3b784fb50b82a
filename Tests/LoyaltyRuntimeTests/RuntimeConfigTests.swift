import ArgumentParser
import Foundation
import Testing
@testable import LoyaltyRuntime

@Suite struct RuntimeConfigTests {
  let defaults = ServiceDefaults(name: "test", grpcPort: 50099, adminPort: 9099)

  @Test func flagsWinOverEnvironmentWhichWinsOverDefaults() async throws {
    try await withTemporaryDirectory { directory in
      let options = try ServiceOptions.parse(["--grpc-port", "1234", "--data-dir", directory.path])
      let environment = [
        "LOYALTY_GRPC_PORT": "4321", "LOYALTY_ADMIN_PORT": "5678",
        "LOYALTY_INTERNAL_SECRET": String(decoding: testSecret, as: UTF8.self),
      ]
      let config = try RuntimeConfig(options: options, defaults: defaults, environment: environment)
      #expect(config.grpcPort == 1234)
      #expect(config.adminPort == 5678)
      #expect(config.host == "127.0.0.1")
      #expect(config.internalSecret == testSecret)
    }
  }

  @Test func badValuesNameTheirKey() async throws {
    try await withTemporaryDirectory { directory in
      let options = try ServiceOptions.parse(["--data-dir", directory.path])
      let secret = ["LOYALTY_INTERNAL_SECRET": String(decoding: testSecret, as: UTF8.self)]
      let cases: [([String: String], String)] = [
        (secret.merging(["LOYALTY_GRPC_PORT": "eighty"]) { $1 }, "grpc.port"),
        (secret.merging(["LOYALTY_ADMIN_PORT": "70000"]) { $1 }, "admin.port"),
        (secret.merging(["LOYALTY_LOG_LEVEL": "loud"]) { $1 }, "log.level"),
        (["LOYALTY_INTERNAL_SECRET": "too-short"], "identity.secret"),
        ([:], "identity.secret"),
      ]
      for (environment, key) in cases {
        #expect {
          try RuntimeConfig(options: options, defaults: defaults, environment: environment)
        } throws: { error in
          (error as? ConfigError)?.key == key
        }
      }
    }
  }

  @Test func unwritableDataFolderIsRefused() throws {
    #expect(throws: ConfigError.self) {
      try RuntimeConfig.prepareDataDirectory(URL(fileURLWithPath: "/proc/loyalty-cannot-write-here"))
    }
  }

  @Test func secretFilesDropTheirTrailingNewline() async throws {
    try await withTemporaryDirectory { directory in
      let file = directory.appendingPathComponent("secret")
      try Data((String(decoding: testSecret, as: UTF8.self) + "\n").utf8).write(to: file)
      #expect(try RuntimeConfig.loadSecret(file: file.path, inline: nil) == testSecret)
    }
  }
}
