import ArgumentParser
import LoyaltyRuntime
import ProfileService

@main
struct ProfileServiceCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "profile-service",
    abstract: "Serves traveller profiles over gRPC (loyalty.profile.v1 and v2)."
  )

  @OptionGroup var options: ServiceOptions

  @Option(help: "full: fsync every commit; normal: survive crashes, not power loss (LOYALTY_DB_DURABILITY).")
  var durability: String?

  func run() async throws {
    let config = try ProfileConfig(options: options, durability: durability)
    try await runServiceProcess(label: "profile-service", config: config.service) { logger, registry in
      try makeProfileServer(config: config, logger: logger, metricsRegistry: registry)
    }
  }
}
