import Foundation

/// Rewrites the advisor's offline answer in friendlier words, e.g. with a language model.
///
/// The advisor gives it the question, the draft answer built from the tools' results and the
/// facts behind them. What comes back is used only when every number in it already appears
/// in the draft, the facts or the question (see `NumberCheck`); a phraser can change the
/// wording, never the numbers.
public protocol AnswerPhrasing: Sendable {
  /// What the response reports as `phrased_by`, e.g. the model's name.
  var name: String { get }

  func phrase(question: String, draft: String, facts: [String]) async throws -> String
}

/// The numbers a text states, normalised so that "9,470" (or with a thin space) and "9470" compare equal
/// and "20.50" equals "20.5".
public enum NumberCheck {
  /// Every number written with digits in `text`, normalised.
  public static func numbers(in text: String) -> Set<String> {
    Set(scan(text).map(\.normalised))
  }

  /// The numbers of `candidate` that none of `sources` states, as `candidate` writes them.
  public static func unsupportedNumbers(in candidate: String, sources: [String]) -> [String] {
    let allowed = sources.reduce(into: Set<String>()) { $0.formUnion(numbers(in: $1)) }
    var seen: Set<String> = []
    return scan(candidate).filter { !allowed.contains($0.normalised) && seen.insert($0.normalised).inserted }.map(\.written)
  }

  private static func scan(_ text: String) -> [(written: String, normalised: String)] {
    var found: [(written: String, normalised: String)] = []
    let scalars = Array(text.unicodeScalars)
    var index = 0
    while index < scalars.count {
      guard isDigit(scalars[index]) else {
        index += 1
        continue
      }
      let start = index
      var digits = ""
      var fraction = ""
      var inFraction = false
      while index < scalars.count {
        let scalar = scalars[index]
        if isDigit(scalar) {
          if inFraction { fraction.unicodeScalars.append(scalar) } else { digits.unicodeScalars.append(scalar) }
          index += 1
        } else if !inFraction, isGroupSeparator(scalar), startsGroupOfThree(scalars, at: index + 1) {
          index += 1
        } else if !inFraction, scalar == ".", index + 1 < scalars.count, isDigit(scalars[index + 1]) {
          inFraction = true
          index += 1
        } else {
          break
        }
      }
      var written = ""
      written.unicodeScalars.append(contentsOf: scalars[start..<index])
      found.append((written, normalise(whole: digits, fraction: fraction)))
    }
    return found
  }

  private static func normalise(whole: String, fraction: String) -> String {
    let trimmedWhole = String(whole.drop { $0 == "0" })
    var trimmedFraction = fraction
    while trimmedFraction.last == "0" { trimmedFraction.removeLast() }
    let integer = trimmedWhole.isEmpty ? "0" : trimmedWhole
    return trimmedFraction.isEmpty ? integer : "\(integer).\(trimmedFraction)"
  }

  private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

  /// Comma, no-break and thin spaces, apostrophes: what people put between thousands.
  private static func isGroupSeparator(_ scalar: Unicode.Scalar) -> Bool {
    [",", "\u{00A0}", "\u{202F}", "\u{2009}", "'", "\u{2019}"].contains(scalar)
  }

  /// Whether exactly three digits start at `index` (and no fourth follows), so "1,436" is
  /// one number while "LHR, 2 passengers" or "3, 4" are not joined.
  private static func startsGroupOfThree(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
    guard index + 2 < scalars.count, (index..<index + 3).allSatisfy({ isDigit(scalars[$0]) }) else { return false }
    return index + 3 >= scalars.count || !isDigit(scalars[index + 3])
  }
}
