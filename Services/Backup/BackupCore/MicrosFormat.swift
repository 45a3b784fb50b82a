import Foundation

/// UTC renderings of journal times (microseconds since 1970), exact to the microsecond.
public enum MicrosFormat {
  /// `2025-01-02T03:04:05.123456Z`
  public static func iso8601(_ micros: Int64) -> String {
    let parts = components(micros)
    return String(
      format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.year, parts.month, parts.day, parts.hour, parts.minute,
      parts.second, parts.micros)
  }

  /// `20250102T030405.123456Z`, for object keys.
  static func compact(_ micros: Int64) -> String {
    let parts = components(micros)
    return String(
      format: "%04d%02d%02dT%02d%02d%02d.%06dZ", parts.year, parts.month, parts.day, parts.hour, parts.minute,
      parts.second, parts.micros)
  }

  private static func components(_ micros: Int64) -> (
    year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, micros: Int
  ) {
    var seconds = micros / 1_000_000
    var fraction = micros % 1_000_000
    if fraction < 0 {
      seconds -= 1
      fraction += 1_000_000
    }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let parts = calendar.dateComponents(
      [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    return (
      parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0,
      Int(fraction)
    )
  }
}
