import Foundation
import LoyaltyRuntime
import SwiftProtobuf

/// Points in time for `--to-time`, and their UTC rendering.
///
/// Accepted: ISO-8601 with a `Z` or `±HH:MM` offset and up to nine fractional digits
/// (`2026-12-05T10:00:00Z`, `2026-12-05T10:00:00.123456Z`), or Unix seconds with an
/// optional fraction (`1764928800.5`). Both are read with integer arithmetic only, so the
/// fraction reaches the server exactly as typed.
enum RecoveryTime {
  struct ParseError: Error, CustomStringConvertible {
    let text: String

    var description: String {
      "expected ISO-8601 UTC such as 2026-12-05T10:00:00Z or 2026-12-05T10:00:00.123456Z, "
        + "or Unix seconds such as 1764928800.5"
    }
  }

  static func parse(_ text: String) throws(ParseError) -> Google_Protobuf_Timestamp {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let parsed = trimmed.utf8.allSatisfy { $0 == UInt8(ascii: ".") || isDigit($0) }
      ? parseUnixSeconds(trimmed) : parseISO8601(trimmed)
    guard let parsed, (minimumSeconds...maximumSeconds).contains(parsed.seconds) else { throw ParseError(text: text) }
    return parsed
  }

  /// `2026-12-05T10:00:00.123456Z`: microseconds when the time has a fraction (nanoseconds
  /// only when it needs them), none when it is a whole second, so `parse` reads back the same
  /// instant.
  static func iso8601(_ timestamp: Google_Protobuf_Timestamp, fractionalSeconds: Bool = true) -> String {
    let days = CivilDate.floorDivide(timestamp.seconds, 86_400)
    let secondOfDay = timestamp.seconds - days * 86_400
    let (year, month, day) = CivilDate.date(daysSinceEpoch: days)
    let pad = CivilDate.padded
    var text =
      "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
      + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
    let nanos = Int64(timestamp.nanos)
    if fractionalSeconds, nanos > 0 {
      text += nanos % 1000 == 0 ? ".\(pad(nanos / 1000, 6))" : ".\(pad(nanos, 9))"
    }
    return text + "Z"
  }

  // Google_Protobuf_Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
  private static let minimumSeconds: Int64 = -62_135_596_800
  private static let maximumSeconds: Int64 = 253_402_300_799

  private static func parseUnixSeconds(_ text: String) -> Google_Protobuf_Timestamp? {
    let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let whole = parts.first, (1...12).contains(whole.count), let seconds = Int64(whole) else { return nil }
    var nanos: Int32 = 0
    if parts.count == 2 {
      guard let fraction = nanoseconds(fromFraction: Array(parts[1].utf8)) else { return nil }
      nanos = fraction
    }
    return Google_Protobuf_Timestamp(seconds: seconds, nanos: nanos)
  }

  private static func parseISO8601(_ text: String) -> Google_Protobuf_Timestamp? {
    var scanner = Scanner(bytes: Array(text.utf8))
    guard let year = scanner.number(digits: 4), scanner.skip("-"),
      let month = scanner.number(digits: 2), scanner.skip("-"),
      let day = scanner.number(digits: 2), scanner.skip("T") || scanner.skip("t"),
      let hour = scanner.number(digits: 2), scanner.skip(":"),
      let minute = scanner.number(digits: 2), scanner.skip(":"),
      let second = scanner.number(digits: 2)
    else { return nil }
    var nanos: Int32 = 0
    if scanner.skip(".") || scanner.skip(",") {
      guard let fraction = nanoseconds(fromFraction: scanner.digits()) else { return nil }
      nanos = fraction
    }
    var offsetSeconds: Int64 = 0
    if !(scanner.skip("Z") || scanner.skip("z")) {
      guard let offset = scanner.utcOffsetSeconds() else { return nil }
      offsetSeconds = offset
    }
    guard scanner.isAtEnd, hour < 24, minute < 60, second < 60, (1...12).contains(month), day >= 1 else { return nil }
    let days = CivilDate.daysSinceEpoch(year: year, month: month, day: day)
    guard CivilDate.date(daysSinceEpoch: days) == (year, month, day) else { return nil }
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
    return Google_Protobuf_Timestamp(seconds: seconds, nanos: nanos)
  }

  /// `"5"` → 500_000_000, `"123456"` → 123_456_000; one to nine digits.
  private static func nanoseconds(fromFraction digits: [UInt8]) -> Int32? {
    guard (1...9).contains(digits.count), digits.allSatisfy(isDigit) else { return nil }
    var value: Int32 = 0
    for digit in digits { value = value * 10 + Int32(digit - UInt8(ascii: "0")) }
    for _ in digits.count..<9 { value *= 10 }
    return value
  }

  private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

  private struct Scanner {
    let bytes: [UInt8]
    var position = 0

    var isAtEnd: Bool { position == bytes.count }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
      guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
      position += 1
      return true
    }

    mutating func number(digits count: Int) -> Int64? {
      guard position + count <= bytes.count else { return nil }
      let slice = bytes[position..<position + count]
      guard slice.allSatisfy(RecoveryTime.isDigit) else { return nil }
      position += count
      return slice.reduce(0) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
    }

    /// `+01:00` → 3600, `-05:30` → -19800.
    mutating func utcOffsetSeconds() -> Int64? {
      let sign: Int64
      if skip("+") {
        sign = 1
      } else if skip("-") {
        sign = -1
      } else {
        return nil
      }
      guard let hours = number(digits: 2), skip(":"), let minutes = number(digits: 2), hours < 24, minutes < 60 else {
        return nil
      }
      return sign * (hours * 3600 + minutes * 60)
    }

    mutating func digits() -> [UInt8] {
      let start = position
      while position < bytes.count, RecoveryTime.isDigit(bytes[position]) { position += 1 }
      return Array(bytes[start..<position])
    }
  }
}
