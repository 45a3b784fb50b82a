/// Finds names in text on word boundaries, case-insensitively unless a name is an
/// all-capitals acronym ("ANA", "TAP", "LOT", which are also ordinary words in lower case).
/// Where names overlap the longest wins, so "American Express" is never "American".
struct NameIndex<Value: Sendable>: Sendable {
  struct Entry: Sendable {
    var words: [String]
    var exactCase: [String]?
    var value: Value
    /// Words that, right after the name, mean it is a different name ("American Express").
    var notFollowedBy: Set<String>
    /// Words that, right before the name, mean it is a different name ("United Arab Emirates").
    var notPrecededBy: Set<String>
  }

  struct Match: Sendable {
    var value: Value
    /// Token indices of the name in the tokenized text.
    var tokens: Range<Int>
    var range: Range<String.Index>
  }

  private var entriesByFirstWord: [String: [Entry]] = [:]

  init() {}

  mutating func add(_ name: String, _ value: Value, notFollowedBy: Set<String> = [], notPrecededBy: Set<String> = []) {
    let tokens = TextTokens.tokenize(name).filter { $0.kind != .symbol }
    guard let first = tokens.first else { return }
    let isAcronym = name.count <= 4 && name.allSatisfy { $0.isUppercase || $0.isNumber } && name.contains(where: \.isLetter)
    let entry = Entry(
      words: tokens.map(\.folded), exactCase: isAcronym ? tokens.map(\.text) : nil, value: value,
      notFollowedBy: notFollowedBy, notPrecededBy: notPrecededBy)
    entriesByFirstWord[first.folded, default: []].append(entry)
  }

  func matches(in text: String) -> [Match] {
    matches(in: TextTokens.tokenize(text))
  }

  /// Non-overlapping matches in order, symbols between words ignored ("Air France-KLM").
  func matches(in tokens: [TextToken]) -> [Match] {
    let wordIndices = tokens.indices.filter { tokens[$0].kind != .symbol }
    var result: [Match] = []
    var position = 0
    while position < wordIndices.count {
      let token = tokens[wordIndices[position]]
      var best: (entry: Entry, length: Int)?
      for entry in entriesByFirstWord[token.folded] ?? [] where entry.words.count > (best?.length ?? 0) {
        guard position + entry.words.count <= wordIndices.count else { continue }
        var matched = true
        for (offset, word) in entry.words.enumerated() {
          let candidate = tokens[wordIndices[position + offset]]
          if candidate.folded != word || (entry.exactCase.map { candidate.text != $0[offset] } ?? false) {
            matched = false
            break
          }
          // Names do not run across punctuation other than hyphens, slashes and apostrophes.
          if offset > 0 {
            let between = tokens[(wordIndices[position + offset - 1] + 1)..<wordIndices[position + offset]]
            if between.contains(where: { !["-", "'", "’", "."].contains($0.text) }) {
              matched = false
              break
            }
          }
        }
        guard matched else { continue }
        let nextIndex = position + entry.words.count
        if nextIndex < wordIndices.count, entry.notFollowedBy.contains(tokens[wordIndices[nextIndex]].folded) { continue }
        if position > 0, entry.notPrecededBy.contains(tokens[wordIndices[position - 1]].folded) { continue }
        best = (entry, entry.words.count)
      }
      if let best {
        let firstToken = wordIndices[position]
        let lastToken = wordIndices[position + best.length - 1]
        result.append(
          Match(value: best.entry.value, tokens: firstToken..<(lastToken + 1), range: tokens[firstToken].range.lowerBound..<tokens[lastToken].range.upperBound))
        position += best.length
      } else {
        position += 1
      }
    }
    return result
  }
}
