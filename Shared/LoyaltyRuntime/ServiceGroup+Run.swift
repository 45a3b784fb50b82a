import ArgumentParser
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals


/// The body of every service's `main`: installs logging and metrics, builds the application,
/// and runs it until SIGTERM or SIGINT. Start-up failures are logged and exit non-zero.
public func runServiceProcess<Application: Service>(
  label: String,
  config: RuntimeConfig,
  build: (Logger, PrometheusCollectorRegistry) async throws -> Application
) async throws {
  LoggingSystem.bootstrap(format: config.logFormat, level: config.logLevel)
  let logger = Logger(label: label)
  let registry = PrometheusCollectorRegistry()
  MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
  do {
    let application = try await build(logger, registry)
    try await runServiceGroup(application, config: config, logger: logger)
  } catch {
    logger.critical("\(label) failed", metadata: ["error": "\(error)"])
    throw ExitCode.failure
  }
}

/// Runs a service process until SIGTERM or SIGINT, then shuts it down gracefully: the
/// listener closes, in-flight calls get `shutdownGracePeriod` to finish, then are cancelled.
public func runServiceGroup(_ application: some Service, config: RuntimeConfig, logger: Logger) async throws {
  var configuration = ServiceGroupConfiguration(
    services: [.init(service: application, successTerminationBehavior: .gracefullyShutdownGroup)],
    gracefulShutdownSignals: [.sigterm, .sigint],
    logger: logger
  )
  configuration.maximumGracefulShutdownDuration = config.shutdownGracePeriod
  configuration.maximumCancellationDuration = .seconds(5)
  try await ServiceGroup(configuration: configuration).run()
}
