import Foundation
import Logging
import Synchronization

/// Writes one JSON object per line to standard error with fixed field names:
/// `ts`, `level`, `service`, `msg`, then the metadata (`request_id`, `method`, ...) in key order.
///
/// The line is built by hand: the access log writes one per call, and a general-purpose JSON
/// encoder cost a fifth of the CPU of a read request. For the same reason lines below
/// `notice` are buffered and written at least every 100 ms (a `write` per call was a tenth of
/// a proxied call's cost); a `notice` or worse line writes out everything before it at once,
/// and so does process exit. A crash can lose at most the last 100 ms of info lines.
public struct JSONLogHandler: LogHandler {
  public var metadata: Logger.Metadata = [:]
  public var logLevel: Logger.Level = .info
  private let label: String

  private struct Output {
    var buffer: [UInt8] = []
    var flusherStarted = false
  }

  private static let output = Mutex(Output())
  private static let flushThreshold = 64 * 1024

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
    let urgent = event.level >= .notice
    Self.output.withLock { output in
      output.buffer.append(contentsOf: line.utf8)
      if !output.flusherStarted {
        output.flusherStarted = true
        Self.startFlusher()
      }
      if urgent || output.buffer.count >= Self.flushThreshold { Self.writeOut(&output) }
    }
  }

  /// Writes out buffered lines now.
  public static func flush() {
    output.withLock { writeOut(&$0) }
  }

  /// Called with the lock held, so that lines reach standard error whole and in order.
  private static func writeOut(_ output: inout Output) {
    guard !output.buffer.isEmpty else { return }
    FileHandle.standardError.write(Data(output.buffer))
    output.buffer.removeAll(keepingCapacity: true)
  }

  private static func startFlusher() {
    atexit { JSONLogHandler.flush() }
    Thread.detachNewThread {
      while true {
        Thread.sleep(forTimeInterval: 0.1)
        JSONLogHandler.flush()
      }
    }
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
  static func timestamp(_ date: Date = Date()) -> String {
    let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    let (days, millisOfDay) = millis.quotientAndRemainder(dividingBy: 86_400_000)
    let (day, adjustedMillis) = millisOfDay < 0 ? (days - 1, millisOfDay + 86_400_000) : (days, millisOfDay)
    let (year, month, dayOfMonth) = CivilDate.date(daysSinceEpoch: day)
    let pad = CivilDate.padded
    let seconds = adjustedMillis / 1000
    return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(dayOfMonth, 2) + "T" + pad(seconds / 3600, 2) + ":"
      + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2) + "." + pad(adjustedMillis % 1000, 3) + "Z"
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
