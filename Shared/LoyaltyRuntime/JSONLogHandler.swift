#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Synchronization

/// Writes one JSON object per line to standard error with fixed field names:
/// `ts`, `level`, `service`, `msg`, then the metadata (`request_id`, `method`, ...) in key order.
///
/// The line is built by hand: the access log writes one per call, and a general-purpose JSON
/// encoder cost a fifth of the CPU of a read request.
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
    var line = "{\"ts\":\"" + Self.timestamp() + "\",\"level\":\"" + event.level.rawValue + "\",\"service\":"
    Self.appendString(label, to: &line)
    line += ",\"msg\":"
    Self.appendString(event.message.description, to: &line)
    let merged = event.metadata.map { metadata.merging($0) { _, new in new } } ?? metadata
    for key in merged.keys.sorted() {
      line += ","
      Self.appendString(key, to: &line)
      line += ":"
      Self.appendValue(merged[key]!, to: &line)
    }
    line += "}\n"
    let data = Data(line.utf8)
    Self.output.withLock { $0.write(data) }
  }

  static func appendValue(_ value: Logger.MetadataValue, to line: inout String) {
    switch value {
    case .string(let string):
      appendString(string, to: &line)
    case .stringConvertible(let convertible):
      appendString(convertible.description, to: &line)
    case .array(let array):
      line += "["
      for (index, element) in array.enumerated() {
        if index > 0 { line += "," }
        appendValue(element, to: &line)
      }
      line += "]"
    case .dictionary(let dictionary):
      line += "{"
      for (index, key) in dictionary.keys.sorted().enumerated() {
        if index > 0 { line += "," }
        appendString(key, to: &line)
        line += ":"
        appendValue(dictionary[key]!, to: &line)
      }
      line += "}"
    }
  }

  /// Appends `text` as a JSON string literal, escaping quotes, backslashes and control characters.
  static func appendString(_ text: String, to line: inout String) {
    line += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": line += "\\\""
      case "\\": line += "\\\\"
      case "\n": line += "\\n"
      case "\r": line += "\\r"
      case "\t": line += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        line += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default:
        line.unicodeScalars.append(scalar)
      }
    }
    line += "\""
  }

  /// UTC, ISO 8601 with milliseconds, e.g. `2026-11-26T15:21:46.305Z`.
  static func timestamp() -> String {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var parts = tm()
    var seconds = now.tv_sec
    gmtime_r(&seconds, &parts)
    func pad(_ value: Int32, _ width: Int) -> String {
      let digits = String(value)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2) + "T"
      + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2) + "."
      + pad(Int32(now.tv_nsec / 1_000_000), 3) + "Z"
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
