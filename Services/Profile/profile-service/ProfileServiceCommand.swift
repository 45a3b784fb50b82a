import ArgumentParser
import Foundation
import Logging
import LoyaltyRuntime
import Metrics
import Prometheus
import ProfileService
import ServiceLifecycle

@main
struct ProfileServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "profile-service",
    abstract: "Serves traveller profiles over gRPC (loyalty.profile.v1)."
  )

  @OptionGroup var options: ServiceOptions

  @Option(help: "full: fsync every commit; normal: survive crashes, not power loss (LOYALTY_DB_DURABILITY).")
  var durability: String?

  func run() async throws {
    let config: ProfileConfig
    do {
      let service = try RuntimeConfig(options: options, defaults: profileServiceDefaults)
      let durabilityText = durability ?? ProcessInfo.processInfo.environment["LOYALTY_DB_DURABILITY"] ?? "full"
      guard let durability = ServiceDatabase.Durability(rawValue: durabilityText) else {
        throw ConfigError(key: "db.durability", message: "'\(durabilityText)' is not full or normal")
      }
      config = ProfileConfig(service: service, durability: durability)
    } catch let error as ConfigError {
      throw ValidationError(error.description)
    }

    LoggingSystem.bootstrap(format: config.service.logFormat, level: config.service.logLevel)
    let logger = Logger(label: "profile-service")
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

    do {
      let application = try makeProfileServer(config: config, logger: logger, metricsRegistry: registry)
      try await runServiceGroup(application, config: config.service, logger: logger)
    } catch {
      logger.critical("profile-service failed", metadata: ["error": "\(error)"])
      throw ExitCode.failure
    }
  }
}
