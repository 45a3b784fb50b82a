/// Numbers as the advisor writes them in explanations: thousands grouped with commas, at most
/// two decimals, trailing zeros dropped ("3,451", "862.75", "25%"). Hand-written because
/// explanations are built on every call and Foundation's formatters are slow and
/// locale-dependent.
enum Figures {
  /// Half up to whole miles (amounts are never negative).
  static func roundHalfUp(_ value: Double) -> Int64 {
    Int64((value + 0.5).rounded(.down))
  }

  static func integer(_ value: Int64) -> String {
    var magnitude = value.magnitude
    if magnitude < 1_000 { return value < 0 ? "-\(magnitude)" : String(magnitude) }
    // Digits are written backwards into a small buffer, with a comma every three.
    var bytes: [UInt8] = []
    bytes.reserveCapacity(28)
    var written = 0
    repeat {
      if written > 0, written % 3 == 0 { bytes.append(UInt8(ascii: ",")) }
      bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
      magnitude /= 10
      written += 1
    } while magnitude > 0
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    return String(decoding: bytes.reversed(), as: UTF8.self)
  }

  static func integer(_ value: Int) -> String { integer(Int64(value)) }

  /// Up to two decimals, trailing zeros dropped.
  static func number(_ value: Double) -> String {
    let hundredths = Int64((value.magnitude * 100).rounded())
    let whole = integer(hundredths / 100)
    let fraction = hundredths % 100
    let sign = value < 0 && hundredths != 0 ? "-" : ""
    if fraction == 0 { return sign + whole }
    if fraction % 10 == 0 { return "\(sign)\(whole).\(fraction / 10)" }
    return "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
  }

  static func percent(_ value: Double) -> String { number(value) + "%" }

  /// A money amount from cents, always two decimals: "1,894.00 USD".
  static func money(cents: Int64, currency: String) -> String {
    let fraction = cents.magnitude % 100
    return "\(cents < 0 ? "-" : "")\(integer(Int64(cents.magnitude / 100))).\(fraction < 10 ? "0" : "")\(fraction) \(currency)"
  }
}
