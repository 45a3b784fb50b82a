import Foundation
import LoyaltyRuntime

/// Defaults of profile-service: gRPC on 50052, admin HTTP on 9052.
public let profileServiceDefaults = ServiceDefaults(name: "profile", grpcPort: 50052, adminPort: 9052)

/// Settings of profile-service: the shared ones (see `ServiceOptions`) plus
///
/// | key | flag | environment | default |
/// | --- | --- | --- | --- |
/// | db.durability | `--durability` | `LOYALTY_DB_DURABILITY` | `full` (fsync every commit) or `normal` |
public struct ProfileConfig: Sendable {
  public var service: RuntimeConfig
  public var durability: ServiceDatabase.Durability

  public init(service: RuntimeConfig, durability: ServiceDatabase.Durability = .full) {
    self.service = service
    self.durability = durability
  }

  public init(
    options: ServiceOptions,
    durability: String?,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(ConfigError) {
    let service = try RuntimeConfig(options: options, defaults: profileServiceDefaults, environment: environment)
    let durabilityText = durability ?? environment["LOYALTY_DB_DURABILITY"] ?? "full"
    guard let durability = ServiceDatabase.Durability(rawValue: durabilityText) else {
      throw ConfigError(key: "db.durability", message: "'\(durabilityText)' is not full or normal")
    }
    self.init(service: service, durability: durability)
  }

  public var databasePath: URL { service.dataDirectory.appendingPathComponent("profile.sqlite") }
}
