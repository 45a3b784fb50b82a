import Foundation
import GraphModel

/// What a question asks for, as the advisor's tools can answer it.
enum QuestionIntent: String, Sendable, Hashable {
  case earnings
  case award
  case transfer
  case route
  case crediting
  case facts
}

/// A question read into what the tools need: places in their roles, carriers, programs,
/// cabin, fare class, passengers, amounts, and the intent. Nothing here is computed from the
/// graph's numbers; it only records what the question says.
struct ParsedQuestion: Sendable {
  struct Place: Sendable, Hashable {
    var mention: EntityMention
    var name: String
    /// One airport when the words name one; several for a city with more than one.
    var airports: [String]
  }

  struct Balance: Sendable, Hashable {
    var programID: String
    var points: Int64
    var text: String
  }

  struct Tier: Sendable, Hashable {
    var mention: EntityMention
    /// As the graph spells it: a tier name or an alliance status.
    var name: String
    var options: [TierReference]
    /// A tier the traveller wants to reach rather than one they hold.
    var isGoal: Bool
  }

  struct Money: Sendable, Hashable {
    enum Part: String, Sendable { case base, carrierFees, taxes, total }
    var part: Part
    var amount: Double
    var currency: String?
    var text: String
  }

  var question: String
  var tokens: [QuestionToken]
  var mentions: [EntityMention]
  var intent: QuestionIntent
  var origin: Place?
  var destination: Place?
  /// Places beyond the first two, in order.
  var otherPlaces: [Place] = []
  /// Token ranges of city names a following airport code narrowed ("New York JFK").
  var narrowedPlaces: Set<Range<Int>> = []
  var airlines: [String] = []
  var flight: (carrier: String, number: String)?
  var programs: [String] = []
  var alliances: [String] = []
  var tiers: [Tier] = []
  var cabin: Cabin?
  var cabinText: String?
  var fareClass: String?
  var fareClassText: String?
  var passengers: Int?
  var roundTrip = false
  var money: [Money] = []
  var balances: [Balance] = []
  /// Points or miles the question states without saying in which program.
  var unattributedPoints: [String] = []
  var travelDate: CalendarDate?
  /// Words that tell which program facts are asked for ("tiers", "partners"…).
  var topics: Set<String> = []
}

/// Reads a question with an `EntityRecognizer`.
struct QuestionParser: Sendable {
  let recognizer: EntityRecognizer

  static let numberWords: [String: Int] = [
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
  ]
  static let passengerNouns: Set<String> = [
    "passenger", "passengers", "people", "persons", "adults", "adult", "travellers", "travelers", "traveller", "traveler", "tickets",
    "seats", "pax",
  ]
  static let pointUnits: Set<String> = ["points", "point", "miles", "mile", "avios", "pts"]

  func parse(_ question: String) -> ParsedQuestion {
    let tokens = QuestionTokenizer.tokens(of: question)
    let (fareClass, fareClassTokens) = Self.fareClass(in: tokens)
    let mentions = recognizer.mentions(in: tokens, skipping: fareClassTokens)
    let words = " " + tokens.filter { $0.kind == .word }.map(\.folded).joined(separator: " ") + " "

    var parsed = ParsedQuestion(question: question, tokens: tokens, mentions: mentions, intent: .facts)
    if let fareClass {
      parsed.fareClass = fareClass.letter
      parsed.fareClassText = fareClass.text
    }
    assignPlaces(&parsed, tokens: tokens)
    for mention in mentions {
      switch mention.meaning {
      case .airline(let code): if !parsed.airlines.contains(code) { parsed.airlines.append(code) }
      case .flight(let carrier, let number):
        parsed.flight = (carrier, number)
        if !parsed.airlines.contains(carrier) { parsed.airlines.append(carrier) }
      case .program(let id): if !parsed.programs.contains(id) { parsed.programs.append(id) }
      case .alliance(let id): if !parsed.alliances.contains(id) { parsed.alliances.append(id) }
      case .tier(let name, let options):
        parsed.tiers.append(.init(mention: mention, name: name, options: options, isGoal: Self.isGoal(mention, tokens: tokens)))
      case .place, .country: break
      }
    }
    (parsed.cabin, parsed.cabinText) = Self.cabin(in: words)
    parsed.passengers = Self.passengers(in: tokens, words: words)
    parsed.roundTrip = [" round trip ", " roundtrip ", " return trip ", " return flight ", " return ticket ", " there and back ", " both ways ", " return "]
      .contains { words.contains($0) } && !words.contains(" one way ")
    parsed.money = Self.money(in: tokens, mentions: mentions)
    (parsed.balances, parsed.unattributedPoints) = Self.balances(in: tokens, mentions: mentions, money: parsed.money)
    parsed.travelDate = Self.date(in: tokens)
    parsed.topics = Self.topics(in: words)
    parsed.intent = Self.intent(of: parsed, words: words)
    return parsed
  }

  // MARK: Places

  private func assignPlaces(_ parsed: inout ParsedQuestion, tokens: [QuestionToken]) {
    var places: [(place: ParsedQuestion.Place, role: String?)] = []
    for mention in parsed.mentions {
      guard case .place(let name, let airports) = mention.meaning else { continue }
      // "New York JFK", "London (LHR)": a code right after a city narrows it.
      if let last = places.last, airports.count == 1, last.place.airports.count > 1, last.place.airports.contains(airports[0]),
        tokens[last.place.mention.tokens.upperBound..<mention.tokens.lowerBound].allSatisfy({ $0.kind == .symbol })
      {
        parsed.narrowedPlaces.insert(last.place.mention.tokens)
        places[places.count - 1].place = ParsedQuestion.Place(mention: mention, name: name, airports: airports)
        continue
      }
      let previous = (0..<mention.tokens.lowerBound).reversed().first { tokens[$0].kind != .symbol || tokens[$0].isDash }
      var role: String?
      if let previous {
        let word = tokens[previous].folded
        if ["from", "leaving", "departing", "between"].contains(word) { role = "origin" }
        if ["to", "into", "toward", "towards", "and"].contains(word) || tokens[previous].isDash { role = "destination" }
        if word == "and", places.last?.role != "origin" { role = nil }
      }
      places.append((ParsedQuestion.Place(mention: mention, name: name, airports: airports), role))
    }
    var origin = places.first { $0.role == "origin" }?.place
    var destination = places.first { $0.role == "destination" && $0.place != origin }?.place
    var rest: [ParsedQuestion.Place] = []
    for (place, _) in places where place != origin && place != destination {
      if origin == nil, destination.map({ place.mention.tokens.lowerBound < $0.mention.tokens.lowerBound }) ?? true {
        origin = place
      } else if destination == nil {
        destination = place
      } else {
        rest.append(place)
      }
    }
    parsed.origin = origin
    parsed.destination = destination
    parsed.otherPlaces = rest
  }

  // MARK: Fare class and cabin

  /// "in I class", "I-class", "fare class I", "booking code I", "class I", "an I fare".
  static func fareClass(in tokens: [QuestionToken]) -> (match: (letter: String, text: String)?, tokens: Set<Int>) {
    func letter(_ index: Int, anyCase: Bool = false) -> String? {
      guard index >= 0, index < tokens.count, tokens[index].kind == .word, tokens[index].text.count == 1,
        let character = tokens[index].text.first, character.isLetter, character.isASCII, anyCase || character.isUppercase
      else { return nil }
      return tokens[index].text.uppercased()
    }
    func word(_ index: Int) -> String? { index >= 0 && index < tokens.count && tokens[index].kind == .word ? tokens[index].folded : nil }
    let followers: Set<String> = ["on", "from", "to", "with", "for", "and", "ticket", "fare", "between", "in", "booking", "seat", "seats"]
    for index in tokens.indices {
      if let code = letter(index) {
        let next = index + 1 < tokens.count && tokens[index + 1].isDash ? index + 2 : index + 1
        if word(next) == "class" || (word(next) == "fare" && word(index - 1) != nil && ["an", "a", "in"].contains(word(index - 1)!)) {
          return ((code, QuestionTokenizer.text(of: tokens[index...next])), [index])
        }
      }
      if let first = word(index), ["fare", "booking"].contains(first), let second = word(index + 1), ["class", "code", "bucket"].contains(second),
        let code = letter(index + 2, anyCase: true)
      {
        return ((code, QuestionTokenizer.text(of: tokens[index...index + 2])), [index + 2])
      }
      // "in J", "in Y with a $900 fare"; "in I" only at the end of a clause, where it cannot be the pronoun.
      if word(index) == "in", let code = letter(index + 1) {
        let after = index + 2
        let endsClause = after >= tokens.count || tokens[after].kind == .symbol
        if endsClause || (code != "I" && followers.contains(word(after) ?? "")) {
          return ((code, QuestionTokenizer.text(of: tokens[index...index + 1])), [index + 1])
        }
      }
      if word(index) == "class", let code = letter(index + 1) {
        let after = index + 2
        if after >= tokens.count || tokens[after].kind == .symbol || followers.contains(word(after) ?? "") {
          return ((code, QuestionTokenizer.text(of: tokens[index...index + 1])), [index + 1])
        }
      }
    }
    return (nil, [])
  }

  static func cabin(in words: String) -> (Cabin?, String?) {
    let cabins: [(String, Cabin)] = [
      (" premium economy ", .premiumEconomy), (" premium cabin ", .premiumEconomy), (" economy ", .economy), (" coach ", .economy),
      (" main cabin ", .economy), (" business ", .business), (" biz ", .business), (" club world ", .business), (" polaris ", .business),
      (" qsuite ", .business), (" first class ", .first), (" in first ", .first), (" fly first ", .first), (" flying first ", .first),
    ]
    for (phrase, cabin) in cabins where words.contains(phrase) {
      return (cabin, phrase.trimmingCharacters(in: .whitespaces))
    }
    return (nil, nil)
  }

  // MARK: Passengers, dates

  static func passengers(in tokens: [QuestionToken], words: String) -> Int? {
    func count(_ token: QuestionToken) -> Int? {
      if token.kind == .number, let value = token.value, value == value.rounded(), value >= 0, value < 1_000 { return Int(value) }
      return token.kind == .word ? numberWords[token.folded] : nil
    }
    for index in tokens.indices {
      guard let number = count(tokens[index]) else { continue }
      let next = index + 1 < tokens.count ? tokens[index + 1] : nil
      if let next, passengerNouns.contains(next.folded) { return number }
      if next?.folded == "of", index + 2 < tokens.count, tokens[index + 2].folded == "us" { return number }
      // "for two", "for 2 in business" — but not "for 2,000 points" or "for 2 nights".
      if index > 0, tokens[index - 1].folded == "for", next.map({ $0.kind == .symbol || ["in", "on", "from", "to", "round", "one"].contains($0.folded) }) ?? true {
        return number
      }
      if index > 1, tokens[index - 1].folded == "of", tokens[index - 2].folded == "family" { return number }
    }
    for phrase in [" my wife and i ", " my husband and i ", " my partner and i ", " me and my wife ", " me and my husband ", " me and my partner "]
    where words.contains(phrase) {
      return 2
    }
    return nil
  }

  /// Whether the number is joined by a dash to another number ("2025-06-01", "2-3").
  static func isInDate(_ tokens: [QuestionToken], _ index: Int) -> Bool {
    func joined(_ dash: Int, _ other: Int) -> Bool {
      tokens.indices.contains(dash) && tokens.indices.contains(other) && tokens[dash].isDash && tokens[other].kind == .number
        && tokens[min(dash, other)].range.upperBound == tokens[max(dash, other)].range.lowerBound
    }
    return joined(index + 1, index + 2) || joined(index - 1, index - 2)
  }

  /// YYYY-MM-DD written in the question.
  static func date(in tokens: [QuestionToken]) -> CalendarDate? {
    guard tokens.count >= 5 else { return nil }
    for index in 0...(tokens.count - 5) {
      let parts = tokens[index..<index + 5]
      let texts = parts.map(\.text)
      guard parts[index].kind == .number, texts[1] == "-", texts[3] == "-", parts[index + 2].kind == .number, parts[index + 4].kind == .number,
        texts[0].count == 4, texts[2].count == 2, texts[4].count == 2
      else { continue }
      if let date = CalendarDate("\(texts[0])-\(texts[2])-\(texts[4])") { return date }
    }
    return nil
  }

  // MARK: Money and balances

  static let moneyWords: [String: ParsedQuestion.Money.Part] = [
    "base": .base, "fare": .base, "fares": .base, "carrier": .carrierFees, "surcharge": .carrierFees, "surcharges": .carrierFees,
    "fees": .carrierFees, "fee": .carrierFees, "yq": .carrierFees, "yr": .carrierFees, "fuel": .carrierFees, "tax": .taxes, "taxes": .taxes,
    "total": .total, "paid": .total, "cost": .total, "costs": .total, "price": .total, "ticket": .total,
  ]
  static let currencyWords: [String: String] = [
    "usd": "USD", "dollars": "USD", "dollar": "USD", "gbp": "GBP", "pounds": "GBP", "eur": "EUR", "euros": "EUR", "euro": "EUR", "cad": "CAD",
    "aud": "AUD", "chf": "CHF", "qar": "QAR",
  ]

  /// Amounts of money: a number with a currency symbol or code, or one next to "fare",
  /// "fees", "taxes"; what part of the price it is comes from the nearest such word.
  static func money(in tokens: [QuestionToken], mentions: [EntityMention]) -> [ParsedQuestion.Money] {
    let programStarts = Set(mentions.compactMap { mention -> Int? in
      if case .program = mention.meaning { return mention.tokens.lowerBound } else { return nil }
    })
    var found: [ParsedQuestion.Money] = []
    for (index, token) in tokens.enumerated() where token.kind == .number && !isInDate(tokens, index) {
      var currency = token.currency
      if currency == nil, index + 1 < tokens.count { currency = currencyWords[tokens[index + 1].folded] }
      if currency == nil, index > 0 { currency = currencyWords[tokens[index - 1].folded] }
      var nearest: (distance: Int, part: ParsedQuestion.Money.Part)?
      for direction in [1, -1] {
        var cursor = index + direction
        var distance = 1
        while cursor >= 0, cursor < tokens.count, distance <= 4, tokens[cursor].kind != .number {
          if let part = moneyWords[tokens[cursor].folded], nearest.map({ distance < $0.distance }) ?? true { nearest = (distance, part) }
          if tokens[cursor].kind == .word { distance += 1 }
          cursor += direction
        }
      }
      guard currency != nil || nearest != nil, let value = token.value else { continue }
      // A number right before a points unit or a program is a balance, not money.
      if currency == nil, index + 1 < tokens.count, pointUnits.contains(tokens[index + 1].folded) || programStarts.contains(index + 1) { continue }
      found.append(.init(part: nearest?.part ?? .total, amount: value, currency: currency, text: token.text))
    }
    return found
  }

  /// "80,000 Amex points", "20k Avios", "50,000 points in Membership Rewards", "Amex balance
  /// of 80,000", "Avios: 20,000".
  static func balances(in tokens: [QuestionToken], mentions: [EntityMention], money: [ParsedQuestion.Money])
    -> ([ParsedQuestion.Balance], [String])
  {
    var programAt: [Int: (id: String, mention: EntityMention)] = [:]
    for mention in mentions {
      if case .program(let id) = mention.meaning { programAt[mention.tokens.lowerBound] = (id, mention) }
    }
    var balances: [ParsedQuestion.Balance] = []
    var unattributed: [String] = []
    let moneyTexts = Set(money.map(\.text))
    for (index, token) in tokens.enumerated()
    where token.kind == .number && token.currency == nil && !moneyTexts.contains(token.text) && !isInDate(tokens, index) {
      guard let value = token.value, value >= 1, value == value.rounded(), value < 1e12 else { continue }
      var program: (id: String, mention: EntityMention)?
      var cursor = index + 1
      while cursor < tokens.count, ["of", "my"].contains(tokens[cursor].folded) { cursor += 1 }
      program = programAt[cursor]
      if program == nil, cursor < tokens.count, pointUnits.contains(tokens[cursor].folded), cursor + 2 < tokens.count,
        ["in", "with", "from", "at", "on"].contains(tokens[cursor + 1].folded)
      {
        program = programAt[cursor + 2]
      }
      if program == nil {
        // "Amex balance of 80,000", "Avios: 20,000".
        var back = index - 1
        var steps = 0
        while back >= 0, steps < 3, programAt[back] == nil, ["balance", "of", ":", "is", "has", "have", "-"].contains(tokens[back].folded) {
          back -= 1
          steps += 1
        }
        if back >= 0, steps > 0, let before = programAt[back] ?? mentions.first(where: { $0.tokens.upperBound == back + 1 }).flatMap({ mention in
          if case .program(let id) = mention.meaning { return (id, mention) } else { return nil }
        }) {
          program = before
        }
      }
      let hasUnit = cursor < tokens.count && pointUnits.contains(tokens[cursor].folded)
      if let program {
        balances.append(.init(programID: program.id, points: Int64(value), text: "\(token.text) \(program.mention.text)"))
      } else if hasUnit {
        unattributed.append("\(token.text) \(tokens[cursor].text)")
      }
    }
    return (balances, unattributed)
  }

  // MARK: Intent

  static func topics(in words: String) -> Set<String> {
    let topics: [String: [String]] = [
      "tiers": [" tier ", " tiers ", " status ", " elite ", " qualify ", " qualification "],
      "partners": [" partner ", " partners ", " partner airlines "],
      "alliance": [" alliance ", " alliances "],
      "transfers": [" transfer ", " transfers ", " convert "],
      "pricing": [" dynamic ", " award chart ", " pricing "],
    ]
    return Set(topics.filter { entry in entry.value.contains { words.contains($0) } }.keys)
  }

  private static func isGoal(_ mention: EntityMention, tokens: [QuestionToken]) -> Bool {
    let goalCues: Set<String> = ["reach", "get", "earn", "qualify", "requalify", "toward", "towards", "achieve", "hit", "make", "for", "keep", "retain"]
    let statusCues: Set<String> = ["as", "i'm", "im", "am", "with", "have", "hold", "being", "currently"]
    var cursor = mention.tokens.lowerBound - 1
    var seen = 0
    while cursor >= 0, seen < 4 {
      if tokens[cursor].kind == .word {
        if goalCues.contains(tokens[cursor].folded) { return true }
        if statusCues.contains(tokens[cursor].folded) { return false }
        seen += 1
      }
      cursor -= 1
    }
    return false
  }

  static func intent(of parsed: ParsedQuestion, words: String) -> QuestionIntent {
    func has(_ phrases: [String]) -> Bool { phrases.contains { words.contains($0) } }
    let hasTrip = parsed.origin != nil || parsed.destination != nil
    let crediting = has([" which program ", " where should i credit ", " credit it to ", " credit to ", " best program ", " credit my ", " credit this "])
    let earn = has([" earn ", " earning ", " earns ", " accrue ", " accrual ", " do i get ", " will i get ", " would i get ", " get for "])
    let award = has([
      " award ", " redeem ", " redemption ", " book ", " use my ", " spend ", " afford ", " enough ", " do i need ", " need ", " pay with ",
      " cost in ", " with my ",
    ])
    let transfer = has([" transfer ", " transfers ", " convert ", " move my ", " ratio "])
    let route = has([" distance ", " how far ", " how long is ", " miles between ", " miles is it ", " route ", " nonstop ", " direct "])

    if parsed.tiers.contains(where: \.isGoal) && (earn || crediting || hasTrip) { return .crediting }
    if crediting { return .crediting }
    if transfer && !hasTrip { return .transfer }
    if earn && !has([" need ", " redeem ", " award "]) { return .earnings }
    if award && hasTrip { return .award }
    if transfer { return parsed.cabin != nil || award ? .award : .transfer }
    if route && (hasTrip || parsed.mentions.allSatisfy { if case .country = $0.meaning { true } else { false } }) { return .route }
    if hasTrip {
      if parsed.fareClass != nil || !parsed.money.isEmpty || parsed.flight != nil { return .earnings }
      if parsed.cabin != nil || !parsed.balances.isEmpty { return .award }
      return .route
    }
    if award { return .award }
    return .facts
  }
}
