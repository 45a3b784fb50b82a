import Foundation
import Logging
import Synchronization

/// Writes one JSON object per line to standard error with fixed field names:
/// `ts`, `level`, `service`, `msg`, then the metadata (`request_id`, `method`, ...).
public struct JSONLogHandler: LogHandler {
  public var metadata: Logger.Metadata = [:]
  public var logLevel: Logger.Level = .info
  private let label: String

  private static let output = Mutex<FileHandle>(FileHandle.standardError)

  public init(label: String) {
    self.label = label
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var fields: [String: Any] = [
      "ts": Self.timestamp(),
      "level": event.level.rawValue,
      "service": label,
      "msg": event.message.description,
    ]
    let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
    for (key, value) in merged {
      fields[key] = Self.jsonValue(value)
    }
    guard var line = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
    line.append(UInt8(ascii: "\n"))
    Self.output.withLock { $0.write(line) }
  }

  private static func jsonValue(_ value: Logger.MetadataValue) -> Any {
    switch value {
    case .string(let string): string
    case .stringConvertible(let convertible): convertible.description
    case .array(let array): array.map(jsonValue)
    case .dictionary(let dictionary): dictionary.mapValues(jsonValue)
    }
  }

  private static func timestamp() -> String {
    Date().formatted(
      .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon)
        .timeZone(separator: .omitted))
  }
}

extension LoggingSystem {
  /// Installs the process-wide log handler once, in `main`.
  public static func bootstrap(format: LogFormat, level: Logger.Level) {
    bootstrap { label in
      var handler: any LogHandler =
        switch format {
        case .json: JSONLogHandler(label: label)
        case .text: StreamLogHandler.standardError(label: label)
        }
      handler.logLevel = level
      return handler
    }
  }
}
