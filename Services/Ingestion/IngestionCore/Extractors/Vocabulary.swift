import Foundation
import GraphModel

/// Reading values out of cells and phrases: numbers, percentages, booking codes, cabins,
/// regions and dates.
enum Vocabulary {
  // MARK: Numbers

  /// Cells that mean "no value": dashes, "n/a", "not available", "none".
  static func isNoValue(_ cell: String) -> Bool {
    if let folded = asciiNoValueKey(cell) { return folded.isEmpty || noValueWords.contains(folded) }
    let folded = TextTokens.fold(cell).trimmingCharacters(in: noValueTrimmed)
    if folded.isEmpty { return true }
    return noValueWords.contains(folded) || cell.trimmingSpaces.allSatisfy { "—–-−‒*".contains($0) }
  }

  private static let noValueWords: Set<String> = [
    "n/a", "na", "not available", "none", "not applicable", "no", "unavailable", "not eligible", "tbd", "x", "✗", "×",
  ]
  private static let noValueTrimmed = CharacterSet.whitespacesAndNewlines.union(.punctuationCharacters)

  /// An ASCII cell lower-cased, without the whitespace and punctuation around it (as
  /// `isNoValue` compares it); nil for other cells. A cell of dashes and stars alone is
  /// punctuation only, so its key is empty.
  private static func asciiNoValueKey(_ cell: String) -> String? {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(cell.utf8.count)
    for byte in cell.utf8 {
      guard byte < 0x80 else { return nil }
      bytes.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
    }
    // ASCII punctuation (Unicode category P): !"#%&'()*,-./:;?@[\]_{}
    func trimmed(_ byte: UInt8) -> Bool {
      TextTokens.isASCIIWhitespace(byte) || asciiPunctuation.contains(byte)
    }
    guard let first = bytes.firstIndex(where: { !trimmed($0) }), let last = bytes.lastIndex(where: { !trimmed($0) }) else { return "" }
    return String(decoding: bytes[first...last], as: UTF8.self)
  }

  private static let asciiPunctuation: Set<UInt8> = Set("!\"#%&'()*,-./:;?@[\\]_{}".utf8)

  /// A percentage: "125%", "50 %", "125 percent", or a bare number when `bare` allows.
  static func percent(in text: String, bare: Bool = false) -> Double? {
    let tokens = TextTokens.tokenize(text)
    for (index, token) in tokens.enumerated() where token.isNumber {
      guard index + 1 < tokens.count else { continue }
      let next = tokens[index + 1]
      if next.isSymbol(["%"]) || next.isWord(["percent", "pct"]) { return token.value }
      if next.isWord(["per"]), index + 2 < tokens.count, tokens[index + 2].isWord(["cent"]) { return token.value }
    }
    if bare, let value = number(in: text), tokens.filter(\.isNumber).count == 1 { return value }
    return nil
  }

  /// The single number a cell holds, with "k" applied ("12.5k" → 12500) and units and
  /// currency around it ignored ("12,500 miles", "$5,000"). Nil for no number or several.
  static func number(in text: String) -> Double? {
    let numbers = TextTokens.tokenize(text).filter(\.isNumber)
    guard numbers.count == 1 else { return nil }
    return numbers[0].amount
  }

  /// The numbers in text, "k" applied.
  static func numbers(in text: String) -> [Double] {
    TextTokens.tokenize(text).filter(\.isNumber).map(\.amount)
  }

  // MARK: Booking codes

  /// Booking codes a cell lists: "J, C, D", "J/C/D", "J C D", "J and C", "Fare classes: Y, B".
  /// Nil when the cell holds anything else than codes and the words that name them.
  static func bookingCodes(inCell cell: String) -> [String]? {
    let tokens = TextTokens.tokenize(cell)
    var codes: [String] = []
    for token in tokens {
      switch token.kind {
      case .word where token.isBookingCodeShape: codes.append(token.text)
      case .word where codeNoiseWords.contains(token.folded): continue
      case .symbol where [",", "/", ";", ":", "(", ")", "-", "–", "+", "."].contains(token.text): continue
      default: return nil
      }
    }
    return codes.isEmpty ? nil : codes
  }

  private static let codeNoiseWords: Set<String> = [
    "fare", "fares", "class", "classes", "booking", "bookings", "code", "codes", "and", "or", "rbd", "rbds", "all", "other",
    "of", "service",
  ]

  /// Booking-code lists in a phrase with where they are: a run of single capitals joined by
  /// commas, slashes, spaces, "and" or "or" ("J, C, D", "Y/B/M", "J and C"). A lone capital
  /// counts only right after "class"/"classes"/"fare"/"code(s)" or before "class"/"fares".
  static func bookingCodeLists(in tokens: [TextToken]) -> [(codes: [String], tokens: Range<Int>)] {
    var result: [(codes: [String], tokens: Range<Int>)] = []
    var index = 0
    while index < tokens.count {
      guard tokens[index].isBookingCodeShape else {
        index += 1
        continue
      }
      var codes = [tokens[index].text]
      var end = index + 1
      var probe = index + 1
      while probe < tokens.count {
        let token = tokens[probe]
        if token.isSymbol([",", "/", ";"]) || token.isWord(["and", "or"]) {
          probe += 1
          continue
        }
        if token.isBookingCodeShape {
          codes.append(token.text)
          end = probe + 1
          probe += 1
          continue
        }
        break
      }
      // The word before, past a colon or dash ("Fare class: F").
      var beforeIndex = index - 1
      while beforeIndex >= 0, tokens[beforeIndex].isSymbol([":", "-", "–", "—"]), index - beforeIndex <= 2 { beforeIndex -= 1 }
      let before = beforeIndex >= 0 ? tokens[beforeIndex] : nil
      let after = end < tokens.count ? tokens[end] : nil
      let named =
        (before?.isWord(["class", "classes", "fare", "fares", "code", "codes", "rbd"]) ?? false)
        || (after?.isWord(["class", "classes", "fare", "fares", "booking"]) ?? false)
      // "A" and "I" are words as well as codes: a list needs two codes or a naming word.
      if codes.count >= 2 || named {
        result.append((codes, index..<end))
      }
      index = end
    }
    return result
  }

  // MARK: Cabins

  private static let cabinNames: [(String, Cabin)] = ([
    ("premium economy", .premiumEconomy), ("premium select", .premiumEconomy), ("premium plus", .premiumEconomy),
    ("world traveller plus", .premiumEconomy), ("world traveler plus", .premiumEconomy), ("premium cabin", .premiumEconomy),
    ("premium", .premiumEconomy), ("economy plus", .economy), ("economy", .economy), ("coach", .economy), ("main cabin", .economy),
    ("world traveller", .economy), ("euro traveller", .economy), ("comfort plus", .economy),
    ("business", .business), ("club world", .business), ("club europe", .business), ("club suite", .business),
    ("polaris", .business), ("upper class", .business), ("delta one", .business), ("mint", .business), ("qsuite", .business),
    ("signature class", .business), ("flagship business", .business),
    ("first", .first), ("la premiere", .first), ("first class", .first), ("flagship first", .first),
  ] as [(String, Cabin)]).map { (TextTokens.fold($0.0), $0.1) }

  /// The cabin a cell or label names ("Business", "Premium Economy", "Club World"), by the
  /// longest cabin name in it.
  static func cabin(in text: String) -> Cabin? {
    cabinMatch(in: TextTokens.tokenize(text))?.cabin
  }

  /// Cabin names as words, longest first.
  private static let cabinWordLists: [(words: [String], cabin: Cabin)] =
    cabinNames.map { (words: $0.0.split(separator: " ").map(String.init), cabin: $0.1) }.sorted { $0.words.count > $1.words.count }

  static func cabinMatch(in tokens: [TextToken]) -> (cabin: Cabin, tokens: Range<Int>)? {
    let words = tokens.indices.filter { tokens[$0].kind == .word }
    // The longest name wins; among equally long names, the first in the text.
    for (parts, cabin) in cabinWordLists {
      guard parts.count <= words.count else { continue }
      for start in 0...(words.count - parts.count)
      where (0..<parts.count).allSatisfy({ tokens[words[start + $0]].folded == parts[$0] }) {
        return (cabin, words[start]..<(words[start + parts.count - 1] + 1))
      }
    }
    return nil
  }

  /// Every cabin a phrase names, each name read once at its longest ("Premium Economy" is
  /// not also "Economy").
  static func cabins(in text: String) -> Set<Cabin> {
    var tokens = TextTokens.tokenize(text)
    var found = Set<Cabin>()
    while let match = cabinMatch(in: tokens) {
      found.insert(match.cabin)
      tokens.removeSubrange(match.tokens)
    }
    return found
  }

  /// A text's sentences: split after ".", "!", "?" or ";" before a capital letter, a digit
  /// or the end ("1.5" and "U.S. flights" stay whole).
  static func sentences(_ text: String) -> [String] {
    let reader = TextTokens.CharacterReader(text)
    var result: [String] = []
    var start = 0
    var offset = 0
    while offset < reader.count {
      let after = reader.next(offset)
      defer { offset = after }
      guard let mark = reader.ascii(at: offset), ".!?;".utf8.contains(mark) else { continue }
      var ends = after == reader.count
      if !ends, reader.ascii(at: after) == UInt8(ascii: " ") {
        let next = reader.next(after)
        ends = next == reader.count || startsSentence(reader, at: next)
      }
      guard ends else { continue }
      // "U.S. Gold" is not a sentence end: a single capital before the point.
      if mark == UInt8(ascii: "."), let word = wordBefore(reader.index(offset), in: text, from: reader.index(start)),
        word.count == 1 || word.hasSuffix(".") && word.count <= 4
      {
        continue
      }
      result.append(reader.text(start, after).trimmingSpaces)
      start = after
    }
    let rest = reader.text(start, reader.count).trimmingSpaces
    if !rest.isEmpty { result.append(rest) }
    return result
  }

  /// Whether the character at `offset` may start a sentence: a capital, a digit, a quote or
  /// an opening parenthesis.
  private static func startsSentence(_ reader: TextTokens.CharacterReader, at offset: Int) -> Bool {
    if let byte = reader.ascii(at: offset) {
      return (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || TextTokens.isASCIIDigit(byte) || byte == UInt8(ascii: "\"")
        || byte == UInt8(ascii: "(")
    }
    let character = reader.character(at: offset)
    return character.isUppercase || character.isNumber || "“‘".contains(character)
  }

  /// The last space-separated word of `text[start..<end]`.
  private static func wordBefore(_ end: String.Index, in text: String, from start: String.Index) -> Substring? {
    var wordEnd = end
    while wordEnd > start, text[text.index(before: wordEnd)] == " " { wordEnd = text.index(before: wordEnd) }
    guard wordEnd > start else { return nil }
    var wordStart = wordEnd
    while wordStart > start, text[text.index(before: wordStart)] != " " { wordStart = text.index(before: wordStart) }
    return text[wordStart..<wordEnd]
  }

  /// Whether a phrase is exactly a cabin's name ("Premium Economy", "Business").
  /// The last words of cabin names.
  static let cabinNameEndings = Set(cabinNames.compactMap { $0.0.split(separator: " ").last.map(String.init) })

  static func isCabinName(_ text: String) -> Bool {
    let folded = TextTokens.tokenize(text).filter(\.isWord).map(\.folded).joined(separator: " ")
    return cabinNames.contains { $0.0 == folded }
  }

  /// The cabin usually sold in a booking code, for pages that list codes without cabins.
  static func usualCabin(ofCodes codes: [String]) -> Cabin? {
    // Codes without a usual cabin (P is first on some airlines, premium economy on others)
    // follow the codes listed with them.
    let cabins = codes.compactMap { usualCabins[$0] }
    guard 2 * cabins.count > codes.count, let first = cabins.first, cabins.allSatisfy({ $0 == first }) else { return nil }
    return first
  }

  private static let usualCabins: [String: Cabin] = [
    "F": .first, "A": .first, "J": .business, "C": .business, "D": .business, "I": .business, "Z": .business, "R": .business,
    "W": .premiumEconomy, "Y": .economy, "B": .economy, "M": .economy, "H": .economy, "K": .economy, "L": .economy, "Q": .economy,
    "V": .economy, "N": .economy, "S": .economy, "G": .economy, "O": .economy, "T": .economy, "X": .economy, "U": .economy,
    "E": .economy,
  ]

  // MARK: Regions

  private static let regionNames: [(String, Region)] = [
    ("north america", .northAmerica), ("usa", .northAmerica), ("us", .northAmerica), ("u s", .northAmerica),
    ("united states", .northAmerica), ("continental us", .northAmerica), ("continental u s", .northAmerica),
    ("contiguous us", .northAmerica), ("48 contiguous states", .northAmerica), ("canada", .northAmerica),
    ("us and canada", .northAmerica), ("u s and canada", .northAmerica), ("usa and canada", .northAmerica),
    ("continental us and canada", .northAmerica), ("contiguous 48", .northAmerica), ("alaska", .northAmerica),
    ("hawaii", .northAmerica),
    ("central america", .centralAmerica), ("mexico", .centralAmerica), ("mexico and central america", .centralAmerica),
    ("caribbean", .caribbean), ("the caribbean", .caribbean), ("bahamas", .caribbean),
    ("south america", .southAmerica), ("northern south america", .southAmerica), ("southern south america", .southAmerica),
    ("south america 1", .southAmerica), ("south america 2", .southAmerica),
    ("europe", .europe), ("uk", .europe), ("united kingdom", .europe), ("uk and europe", .europe), ("ireland", .europe),
    ("middle east", .middleEast),
    ("africa", .africa), ("southern africa", .africa), ("sub saharan africa", .africa), ("north africa", .africa),
    ("south asia", .southAsia), ("indian subcontinent", .southAsia), ("india", .southAsia), ("south asian subcontinent", .southAsia),
    ("indian sub continent", .southAsia), ("central and south asia", .southAsia),
    ("north asia", .northAsia), ("northeast asia", .northAsia), ("north east asia", .northAsia), ("japan", .northAsia),
    ("korea", .northAsia), ("japan and korea", .northAsia), ("china", .northAsia), ("greater china", .northAsia),
    ("hong kong", .northAsia), ("asia 1", .northAsia), ("asia region 1", .northAsia), ("north asia and japan", .northAsia),
    ("southeast asia", .southeastAsia), ("south east asia", .southeastAsia), ("asia 2", .southeastAsia),
    ("asia region 2", .southeastAsia),
    ("oceania", .oceania), ("south pacific", .oceania), ("australia", .oceania), ("new zealand", .oceania),
    ("australia and new zealand", .oceania), ("australia new zealand", .oceania),
    ("australasia", .oceania), ("southwest pacific", .oceania),
  ]

  private static let regionIndex: NameIndex<Region> = {
    var index = NameIndex<Region>()
    for (name, region) in regionNames { index.add(name, region) }
    for (country, region) in CountryRegions.byCountry { index.add(country, region) }
    return index
  }()

  /// The regions a label names, in order ("North America – Europe" → both).
  static func regions(in text: String) -> [Region] {
    regionMatches(in: TextTokens.tokenize(text)).map(\.value)
  }

  static func regionMatches(in tokens: [TextToken]) -> [NameIndex<Region>.Match] {
    // Places inside airline and program names ("Air Canada", "Singapore Airlines") are not
    // regions.
    let names = AirlineDirectory.index.matches(in: tokens).map(\.tokens) + ProgramDirectory.index.matches(in: tokens).map(\.tokens)
    return regionIndex.matches(in: tokens).filter { match in
      if names.contains(where: { $0.overlaps(match.tokens) }) { return false }
      // "US" must be written in capitals to be a place ("us" is a pronoun).
      let words = tokens[match.tokens].filter(\.isWord)
      if words.count == 1, words[0].folded == "us" { return words[0].text == "US" }
      return true
    }
  }

  /// The one region a cell names; nil for none, or for several different regions.
  static func region(in text: String) -> Region? {
    let found = regions(in: text)
    guard let first = found.first, found.allSatisfy({ $0 == first }) else { return nil }
    return first
  }

  // MARK: Dates

  private static let months: [String: Int] = [
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6,
    "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
  ]

  /// Dates in a phrase as YYYY-MM-DD with the token range each spans: "March 1, 2027",
  /// "1 March 2027", "1st March 2027", "2027-03-01".
  static func dates(in tokens: [TextToken]) -> [(date: String, tokens: Range<Int>)] {
    var result: [(String, Range<Int>)] = []
    func isDay(_ token: TextToken) -> Int? {
      guard token.isNumber, !token.text.contains(","), token.value >= 1, token.value <= 31, token.value == token.value.rounded() else {
        return nil
      }
      return Int(token.value)
    }
    func isYear(_ token: TextToken) -> Int? {
      guard token.isNumber, token.text.count == 4, token.value >= 1990, token.value <= 2100 else { return nil }
      return Int(token.value)
    }
    func ordinalSkip(_ index: Int) -> Int {
      index < tokens.count && tokens[index].isWord(["st", "nd", "rd", "th"]) && !tokens[index].spaced ? index + 1 : index
    }
    func format(_ year: Int, _ month: Int, _ day: Int) -> String? {
      var components = DateComponents()
      components.year = year
      components.month = month
      components.day = day
      let calendar = Calendar(identifier: .gregorian)
      guard components.isValidDate(in: calendar) else { return nil }
      return String(format: "%04d-%02d-%02d", year, month, day)
    }
    var index = 0
    while index < tokens.count {
      let token = tokens[index]
      // 2027-03-01
      if let year = isYear(token), index + 4 < tokens.count, tokens[index + 1].isSymbol(["-"]), tokens[index + 2].isNumber,
        tokens[index + 3].isSymbol(["-"]), tokens[index + 4].isNumber,
        let date = format(year, Int(tokens[index + 2].value), Int(tokens[index + 4].value))
      {
        result.append((date, index..<(index + 5)))
        index += 5
        continue
      }
      // March 1, 2027
      if token.isWord, let month = months[token.folded], index + 1 < tokens.count, let day = isDay(tokens[index + 1]) {
        var probe = ordinalSkip(index + 2)
        if probe < tokens.count, tokens[probe].isSymbol([","]) { probe += 1 }
        if probe < tokens.count, let year = isYear(tokens[probe]), let date = format(year, month, day) {
          result.append((date, index..<(probe + 1)))
          index = probe + 1
          continue
        }
      }
      // 1 March 2027
      if let day = isDay(token) {
        let monthIndex = ordinalSkip(index + 1)
        if monthIndex < tokens.count, tokens[monthIndex].isWord, let month = months[tokens[monthIndex].folded] {
          var probe = monthIndex + 1
          if probe < tokens.count, tokens[probe].isSymbol([","]) { probe += 1 }
          if probe < tokens.count, let year = isYear(tokens[probe]), let date = format(year, month, day) {
            result.append((date, index..<(probe + 1)))
            index = probe + 1
            continue
          }
        }
      }
      index += 1
    }
    return result
  }

  /// The date a phrase says something takes effect: "effective March 1, 2027", "from
  /// 1 March 2027", "as of", "starting", "beginning", "on or after", "valid from".
  static func effectiveDate(in text: String) -> String? {
    let tokens = TextTokens.tokenize(text)
    for (date, range) in dates(in: tokens) {
      let before = tokens[..<range.lowerBound].suffix(4).filter(\.isWord).map(\.folded)
      guard let last = before.last else { continue }
      if ["effective", "from", "starting", "beginning", "after", "commencing", "since"].contains(last) { return date }
      if before.suffix(2) == ["as", "of"] || before.suffix(2) == ["effective", "on"] || before.suffix(2) == ["starting", "on"] {
        return date
      }
      if before.contains("effective") && last == "on" { return date }
    }
    return nil
  }
}
