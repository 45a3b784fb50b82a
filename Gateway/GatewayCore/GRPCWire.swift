import NIOCore
import NIOHPACK

/// The few pieces of the gRPC-over-HTTP/2 wire format the gateway reads or writes itself.
/// Message bodies stay opaque, except for the owner field of the first request message.
enum GRPCWire {
  static let contentType = "application/grpc"

  /// A complete response that carries only a status (a "trailers-only" response): HTTP 200,
  /// so that every gRPC client reads the code and message rather than a bare HTTP error.
  static func trailersOnly(code: Int, message: String, extra: [(String, String)] = []) -> HPACKHeaders {
    var headers = HPACKHeaders()
    headers.reserveCapacity(4 + extra.count)
    headers.add(name: ":status", value: "200")
    headers.add(name: "content-type", value: contentType)
    headers.add(name: "grpc-status", value: String(code))
    headers.add(name: "grpc-message", value: percentEncode(message), indexing: .nonIndexable)
    for (name, value) in extra { headers.add(name: name, value: value, indexing: indexing(forHeader: name)) }
    return headers
  }

  /// Headers whose value differs on every call are not worth a place in the HPACK table.
  static func indexing(forHeader name: String) -> HPACKIndexing {
    switch name {
    case "x-request-id", "ratelimit-remaining", "ratelimit-reset", "grpc-message", "retry-after": .nonIndexable
    default: .indexable
    }
  }

  static func trailers(code: Int, message: String) -> HPACKHeaders {
    var headers = HPACKHeaders()
    headers.add(name: "grpc-status", value: String(code))
    headers.add(name: "grpc-message", value: percentEncode(message))
    return headers
  }

  /// `grpc-message` is percent-encoded UTF-8 (gRPC over HTTP/2, "Responses").
  static func percentEncode(_ message: String) -> String {
    var encoded = ""
    encoded.reserveCapacity(message.utf8.count)
    for byte in message.utf8 {
      if byte >= 0x20, byte <= 0x7E, byte != UInt8(ascii: "%") {
        encoded.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        let hex = Array("0123456789ABCDEF".utf8)
        encoded.unicodeScalars.append("%")
        encoded.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
        encoded.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
      }
    }
    return encoded
  }

  static func percentDecode(_ text: String) -> String {
    guard text.contains("%") else { return text }
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
      if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
        let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
      {
        bytes.append(value)
      } else {
        bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Parses `grpc-timeout` (`100m`, `5S`, ...), nil when malformed.
  static func parseTimeout(_ value: String) -> Duration? {
    guard let unit = value.last, value.count >= 2, value.count <= 9, let amount = Int64(value.dropLast()), amount >= 0
    else { return nil }
    switch unit {
    case "H": return .seconds(amount * 3600)
    case "M": return .seconds(amount * 60)
    case "S": return .seconds(amount)
    case "m": return .milliseconds(amount)
    case "u": return .microseconds(amount)
    case "n": return .nanoseconds(amount)
    default: return nil
    }
  }

  /// Encodes a timeout in at most eight digits, rounding up so an upstream never gets less
  /// time than remains.
  static func encodeTimeout(_ duration: Duration) -> String {
    let nanoseconds = max(0, TimeAmount(duration).nanoseconds)
    let units: [(Int64, String)] = [(1, "n"), (1000, "u"), (1_000_000, "m"), (1_000_000_000, "S"), (60_000_000_000, "M"), (3_600_000_000_000, "H")]
    for (scale, unit) in units {
      let amount = (nanoseconds + scale - 1) / scale
      if amount < 100_000_000 { return "\(amount)\(unit)" }
    }
    return "99999999H"
  }

  /// The string at `path` (field numbers, outermost first) of a serialized protobuf
  /// message, as a parser would see it: a repeated embedded message is merged, so the last
  /// value found in any of its copies wins. Nil when absent or not a string.
  static func string(atFieldPath path: [Int], in bytes: ByteBufferView) -> String? {
    guard let field = path.first else { return nil }
    let occurrences = lengthDelimitedFields(field, in: bytes)
    if path.count == 1 {
      return occurrences.last.flatMap { String(validating: Array($0), as: UTF8.self) }
    }
    let rest = Array(path.dropFirst())
    return occurrences.reversed().lazy.compactMap { string(atFieldPath: rest, in: $0) }.first
  }

  /// Every occurrence of a length-delimited field, in order.
  private static func lengthDelimitedFields(_ number: Int, in bytes: ByteBufferView) -> [ByteBufferView] {
    var index = bytes.startIndex
    var found: [ByteBufferView] = []
    func varint() -> UInt64? {
      var result: UInt64 = 0
      var shift: UInt64 = 0
      while index < bytes.endIndex, shift < 64 {
        let byte = bytes[index]
        index = bytes.index(after: index)
        result |= UInt64(byte & 0x7F) << shift
        if byte & 0x80 == 0 { return result }
        shift += 7
      }
      return nil
    }
    while index < bytes.endIndex {
      guard let key = varint() else { return found }
      let fieldNumber = Int(key >> 3)
      switch key & 7 {
      case 0:
        guard varint() != nil else { return found }
      case 1:
        guard bytes.distance(from: index, to: bytes.endIndex) >= 8 else { return found }
        index = bytes.index(index, offsetBy: 8)
      case 5:
        guard bytes.distance(from: index, to: bytes.endIndex) >= 4 else { return found }
        index = bytes.index(index, offsetBy: 4)
      case 2:
        guard let length = varint(), length <= UInt64(bytes.distance(from: index, to: bytes.endIndex)) else { return found }
        let end = bytes.index(index, offsetBy: Int(length))
        if fieldNumber == number { found.append(bytes[index..<end]) }
        index = end
      default:
        return found
      }
    }
    return found
  }
}

/// Follows the length-prefixed message framing of a request stream across DATA frames:
/// enforces the size limit per message and captures the first message whole when asked.
struct GRPCMessageFramer {
  enum Event: Equatable {
    case needMore
    case tooLarge(Int)
  }

  let maxMessageBytes: Int
  private var header: [UInt8] = []
  private var remainingInMessage = 0
  private var captureFirst: Bool
  private(set) var firstMessage: ByteBuffer?
  private var capturing: ByteBuffer?
  private(set) var compressedFirstMessage = false

  init(maxMessageBytes: Int, captureFirstMessage: Bool) {
    self.maxMessageBytes = maxMessageBytes
    self.captureFirst = captureFirstMessage
  }

  /// Feeds a DATA frame's bytes; returns `.tooLarge` as soon as a message header announces
  /// more than the limit.
  mutating func consume(_ buffer: ByteBuffer) -> Event {
    var buffer = buffer
    while buffer.readableBytes > 0 {
      if remainingInMessage == 0 {
        let needed = 5 - header.count
        let taken = buffer.readBytes(length: min(needed, buffer.readableBytes)) ?? []
        header.append(contentsOf: taken)
        guard header.count == 5 else { return .needMore }
        let length = Int(header[1]) << 24 | Int(header[2]) << 16 | Int(header[3]) << 8 | Int(header[4])
        let compressed = header[0] & 1 == 1
        header.removeAll(keepingCapacity: true)
        guard length <= maxMessageBytes else { return .tooLarge(length) }
        remainingInMessage = length
        if captureFirst {
          compressedFirstMessage = compressed
          capturing = ByteBuffer()
          capturing?.reserveCapacity(length)
        }
        if length == 0, captureFirst {
          firstMessage = capturing
          capturing = nil
          captureFirst = false
        }
        continue
      }
      let chunk = min(remainingInMessage, buffer.readableBytes)
      if captureFirst, var slice = buffer.readSlice(length: chunk) {
        capturing?.writeBuffer(&slice)
      } else {
        buffer.moveReaderIndex(forwardBy: chunk)
      }
      remainingInMessage -= chunk
      if remainingInMessage == 0, captureFirst {
        firstMessage = capturing
        capturing = nil
        captureFirst = false
      }
    }
    return .needMore
  }
}
