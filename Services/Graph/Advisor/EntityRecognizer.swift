import Foundation
import GraphModel
import Synchronization

/// What a span of a question was taken to mean.
struct EntityMention: Sendable, Hashable {
  enum Meaning: Sendable, Hashable {
    /// One or more airports: a code or airport name names one, a city may name several.
    case place(name: String, airports: [String])
    case airline(String)
    /// "BA117": the marketing carrier and its flight number.
    case flight(carrier: String, number: String)
    case program(String)
    case alliance(String)
    /// An elite tier as the question names it — a program's tier name ("Gold") or an
    /// alliance status ("Oneworld Emerald") — and the tiers it can mean.
    case tier(name: String, options: [TierReference])
    /// Countries are recognised only so their words are not read as something else
    /// ("United States" is not United Airlines).
    case country(String)
  }

  var meaning: Meaning
  /// Indices into the question's tokens.
  var tokens: Range<Int>
  var text: String
}

/// An elite tier of a program.
struct TierReference: Sendable, Hashable, Comparable {
  var programID: String
  var tier: String

  static func < (lhs: TierReference, rhs: TierReference) -> Bool { (lhs.programID, lhs.tier) < (rhs.programID, rhs.tier) }
}

/// Names, codes and aliases of everything the graph knows, for recognising them in
/// questions: airports (IATA code, name, city), airlines (IATA code, name), programs (name,
/// what travellers call them), alliances and elite tiers. Built once per `LoyaltyFacts`.
struct EntityLexicon: Sendable {
  enum Requirement: Sendable, Hashable {
    case anyCase
    /// The first word must be capitalised as written ("Nice", not "nice").
    case capitalized
    /// Every word must be capitalised as written ("I Fly", not "I fly").
    case everyWordCapitalized
    /// An IATA code: upper case as written, or lower case right after "from", "to"… or
    /// joined by a dash to another code.
    case airportCode
    /// An airline code: upper case as written (or lower case right after "on", "flying"…),
    /// and not a common two-letter word.
    case airlineCode
  }

  struct Entry: Sendable, Hashable {
    var meaning: EntityMention.Meaning
    /// Among entries for the same words the highest wins.
    var priority: Int
    var requirement: Requirement
  }

  private(set) var phrases: [String: [Entry]] = [:]
  private(set) var longestPhrase = 1
  private(set) var airlineCodes: Set<String> = []

  /// What travellers call the programs whose ids the project's seed uses.
  static let programAliases: [String: [String]] = [
    "aa-aadvantage": ["aadvantage", "aa miles", "american miles", "american airlines miles", "aadvantage miles"],
    "ba-executive-club": ["avios", "executive club", "ba avios", "ba miles", "british airways avios"],
    "qr-privilege-club": ["privilege club", "qatar avios", "qmiles"],
    "ua-mileageplus": ["mileageplus", "mileage plus", "united miles"],
    "ac-aeroplan": ["aeroplan"],
    "af-flying-blue": ["flying blue", "air france miles", "klm miles"],
    "dl-skymiles": ["skymiles", "sky miles", "delta miles"],
    "as-mileage-plan": ["mileage plan", "alaska miles"],
    "amex-membership-rewards": ["amex", "american express", "membership rewards", "amex points", "mr points", "amex mr"],
    "chase-ultimate-rewards": ["chase", "ultimate rewards", "chase points", "ur points"],
    "citi-thankyou": ["citi", "thankyou", "thank you points", "thankyou points", "citi points"],
  ]

  static let allianceAliases: [String: [String]] = [
    "alliance:oneworld": ["oneworld", "one world"],
    "alliance:star-alliance": ["star alliance"],
    "alliance:skyteam": ["skyteam", "sky team"],
  ]

  init(facts: LoyaltyFacts) {
    // City names first: an airport name that reduces to a city's name ("London Airport",
    // "London Biggin Hill" without its own city) must not claim that city.
    var cityPhrases: Set<[String]> = []
    for airport in facts.airports.values {
      guard let city = airport.city else { continue }
      for part in Self.cityNames(city) {
        let phrase = words(part)
        cityPhrases.insert(phrase)
        add(phrase, .place(name: part, airports: [airport.iata]), priority: 20)
      }
    }
    for airport in facts.airports.values {
      let place = EntityMention.Meaning.place(name: airport.name, airports: [airport.iata])
      add(airport.iata.lowercased(), place, priority: 35, requirement: .airportCode)
      let name = words(airport.name)
      let stripped = name.filter { !Self.genericAirportWords.contains($0) }
      let cityWords = Set(airport.city.map { words($0) } ?? [])
      let distinctive = stripped.filter { !cityWords.contains($0) }
      for phrase in [name, stripped, distinctive] where !phrase.isEmpty && !cityPhrases.contains(phrase) {
        if phrase == distinctive, phrase != stripped, phrase.joined().count < 4 { continue }
        add(phrase, place, priority: 30)
      }
      add(words(airport.country), .country(airport.country), priority: 10)
    }

    for airline in facts.airlines.values {
      airlineCodes.insert(airline.iata)
      add(airline.iata.lowercased(), .airline(airline.iata), priority: 50, requirement: .airlineCode)
      // Names of defunct airlines without a program or alliance would mostly match by accident.
      let strength = Self.strength(of: airline)
      guard strength > 0 else { continue }
      let name = words(airline.name)
      add(name, .airline(airline.iata), priority: 45 + strength)
      var short = name
      while let last = short.last, Self.airlineSuffixes.contains(last), short.count > 1 { short.removeLast() }
      if short.suffix(2) == ["air", "lines"], short.count > 2 { short.removeLast(2) }
      if short != name { add(short, .airline(airline.iata), priority: 40 + strength) }
    }

    for program in facts.programs.values {
      let meaning = EntityMention.Meaning.program(program.id)
      let name = words(program.name)
      add(name, meaning, priority: 60, requirement: .anyCase)
      let ownerWords = Set(program.owningAirlines.flatMap { code in words(facts.airline(code)?.name ?? "") + [code.lowercased()] })
      let distinctive = Array(name.drop { ownerWords.contains($0) })
      if !distinctive.isEmpty, distinctive != name { add(distinctive, meaning, priority: 60, requirement: .anyCase) }
      for alias in Self.programAliases[program.id] ?? [] { add(words(alias), meaning, priority: 60, requirement: .anyCase) }
      let currency = words(program.currencyName)
      let sharedCurrency = facts.programs.values.contains { $0.id != program.id && words($0.currencyName) == currency }
      if !sharedCurrency, !currency.isEmpty, !currency.allSatisfy(Self.genericCurrencyWords.contains) { add(currency, meaning, priority: 58, requirement: .anyCase) }
    }

    for alliance in facts.alliances.values {
      add(words(alliance.name), .alliance(alliance.id), priority: 55, requirement: .anyCase)
      for alias in Self.allianceAliases[alliance.id] ?? [] { add(words(alias), .alliance(alliance.id), priority: 55, requirement: .anyCase) }
    }

    // Tier names, and alliance statuses ("Oneworld Emerald") standing for every tier granting them.
    var tiersByName: [[String]: (name: String, options: [TierReference])] = [:]
    for (programID, tiers) in facts.eliteTiers {
      for tier in tiers {
        let reference = TierReference(programID: programID, tier: tier.name)
        tiersByName[words(tier.name), default: (tier.name, [])].options.append(reference)
        if let allianceTier = tier.allianceTier {
          tiersByName[words(allianceTier), default: (allianceTier, [])].options.append(reference)
        }
      }
    }
    for (key, tier) in tiersByName {
      add(key, .tier(name: tier.name, options: Array(Set(tier.options)).sorted()), priority: 40, requirement: .anyCase)
    }
  }

  /// Airlines travellers are likelier to mean rank higher among those sharing a name: with a
  /// loyalty program, in an alliance, active.
  private static func strength(of airline: AirlineFact) -> Int {
    (airline.programIDs.isEmpty ? 0 : 3) + (airline.allianceID == nil ? 0 : 1) + (airline.active == true ? 1 : 0)
  }

  static let genericAirportWords: Set<String> = ["airport", "international", "intl", "regional", "municipal", "aeroporto", "aeropuerto"]
  static let airlineSuffixes: Set<String> = ["airlines", "airline", "airways", "aviation", "company", "ltd", "inc"]
  static let genericCurrencyWords: Set<String> = ["miles", "mile", "points", "point"]

  /// Words that are also codes or place names but far likelier to be plain English.
  static let commonWords: Set<String> = [
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "back", "be", "best", "book", "both", "but", "buy", "by",
    "can", "class", "could", "day", "did", "do", "does", "earn", "each", "for", "from", "fly", "get", "give", "go", "had", "has", "have", "her",
    "his", "how", "i", "if", "in", "into", "is", "it", "its", "job", "just", "let", "many", "may", "me", "mile", "miles", "more", "most", "much",
    "my", "need", "new", "no", "not", "now", "of", "off", "on", "one", "or", "our", "out", "own", "per", "plan", "point", "points",
    "return", "round", "same", "say", "see", "she", "should", "so", "some", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "to", "too", "trip", "two", "up", "us", "use", "via", "want", "was", "way", "we", "what", "when", "where", "which", "who",
    "why", "will", "with", "would", "year", "yes", "you", "your",
  ]

  /// Upper-case words that are airline codes but usually mean something else.
  static let ambiguousAirlineCodes: Set<String> = [
    "AM", "AN", "AS", "AT", "BE", "BY", "DO", "EU", "GO", "HE", "HI", "ID", "IF", "IN", "IS", "IT", "ME", "MY", "NO", "OF", "OH", "OK", "ON",
    "OR", "PM", "SO", "TO", "TV", "UK", "UP", "US", "WE",
  ]

  /// Currency codes that happen to be IATA codes too.
  static let currencyCodes: Set<String> = ["USD", "GBP", "EUR", "CAD", "AUD", "JPY", "CHF", "NZD", "QAR", "AED", "SGD", "HKD"]

  /// "Dallas-Fort Worth" → "Dallas-Fort Worth", "Dallas", "Fort Worth".
  static func cityNames(_ city: String) -> [String] {
    let parts = city.split(whereSeparator: { "-/".contains($0) }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    return parts.count > 1 ? [city] + parts : [city]
  }

  /// The words of a name as the question's tokens fold them: lower case, no diacritics,
  /// split at anything but letters, digits and apostrophes.
  func words(_ text: String) -> [String] {
    let folded = text.unicodeScalars.allSatisfy(\.isASCII) ? text.lowercased() : QuestionTokenizer.fold(text)
    return folded.split { !($0.isLetter || ($0.isNumber && $0.isASCII) || $0 == "'" || $0 == "’") }.map {
      $0.replacingOccurrences(of: "’", with: "'")
    }
  }

  /// Adds a phrase. Without an explicit requirement, a one-word name must be capitalised
  /// as written, and a name made only of common words ("I Fly") needs every word capitalised;
  /// a single common word is never a name.
  private mutating func add(_ phraseWords: [String], _ meaning: EntityMention.Meaning, priority: Int, requirement: Requirement? = nil) {
    guard !phraseWords.isEmpty else { return }
    let common = phraseWords.allSatisfy(Self.commonWords.contains)
    if phraseWords.count == 1, requirement == nil, common { return }
    let implied: Requirement = phraseWords.count == 1 ? .capitalized : common ? .everyWordCapitalized : .anyCase
    add(phraseWords.joined(separator: " "), meaning, priority: priority, requirement: requirement ?? implied)
    longestPhrase = max(longestPhrase, phraseWords.count)
  }

  private mutating func add(_ phrase: String, _ meaning: EntityMention.Meaning, priority: Int, requirement: Requirement) {
    var entries = phrases[phrase, default: []]
    // Places spelled the same merge into one ambiguous place.
    if case .place(let name, let airports) = meaning,
      let index = entries.firstIndex(where: { if case .place = $0.meaning { $0.priority == priority } else { false } }),
      case .place(let existingName, let existing) = entries[index].meaning
    {
      if !existing.contains(airports[0]) {
        entries[index].meaning = .place(name: existingName.count <= name.count ? existingName : name, airports: (existing + airports).sorted())
      }
      phrases[phrase] = entries
      return
    }
    if entries.contains(where: { $0.meaning == meaning }) { return }
    entries.append(Entry(meaning: meaning, priority: priority, requirement: requirement))
    phrases[phrase] = entries
  }
}

extension EntityLexicon {
  private static let cache = Mutex<(fingerprint: Int, lexicon: EntityLexicon)?>(nil)

  /// The lexicon of `facts`, reused while the names it is built from stay the same, so that
  /// answering questions does not re-index thousands of airports per call.
  static func shared(for facts: LoyaltyFacts) -> EntityLexicon {
    let fingerprint = nameFingerprint(of: facts)
    if let cached = cache.withLock({ $0 }), cached.fingerprint == fingerprint { return cached.lexicon }
    let lexicon = EntityLexicon(facts: facts)
    cache.withLock { $0 = (fingerprint, lexicon) }
    return lexicon
  }

  /// A hash of everything the lexicon reads, independent of dictionary order.
  static func nameFingerprint(of facts: LoyaltyFacts) -> Int {
    func hash(_ parts: String?...) -> Int {
      var hasher = Hasher()
      for part in parts { hasher.combine(part) }
      return hasher.finalize()
    }
    var total = 0
    for airport in facts.airports.values { total &+= hash("airport", airport.iata, airport.name, airport.city, airport.country) }
    for airline in facts.airlines.values {
      total &+= hash("airline", airline.iata, airline.name, airline.allianceID, airline.programIDs.joined(separator: ","), airline.active.map(String.init))
    }
    for program in facts.programs.values {
      total &+= hash("program", program.id, program.name, program.currencyName, program.owningAirlines.joined(separator: ","))
    }
    for alliance in facts.alliances.values { total &+= hash("alliance", alliance.id, alliance.name) }
    for (program, tiers) in facts.eliteTiers {
      for tier in tiers { total &+= hash("tier", program, tier.name, tier.allianceTier) }
    }
    return total
  }
}

/// Finds the entities of an `EntityLexicon` in a question, longest match first.
struct EntityRecognizer: Sendable {
  let lexicon: EntityLexicon

  /// - Parameter skipping: token indices already read as something else (a fare class letter).
  func mentions(in tokens: [QuestionToken], skipping: Set<Int> = []) -> [EntityMention] {
    var mentions: [EntityMention] = []
    var index = 0
    while index < tokens.count {
      guard tokens[index].kind == .word, !skipping.contains(index) else {
        index += 1
        continue
      }
      if let flight = flightNumber(tokens[index]) {
        mentions.append(EntityMention(meaning: flight, tokens: index..<index + 1, text: tokens[index].text))
        index += 1
        continue
      }
      let span = phraseSpan(tokens, from: index, skipping: skipping)
      var matched: EntityMention?
      for count in stride(from: span.count, through: 1, by: -1) {
        let used = Array(span.prefix(count))
        let phrase = used.map { tokens[$0].folded }.joined(separator: " ")
        let entries = (lexicon.phrases[phrase] ?? []).filter { satisfies($0.requirement, tokens: tokens, at: used) }
        guard var best = entries.max(by: { $0.priority < $1.priority }) else { continue }
        // "from Qatar", "to Singapore": after a preposition of place a country beats an airline.
        if case .airline = best.meaning, let country = entries.first(where: { if case .country = $0.meaning { true } else { false } }),
          let previous = (0..<used[0]).last(where: { tokens[$0].kind == .word }),
          ["from", "to", "in", "into"].contains(tokens[previous].folded)
        {
          best = country
        }
        let range = used.first!..<(used.last! + 1)
        matched = EntityMention(meaning: best.meaning, tokens: range, text: QuestionTokenizer.text(of: tokens[range]))
        break
      }
      if let matched {
        mentions.append(matched)
        index = matched.tokens.upperBound
      } else {
        index += 1
      }
    }
    return mentions
  }

  /// Consecutive words from `start`, allowing a dash or dot between them, up to the
  /// longest phrase the lexicon holds.
  private func phraseSpan(_ tokens: [QuestionToken], from start: Int, skipping: Set<Int>) -> [Int] {
    var span = [start]
    var index = start + 1
    while span.count < lexicon.longestPhrase, index < tokens.count {
      let token = tokens[index]
      if token.kind == .word, !skipping.contains(index) {
        span.append(index)
        index += 1
      } else if token.kind == .symbol, token.isDash || token.text == ".", index + 1 < tokens.count, tokens[index + 1].kind == .word,
        tokens[index].range.lowerBound == tokens[index - 1].range.upperBound
      {
        index += 1
      } else {
        break
      }
    }
    return span
  }

  private func satisfies(_ requirement: EntityLexicon.Requirement, tokens: [QuestionToken], at used: [Int]) -> Bool {
    let first = tokens[used[0]]
    switch requirement {
    case .anyCase:
      return true
    case .capitalized:
      return first.isCapitalized
    case .everyWordCapitalized:
      return used.allSatisfy { tokens[$0].isCapitalized }
    case .airlineCode:
      guard !EntityLexicon.ambiguousAirlineCodes.contains(first.text.uppercased()) else { return false }
      if first.isUppercase { return true }
      // "on ba", "flying ua": a lower-case code right after a word that introduces a carrier.
      let position = used[0]
      guard !EntityLexicon.commonWords.contains(first.folded), position > 0, tokens[position - 1].kind == .word else { return false }
      return ["on", "fly", "flying", "flew", "with", "by"].contains(tokens[position - 1].folded)
    case .airportCode:
      guard !EntityLexicon.currencyCodes.contains(first.text.uppercased()) else { return false }
      if first.isUppercase { return true }
      guard !EntityLexicon.commonWords.contains(first.folded) else { return false }
      let position = used[0]
      let previousWord = (0..<position).reversed().first { tokens[$0].kind == .word }.map { tokens[$0].folded }
      if let previousWord, ["from", "to", "between", "via", "and"].contains(previousWord) { return true }
      let dashBefore = position > 0 && tokens[position - 1].isDash
      let dashAfter = position + 1 < tokens.count && tokens[position + 1].isDash
      return dashBefore || dashAfter
    }
  }

  /// "BA117" or "QR1": an airline code glued to a flight number.
  private func flightNumber(_ token: QuestionToken) -> EntityMention.Meaning? {
    let text = token.text
    guard (3...6).contains(text.count), text.isUpperAlphanumeric else { return nil }
    let carrier = String(text.prefix(2))
    let number = text.dropFirst(2)
    guard carrier.contains(where: \.isLetter), !number.isEmpty, number.allSatisfy(\.isNumber), lexicon.airlineCodes.contains(carrier) else {
      return nil
    }
    return .flight(carrier: carrier, number: String(number))
  }


}

extension String {
  fileprivate var isUpperAlphanumeric: Bool {
    unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
  }
}
