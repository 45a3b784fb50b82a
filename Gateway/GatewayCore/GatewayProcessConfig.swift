import ArgumentParser
import Foundation
import LoyaltyRuntime

/// Defaults of the gateway: gRPC on 8080, JSON on 8081, admin HTTP (metrics) on 9080.
public let gatewayDefaults = ServiceDefaults(name: "gateway", grpcPort: 8080, adminPort: 9080)

/// Settings of the gateway process: the shared ones (see `ServiceOptions`) plus
///
/// | key | flag | environment | default |
/// | --- | --- | --- | --- |
/// | http.port | `--http-port` | `LOYALTY_HTTP_PORT` | 8081 |
/// | gateway.config | `--config` | `LOYALTY_GATEWAY_CONFIG` | `<data dir>/gateway.json`, created for the local suite when missing |
/// | peers.profile | `--profile-target` | `LOYALTY_PROFILE_TARGET` | 127.0.0.1:50052 (only when creating the file) |
/// | peers.graph | `--graph-target` | `LOYALTY_GRAPH_TARGET` | 127.0.0.1:50051 (only when creating the file) |
/// | peers.ingestion | `--ingestion-target` | `LOYALTY_INGESTION_TARGET` | 127.0.0.1:50053 (only when creating the file) |
/// | peers.backup | `--backup-target` | `LOYALTY_BACKUP_TARGET` | 127.0.0.1:50054 (only when creating the file) |
///
/// Routes, upstream pools, aliases, rate limits and JWT settings live in the file (see
/// `GatewayConfig`).
public struct GatewayProcessConfig: Sendable {
  public var service: RuntimeConfig
  public var httpPort: Int
  public var configFile: URL
  public var profileTarget: String
  public var graphTarget: String
  public var ingestionTarget: String
  public var backupTarget: String

  public init(
    service: RuntimeConfig, httpPort: Int, configFile: URL, profileTarget: String = "127.0.0.1:50052",
    graphTarget: String = "127.0.0.1:50051", ingestionTarget: String = "127.0.0.1:50053",
    backupTarget: String = "127.0.0.1:50054"
  ) {
    self.service = service
    self.httpPort = httpPort
    self.configFile = configFile
    self.profileTarget = profileTarget
    self.graphTarget = graphTarget
    self.ingestionTarget = ingestionTarget
    self.backupTarget = backupTarget
  }

  public init(
    options: ServiceOptions, httpPort: Int?, configFile: String?, profileTarget: String?, graphTarget: String? = nil,
    ingestionTarget: String? = nil, backupTarget: String? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(ConfigError) {
    let service = try RuntimeConfig(options: options, defaults: gatewayDefaults, environment: environment)
    var port = 8081
    if let httpPort {
      port = httpPort
    } else if let text = environment["LOYALTY_HTTP_PORT"], !text.isEmpty {
      guard let parsed = Int(text) else {
        throw ConfigError(key: "http.port", message: "LOYALTY_HTTP_PORT='\(text)' is not a whole number")
      }
      port = parsed
    }
    guard (0...65535).contains(port) else {
      throw ConfigError(key: "http.port", message: "\(port) is outside 0...65535")
    }
    let file = configFile ?? environment["LOYALTY_GATEWAY_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    let target = profileTarget ?? environment["LOYALTY_PROFILE_TARGET"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1:50052"
    _ = try ServiceAddress(parsing: target, key: "peers.profile")
    let graph = graphTarget ?? environment["LOYALTY_GRAPH_TARGET"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1:50051"
    _ = try ServiceAddress(parsing: graph, key: "peers.graph")
    let ingestion =
      ingestionTarget ?? environment["LOYALTY_INGESTION_TARGET"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1:50053"
    _ = try ServiceAddress(parsing: ingestion, key: "peers.ingestion")
    let backup = backupTarget ?? environment["LOYALTY_BACKUP_TARGET"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1:50054"
    _ = try ServiceAddress(parsing: backup, key: "peers.backup")
    self.init(
      service: service, httpPort: port,
      configFile: file.map { URL(fileURLWithPath: $0) } ?? service.dataDirectory.appendingPathComponent("gateway.json"),
      profileTarget: target, graphTarget: graph, ingestionTarget: ingestion, backupTarget: backup)
  }

  public var keysDatabasePath: URL { service.dataDirectory.appendingPathComponent("gateway.sqlite") }

  /// The file's settings; a missing file is created for the local suite.
  public func loadSettings() throws(ConfigError) -> GatewayConfig {
    if FileManager.default.fileExists(atPath: configFile.path) {
      return try GatewayConfig.load(from: configFile)
    }
    let settings = GatewayConfig.localSuite(
      profileTarget: profileTarget, graphTarget: graphTarget, ingestionTarget: ingestionTarget, backupTarget: backupTarget)
    do {
      try settings.save(to: configFile)
    } catch {
      throw ConfigError(key: "gateway.config", message: "cannot create \(configFile.path): \(error)")
    }
    return settings
  }
}
