import Foundation

/// Turns a document's bytes into a String.
///
/// The encoding is, in order: a byte order mark (UTF-8, UTF-16 LE/BE); the `charset=` of the
/// declared content type; for HTML, a `<meta charset>` or `<meta http-equiv="Content-Type">`
/// in the first 2 KB; otherwise UTF-8, which the bytes must then be.
///
/// As browsers do (the WHATWG Encoding Standard), the us-ascii and iso-8859-1 labels decode as
/// windows-1252: pages labelled Latin-1 use 0x80–0x9F for €, ’, “ and —, never for the C1
/// control characters those bytes are in ISO 8859-1.
public enum TextDecoding {
  /// The charsets documents may declare, as listed in messages.
  public static let supportedCharsets = ["utf-8", "us-ascii", "iso-8859-1", "windows-1252", "utf-16"]

  enum Encoding: Equatable {
    case utf8
    case windows1252
    case utf16LittleEndian
    case utf16BigEndian
    /// UTF-16 declared without a byte order: the bytes decide.
    case utf16
  }

  /// Decodes `data`; `type` says whether to look for an HTML `<meta>` charset.
  public static func decode(
    _ data: Data,
    as type: DocumentType = .text,
    declaredContentType: String? = nil
  ) throws(DocumentInputError) -> String {
    if let (encoding, length) = byteOrderMark(in: data) {
      return try decode(data.dropFirst(length), encoding, label: nil)
    }
    if let label = declaredContentType.flatMap(charsetParameter(in:)) {
      return try decode(data, encoding(forLabel: label), label: label)
    }
    if type == .html, let label = htmlMetaCharset(in: data) {
      var encoding = try encoding(forLabel: label)
      // A document whose <meta> reads as ASCII is not UTF-16, whatever the <meta> says.
      if [.utf16, .utf16LittleEndian, .utf16BigEndian].contains(encoding) { encoding = .utf8 }
      return try decode(data, encoding, label: label)
    }
    if let text = validUTF8(data) { return text }
    throw .invalid(
      "the document is not valid UTF-8 (first bad byte at offset \(firstInvalidUTF8Offset(data))) and declares no charset; "
        + "save it as UTF-8 or declare its charset, e.g. \"text/plain; charset=windows-1252\""
    )
  }

  /// The encoding a charset label names, or an error naming the label and the supported ones.
  static func encoding(forLabel label: String) throws(DocumentInputError) -> Encoding {
    switch label.lowercased() {
    case "utf-8", "utf8", "unicode-1-1-utf-8": return .utf8
    case "us-ascii", "ascii", "ansi_x3.4-1968", "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1",
      "windows-1252", "cp1252", "x-cp1252":
      return .windows1252
    case "utf-16", "utf16": return .utf16
    case "utf-16le": return .utf16LittleEndian
    case "utf-16be": return .utf16BigEndian
    default:
      throw .invalid("unsupported encoding '\(label)' (supported: \(supportedCharsets.joined(separator: ", ")))")
    }
  }

  /// The encoding and length of a byte order mark at the start of `data`.
  static func byteOrderMark(in data: Data) -> (Encoding, Int)? {
    if data.starts(with: [0xEF, 0xBB, 0xBF]) { return (.utf8, 3) }
    if data.starts(with: [0xFF, 0xFE]) { return (.utf16LittleEndian, 2) }
    if data.starts(with: [0xFE, 0xFF]) { return (.utf16BigEndian, 2) }
    return nil
  }

  /// The `charset` parameter of a content type such as `text/html; charset="ISO-8859-1"`.
  static func charsetParameter(in contentType: String) -> String? {
    for parameter in contentType.split(separator: ";").dropFirst() {
      let pair = parameter.split(separator: "=", maxSplits: 1)
      guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "charset" else { continue }
      let value = pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
      return value.isEmpty ? nil : value
    }
    return nil
  }

  /// The charset a `<meta>` in the first 2 KB declares, either form.
  static func htmlMetaCharset(in data: Data) -> String? {
    let head = String(decoding: data.prefix(2048), as: UTF8.self).lowercased()
    var searchStart = head.startIndex
    while let meta = head.range(of: "<meta", range: searchStart..<head.endIndex) {
      let tagEnd = head[meta.upperBound...].firstIndex(of: ">") ?? head.endIndex
      let tag = head[meta.upperBound..<tagEnd]
      if let charset = tag.range(of: "charset=") {
        let value = tag[charset.upperBound...]
          .drop { $0 == " " || $0 == "\"" || $0 == "'" }
          .prefix { !" \"';>/\t\n\r".contains($0) }
        if !value.isEmpty { return String(value) }
      }
      searchStart = tagEnd
    }
    return nil
  }

  private static func decode(_ data: Data, _ encoding: Encoding, label: String?) throws(DocumentInputError) -> String {
    switch encoding {
    case .utf8:
      if let text = validUTF8(data) { return text }
      throw .invalid(
        "the document declares \(label ?? "UTF-8") but is not valid UTF-8 (first bad byte at offset \(firstInvalidUTF8Offset(data))); "
          + "save it as UTF-8 or declare the charset it is really in"
      )
    case .windows1252:
      return decodeWindows1252(data)
    case .utf16LittleEndian:
      return try decodeUTF16(data, bigEndian: false, label: label)
    case .utf16BigEndian:
      return try decodeUTF16(data, bigEndian: true, label: label)
    case .utf16:
      return try decodeUTF16(data, bigEndian: looksBigEndian(data), label: label)
    }
  }

  private static func validUTF8(_ data: Data) -> String? {
    data.withUnsafeBytes { String(validating: $0, as: UTF8.self) }
  }

  private static func firstInvalidUTF8Offset(_ data: Data) -> Int {
    var decoder = UTF8()
    var iterator = data.makeIterator()
    var offset = 0
    while true {
      switch decoder.decode(&iterator) {
      case .scalarValue(let scalar): offset += UTF8.width(scalar)
      case .emptyInput, .error: return offset
      }
    }
  }

  /// Without a byte order mark, ASCII-range text in big-endian UTF-16 has its zero bytes first.
  private static func looksBigEndian(_ data: Data) -> Bool {
    var evenZeros = 0
    var oddZeros = 0
    for (index, byte) in data.prefix(1024).enumerated() where byte == 0 {
      if index.isMultiple(of: 2) { evenZeros += 1 } else { oddZeros += 1 }
    }
    return evenZeros > oddZeros
  }

  private static func decodeUTF16(_ data: Data, bigEndian: Bool, label: String?) throws(DocumentInputError) -> String {
    let name = label ?? "UTF-16"
    guard data.count.isMultiple(of: 2) else {
      throw .invalid("the document declares \(name) but has an odd number of bytes, so it is not UTF-16")
    }
    var units: [UInt16] = []
    units.reserveCapacity(data.count / 2)
    data.withUnsafeBytes { bytes in
      var index = 0
      while index + 1 < bytes.count {
        let first = UInt16(bytes[index])
        let second = UInt16(bytes[index + 1])
        units.append(bigEndian ? first << 8 | second : second << 8 | first)
        index += 2
      }
    }
    guard let text = String(validating: units, as: UTF16.self) else {
      throw .invalid("the document declares \(name) but is not valid UTF-16 (unpaired surrogates)")
    }
    return text
  }

  /// The characters windows-1252 puts at 0x80–0x9F; the five bytes it leaves undefined keep
  /// their Latin-1 meaning, as the WHATWG Encoding Standard says.
  private static let windows1252High: [UInt32] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
  ]

  private static func decodeWindows1252(_ data: Data) -> String {
    var scalars = String.UnicodeScalarView()
    scalars.reserveCapacity(data.count)
    for byte in data {
      let value = (0x80...0x9F).contains(byte) ? windows1252High[Int(byte) - 0x80] : UInt32(byte)
      scalars.append(Unicode.Scalar(value)!)
    }
    return String(scalars)
  }
}
