import Logging
import ServiceLifecycle
import UnixSignals

/// Runs a service process until SIGTERM or SIGINT, then shuts it down gracefully: the
/// listener closes, in-flight calls get `shutdownGracePeriod` to finish, then are cancelled.
public func runServiceGroup(_ application: ServiceApplication, config: RuntimeConfig, logger: Logger) async throws {
  var configuration = ServiceGroupConfiguration(
    services: [.init(service: application, successTerminationBehavior: .gracefullyShutdownGroup)],
    gracefulShutdownSignals: [.sigterm, .sigint],
    logger: logger
  )
  configuration.maximumGracefulShutdownDuration = config.shutdownGracePeriod
  configuration.maximumCancellationDuration = .seconds(5)
  try await ServiceGroup(configuration: configuration).run()
}
