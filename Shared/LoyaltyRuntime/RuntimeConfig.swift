import ArgumentParser
import Foundation
import Logging

/// Command-line options every service executable accepts. Each has an environment variable;
/// a flag wins over the environment, which wins over the service's default.
///
/// | key | flag | environment | default |
/// | --- | --- | --- | --- |
/// | grpc.host | `--host` | `LOYALTY_HOST` | `127.0.0.1` |
/// | grpc.port | `--grpc-port` | `LOYALTY_GRPC_PORT` | per service (profile 50052) |
/// | admin.port | `--admin-port` | `LOYALTY_ADMIN_PORT` | per service (profile 9052); serves `/metrics`, `/healthz`, `/readyz` |
/// | data.dir | `--data-dir` | `LOYALTY_DATA_DIR` | `./data` |
/// | identity.secret | `--internal-secret-file` | `LOYALTY_INTERNAL_SECRET_FILE` or `LOYALTY_INTERNAL_SECRET` | required, ≥ 32 bytes |
/// | grpc.max-request-bytes | `--max-request-bytes` | `LOYALTY_MAX_REQUEST_BYTES` | 4194304 |
/// | shutdown.grace-seconds | `--shutdown-grace-seconds` | `LOYALTY_SHUTDOWN_GRACE_SECONDS` | 10 |
/// | log.level | `--log-level` | `LOYALTY_LOG_LEVEL` | `info` |
/// | log.format | `--log-format` | `LOYALTY_LOG_FORMAT` | `json` (or `text`) |
/// | ports.file | `--port-file` | `LOYALTY_PORT_FILE` | none; when set, the bound ports are written there as JSON |
public struct ServiceOptions: ParsableArguments, Sendable {
  @Option(name: .customLong("host"), help: "Address to listen on (LOYALTY_HOST).")
  public var host: String?

  @Option(name: .customLong("grpc-port"), help: "gRPC port; 0 picks a free one (LOYALTY_GRPC_PORT).")
  public var grpcPort: Int?

  @Option(name: .customLong("admin-port"), help: "HTTP port for /metrics, /healthz, /readyz; 0 picks a free one (LOYALTY_ADMIN_PORT).")
  public var adminPort: Int?

  @Option(name: .customLong("data-dir"), help: "Folder for the database and blobs (LOYALTY_DATA_DIR).")
  public var dataDirectory: String?

  @Option(name: .customLong("internal-secret-file"), help: "File holding the shared internal secret (LOYALTY_INTERNAL_SECRET_FILE; or the secret itself in LOYALTY_INTERNAL_SECRET).")
  public var internalSecretFile: String?

  @Option(name: .customLong("max-request-bytes"), help: "Largest accepted request message (LOYALTY_MAX_REQUEST_BYTES).")
  public var maxRequestBytes: Int?

  @Option(name: .customLong("shutdown-grace-seconds"), help: "How long in-flight calls may run after SIGTERM (LOYALTY_SHUTDOWN_GRACE_SECONDS).")
  public var shutdownGraceSeconds: Int?

  @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (LOYALTY_LOG_LEVEL).")
  public var logLevel: String?

  @Option(name: .customLong("log-format"), help: "json or text (LOYALTY_LOG_FORMAT).")
  public var logFormat: String?

  @Option(name: .customLong("port-file"), help: "Write the bound ports as JSON to this file once listening (LOYALTY_PORT_FILE).")
  public var portFile: String?

  public init() {}
}

/// Defaults that differ between services.
public struct ServiceDefaults: Sendable {
  public var name: String
  public var grpcPort: Int
  public var adminPort: Int

  public init(name: String, grpcPort: Int, adminPort: Int) {
    self.name = name
    self.grpcPort = grpcPort
    self.adminPort = adminPort
  }
}

public enum LogFormat: String, Sendable {
  case json
  case text
}

/// The resolved configuration of one service process.
public struct RuntimeConfig: Sendable {
  public var serviceName: String
  public var host: String
  public var grpcPort: Int
  public var adminPort: Int
  public var dataDirectory: URL
  public var internalSecret: [UInt8]
  public var maxRequestBytes: Int
  public var shutdownGracePeriod: Duration
  public var logLevel: Logger.Level
  public var logFormat: LogFormat
  public var portFile: URL?

  public init(
    options: ServiceOptions,
    defaults: ServiceDefaults,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws(ConfigError) {
    func value(_ flag: String?, _ env: String) -> String? {
      if let flag { return flag }
      if let fromEnvironment = environment[env], !fromEnvironment.isEmpty { return fromEnvironment }
      return nil
    }
    func integer(_ key: String, _ flag: Int?, _ env: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
      let resolved: Int
      if let flag {
        resolved = flag
      } else if let text = environment[env], !text.isEmpty {
        guard let parsed = Int(text) else {
          throw ConfigError(key: key, message: "\(env)='\(text)' is not a whole number")
        }
        resolved = parsed
      } else {
        resolved = fallback
      }
      guard range.contains(resolved) else {
        throw ConfigError(key: key, message: "\(resolved) is outside \(range.lowerBound)...\(range.upperBound)")
      }
      return resolved
    }

    self.serviceName = defaults.name
    self.host = value(options.host, "LOYALTY_HOST") ?? "127.0.0.1"
    self.grpcPort = try integer("grpc.port", options.grpcPort, "LOYALTY_GRPC_PORT", default: defaults.grpcPort, range: 0...65535)
    self.adminPort = try integer("admin.port", options.adminPort, "LOYALTY_ADMIN_PORT", default: defaults.adminPort, range: 0...65535)
    self.maxRequestBytes = try integer(
      "grpc.max-request-bytes", options.maxRequestBytes, "LOYALTY_MAX_REQUEST_BYTES",
      default: 4 * 1024 * 1024, range: 1024...(64 * 1024 * 1024))
    let grace = try integer(
      "shutdown.grace-seconds", options.shutdownGraceSeconds, "LOYALTY_SHUTDOWN_GRACE_SECONDS", default: 10, range: 0...600)
    self.shutdownGracePeriod = .seconds(grace)

    let levelText = value(options.logLevel, "LOYALTY_LOG_LEVEL") ?? "info"
    guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
      throw ConfigError(key: "log.level", message: "'\(levelText)' is not one of trace, debug, info, notice, warning, error, critical")
    }
    self.logLevel = level
    let formatText = value(options.logFormat, "LOYALTY_LOG_FORMAT") ?? "json"
    guard let format = LogFormat(rawValue: formatText.lowercased()) else {
      throw ConfigError(key: "log.format", message: "'\(formatText)' is not json or text")
    }
    self.logFormat = format
    self.portFile = value(options.portFile, "LOYALTY_PORT_FILE").map { URL(fileURLWithPath: $0) }

    let directory = URL(fileURLWithPath: value(options.dataDirectory, "LOYALTY_DATA_DIR") ?? "./data", isDirectory: true)
    try Self.prepareDataDirectory(directory)
    self.dataDirectory = directory

    self.internalSecret = try Self.loadSecret(
      file: value(options.internalSecretFile, "LOYALTY_INTERNAL_SECRET_FILE"),
      inline: environment["LOYALTY_INTERNAL_SECRET"]
    )
  }

  /// Creates the folder when missing and proves it is writable.
  public static func prepareDataDirectory(_ directory: URL) throws(ConfigError) {
    let fileManager = FileManager.default
    do {
      try fileManager.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw ConfigError(key: "data.dir", message: "cannot create \(directory.path): \(error.localizedDescription)")
    }
    let probe = directory.appendingPathComponent(".write-probe-\(ProcessInfo.processInfo.processIdentifier)")
    guard fileManager.createFile(atPath: probe.path, contents: Data()) else {
      throw ConfigError(key: "data.dir", message: "\(directory.path) is not writable")
    }
    try? fileManager.removeItem(at: probe)
  }

  public static func loadSecret(file: String?, inline: String?) throws(ConfigError) -> [UInt8] {
    var secret: [UInt8]
    if let file {
      guard let data = FileManager.default.contents(atPath: file) else {
        throw ConfigError(key: "identity.secret", message: "cannot read the secret file \(file)")
      }
      secret = Array(data)
      while let last = secret.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { secret.removeLast() }
    } else if let inline, !inline.isEmpty {
      secret = Array(inline.utf8)
    } else {
      throw ConfigError(
        key: "identity.secret",
        message: "no internal secret: set LOYALTY_INTERNAL_SECRET_FILE (or LOYALTY_INTERNAL_SECRET) or pass --internal-secret-file"
      )
    }
    guard secret.count >= InternalIdentity.minimumSecretBytes else {
      throw ConfigError(key: "identity.secret", message: "the secret must be at least \(InternalIdentity.minimumSecretBytes) bytes; it has \(secret.count)")
    }
    return secret
  }
}
