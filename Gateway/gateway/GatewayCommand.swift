import ArgumentParser
import Foundation
import GatewayAuth
import GatewayCore
import Logging
import LoyaltyRuntime

@main
struct GatewayCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gateway",
    abstract: "The API gateway: gRPC pass-through and JSON routes with authentication, rate limits and versioned routing.",
    subcommands: [Serve.self, Keys.self],
    defaultSubcommand: Serve.self
  )
}

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Runs the gateway (the default).")

  @OptionGroup var options: ServiceOptions

  @Option(help: "HTTP/1.1 JSON port (LOYALTY_HTTP_PORT, default 8081).")
  var httpPort: Int?

  @Option(help: "Routes, pools, aliases, limits and JWT settings (LOYALTY_GATEWAY_CONFIG, default <data-dir>/gateway.json).")
  var config: String?

  @Option(help: "profile-service address written into a newly created config file (LOYALTY_PROFILE_TARGET).")
  var profileTarget: String?

  @Option(help: "graph-service address written into a newly created config file (LOYALTY_GRAPH_TARGET).")
  var graphTarget: String?

  @Option(help: "ingestion-service address written into a newly created config file (LOYALTY_INGESTION_TARGET).")
  var ingestionTarget: String?

  @Option(help: "backup-service address written into a newly created config file (LOYALTY_BACKUP_TARGET).")
  var backupTarget: String?

  func run() async throws {
    let process = try GatewayProcessConfig(
      options: options, httpPort: httpPort, configFile: config, profileTarget: profileTarget, graphTarget: graphTarget,
      ingestionTarget: ingestionTarget, backupTarget: backupTarget)
    let settings = try process.loadSettings()
    try await runServiceProcess(label: "gateway", config: process.service) { logger, registry in
      let database = try APIKeyStore.openDatabase(at: process.keysDatabasePath, durability: .full, logger: logger)
      let keys = try await APIKeyStore(database: database)
      var jwt: JWTVerifier?
      if let jwtSettings = settings.jwt {
        jwt = try await JWTVerifier(settings: jwtSettings, relativeTo: process.configFile.deletingLastPathComponent())
      }
      return try GatewayApplication(
        config: process, settings: settings, keys: keys, jwt: jwt, metricsRegistry: registry, logger: logger)
    }
  }
}

/// Key management straight on the gateway's database, for bootstrapping the first admin key
/// (a running gateway picks new keys up within seconds). Day to day, use the admin API
/// (`loyalty keys ...`).
struct Keys: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Creates, lists or revokes API keys in the gateway's data folder.",
    subcommands: [Create.self, List.self, Revoke.self])

  struct Location: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The gateway's data folder (LOYALTY_DATA_DIR, default ./data).")
    var dataDirectory: String?

    func open() async throws -> APIKeyStore {
      let path = dataDirectory ?? ProcessInfo.processInfo.environment["LOYALTY_DATA_DIR"] ?? "./data"
      let directory = URL(fileURLWithPath: path, isDirectory: true)
      try RuntimeConfig.prepareDataDirectory(directory)
      var logger = Logger(label: "gateway-keys")
      logger.logLevel = .warning
      let database = try APIKeyStore.openDatabase(
        at: directory.appendingPathComponent("gateway.sqlite"), durability: .full, logger: logger)
      return try await APIKeyStore(database: database)
    }
  }

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Creates a key and prints it once on standard output (its id goes to standard error).")
    @OptionGroup var location: Location
    @Option(help: "The principal the key acts as (a user id for travellers).") var subject: String
    @Option(help: "traveler, curator or admin.") var role: String
    @Option(help: "A note for people.") var label: String = ""
    @Option(help: "Calls allowed per UTC day; 0 for none.") var dailyQuota: Int = 0

    func run() async throws {
      guard let role = Role(rawValue: role), role != .service else {
        throw ValidationError("--role must be traveler, curator or admin")
      }
      let store = try await location.open()
      let (record, secret) = try await store.create(subject: subject, role: role, label: label, dailyQuota: dailyQuota)
      FileHandle.standardError.write(Data("created key \(record.id) for \(record.subject) (\(record.role.rawValue))\n".utf8))
      print(secret)
      await store.database.close()
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Lists keys (never their secrets).")
    @OptionGroup var location: Location
    @Flag(help: "Include revoked keys.") var includeRevoked = false

    func run() async throws {
      let store = try await location.open()
      for record in try await store.list(includeRevoked: includeRevoked) {
        let state = record.revokedAt == nil ? "active" : "revoked"
        print("\(record.id)\t\(record.subject)\t\(record.role.rawValue)\t\(state)\t\(record.label)")
      }
      await store.database.close()
    }
  }

  struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revokes a key by id.")
    @OptionGroup var location: Location
    @Argument(help: "The key id.") var id: String

    func run() async throws {
      let store = try await location.open()
      let record = try await store.revoke(id: id)
      print("revoked \(record.id)")
      await store.database.close()
    }
  }
}
