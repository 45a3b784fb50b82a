import Foundation
import GraphModel
import LoyaltyAPI
import SwiftProtobuf

/// What the advisor knows about the traveller asking: elite status and balance per program
/// id, and the airport they usually fly from.
public struct TravellerContext: Sendable, Hashable {
  /// Tier by program id, as the program spells it ("" for a base member).
  public var statuses: [String: String]
  /// Points by program id.
  public var balances: [String: Int64]
  /// IATA code; used as the origin when a question names only a destination.
  public var homeAirport: String?

  public init(statuses: [String: String] = [:], balances: [String: Int64] = [:], homeAirport: String? = nil) {
    self.statuses = statuses
    self.balances = balances
    self.homeAirport = homeAirport
  }
}

/// Ask: answers a question in English from the graph.
///
/// The question is read for entities (airports by code, name or city; airlines; programs and
/// their everyday names; elite tiers; cabins; fare-class letters; passengers; amounts of money
/// and points) and an intent. The answer's numbers all come from the tools —
/// `EarningsCalculator`, `AwardPathfinder`, `TransferPlanner`, `CreditingRecommender` — or are
/// quoted from the graph; the answerer only assembles sentences around them and cites the
/// documents behind them. The subgraph around the recognised entities is returned as context.
/// When the question lacks something a tool needs (an origin, a cabin, which of a city's
/// airports), the response says what in `clarification` instead of guessing.
///
/// An optional `AnswerPhrasing` may reword the answer; its text is used only when every number
/// in it appears in the draft, the facts given to it or the question.
///
/// Building one indexes every airport, airline and program name; the index is shared between
/// answerers built from facts with the same names, so creating one per call stays cheap.
public struct QuestionAnswerer: Sendable {
  /// Longer questions are taken for a mistake.
  public static let maximumQuestionLength = 2_000

  public let facts: LoyaltyFacts
  /// The travel date when a question gives none, and the date award charts are checked against.
  public let today: CalendarDate
  let parser: QuestionParser

  /// - Parameter today: the current date by default (UTC).
  public init(facts: LoyaltyFacts, today: CalendarDate? = nil) {
    self.facts = facts
    self.today = today ?? AwardPathfinder.currentDate()
    self.parser = QuestionParser(recognizer: EntityRecognizer(lexicon: EntityLexicon.shared(for: facts)))
  }

  /// - Parameters:
  ///   - profile: the asking traveller's statuses, balances and home airport; what the
  ///     question states overrides it.
  ///   - phraser: rewords the offline answer; on failure or invented numbers the offline
  ///     answer is returned with `phrased_by` "offline".
  public func answer(_ request: Loyalty_Advisor_V1_AskRequest, profile: TravellerContext? = nil, phraser: (any AnswerPhrasing)? = nil)
    async throws(AdvisorError) -> Loyalty_Advisor_V1_AskResponse
  {
    let question = request.question.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !question.isEmpty else { throw .invalid("question", "is required, e.g. \"How many AAdvantage miles do I earn on BA from LHR to JFK in I class?\"") }
    guard question.count <= Self.maximumQuestionLength else {
      throw .invalid("question", "has \(question.count) characters; at most \(Self.maximumQuestionLength) are allowed")
    }

    let parsed = parser.parse(question)
    let traveller = profile ?? TravellerContext()
    var draft: AnswerDraft
    switch parsed.intent {
    case .earnings: draft = earningsAnswer(parsed, traveller: traveller)
    case .crediting: draft = creditingAnswer(parsed, traveller: traveller)
    case .award: draft = awardAnswer(parsed, traveller: traveller)
    case .transfer: draft = transferAnswer(parsed, traveller: traveller)
    case .route: draft = routeAnswer(parsed, traveller: traveller)
    case .facts: draft = factsAnswer(parsed)
    }

    let entities = recognizedEntities(parsed)
    let context = SubgraphRetriever(facts: facts).retrieve(from: entities.map(\.nodeID) + draft.usedFactIDs)

    var response = Loyalty_Advisor_V1_AskResponse()
    response.intent = parsed.intent.rawValue
    response.entities = entities
    response.contextNodeIds = context.nodeIDs
    response.contextEdges = context.edges
    response.citations = draft.citations.citations
    response.toolsUsed = draft.toolsUsed
    response.clarification = draft.clarification
    if let earnings = draft.earnings { response.earnings = earnings }
    if let award = draft.award { response.awardPathways = award }
    response.phrasedBy = "offline"
    response.answer = draft.text

    if let phraser, draft.clarification.isEmpty, !draft.text.isEmpty {
      do {
        let phrased = try await phraser.phrase(question: question, draft: draft.text, facts: draft.facts)
          .trimmingCharacters(in: .whitespacesAndNewlines)
        let invented = NumberCheck.unsupportedNumbers(in: phrased, sources: [draft.text, question] + draft.facts)
        if phrased.isEmpty {
          response.answer = draft.text + " (Offline answer: \(phraser.name) returned no text.)"
        } else if invented.isEmpty {
          response.answer = phrased
          response.phrasedBy = phraser.name
        } else {
          response.answer = draft.text + " (Offline answer: \(phraser.name)'s wording stated numbers the tools did not produce: \(invented.joined(separator: ", ")).)"
        }
      } catch {
        response.answer = draft.text + " (Offline answer: \(phraser.name) was unavailable.)"
      }
    }
    return response
  }
}

/// An answer before phrasing: its text, what it was built from, or what is missing.
struct AnswerDraft {
  var text = ""
  var clarification = ""
  var toolsUsed: [String] = []
  /// Lines the phraser may draw on: the tools' explanations and the facts quoted.
  var facts: [String] = []
  var citations: CitationCollector
  /// Facts the answer used, besides the recognised entities, to retrieve context around.
  var usedFactIDs: [String] = []
  var earnings: Loyalty_Advisor_V1_CalculateEarningsResponse?
  var award: Loyalty_Advisor_V1_FindAwardPathwaysResponse?

  init(facts: LoyaltyFacts) {
    citations = CitationCollector(facts: facts)
  }

  /// A draft that asks for what is missing; the text says it too.
  static func clarify(_ missing: String, facts: LoyaltyFacts) -> AnswerDraft {
    var draft = AnswerDraft(facts: facts)
    draft.clarification = missing
    draft.text = missing
    return draft
  }
}

extension QuestionAnswerer {
  /// The entities as the response lists them: the words, the node they were taken to mean,
  /// its label. Words naming several airports list each.
  func recognizedEntities(_ parsed: ParsedQuestion) -> [Loyalty_Advisor_V1_RecognizedEntity] {
    func entity(_ text: String, _ nodeID: String, _ label: String) -> Loyalty_Advisor_V1_RecognizedEntity {
      .with {
        $0.text = text
        $0.nodeID = nodeID
        $0.label = label
      }
    }
    var entities: [Loyalty_Advisor_V1_RecognizedEntity] = []
    for mention in parsed.mentions {
      switch mention.meaning {
      case .place(_, let airports):
        guard !parsed.narrowedPlaces.contains(mention.tokens) else { continue }
        let main = Self.mainAirports[QuestionTokenizer.fold(mention.text)].flatMap { airports.contains($0) ? [$0] : nil }
        for code in main ?? airports { entities.append(entity(mention.text, facts.airport(code)?.id ?? NodeID.airport(code), NodeLabel.airport.rawValue)) }
      case .airline(let code), .flight(let code, _):
        entities.append(entity(mention.text, facts.airline(code)?.id ?? NodeID.airline(code), NodeLabel.airline.rawValue))
      case .program(let id):
        entities.append(entity(mention.text, facts.program(id)?.nodeID ?? NodeID.program(id), NodeLabel.loyaltyProgram.rawValue))
      case .alliance(let id):
        entities.append(entity(mention.text, id, NodeLabel.alliance.rawValue))
      case .tier(_, let options):
        let chosen = options.filter { parsed.programs.contains($0.programID) }
        for option in chosen.isEmpty ? options : chosen {
          if let tier = facts.eliteTier(program: option.programID, name: option.tier) {
            entities.append(entity(mention.text, tier.id, NodeLabel.eliteTier.rawValue))
          }
        }
      case .country:
        break
      }
    }
    if let letter = parsed.fareClass, let text = parsed.fareClassText {
      let carrier = parsed.flight?.carrier ?? parsed.airlines.first
      let node = carrier.flatMap { facts.fareClass(carrier: $0, code: letter) }?.id ?? ""
      entities.append(entity(text, node, NodeLabel.fareClass.rawValue))
    }
    if let cabin = parsed.cabin, let text = parsed.cabinText { entities.append(entity(text, "", "Cabin:\(cabin.rawValue)")) }
    for balance in parsed.balances {
      entities.append(entity(balance.text, facts.program(balance.programID)?.nodeID ?? NodeID.program(balance.programID), "Balance"))
    }
    return entities
  }

  /// The main airport of cities served by several, by IATA city: what a traveller naming
  /// just the city most likely means. Used only when that airport is among the matches, and
  /// the answer says which airport it took.
  static let mainAirports: [String: String] = [
    "london": "LHR", "new york": "JFK", "paris": "CDG", "tokyo": "HND", "chicago": "ORD", "washington": "IAD", "los angeles": "LAX",
    "sydney": "SYD", "melbourne": "MEL", "milan": "MXP", "rome": "FCO", "moscow": "SVO", "sao paulo": "GRU", "buenos aires": "EZE",
    "rio de janeiro": "GIG", "bangkok": "BKK", "seoul": "ICN", "shanghai": "PVG", "beijing": "PEK", "istanbul": "IST", "dubai": "DXB",
    "toronto": "YYZ", "montreal": "YUL", "houston": "IAH", "dallas": "DFW", "stockholm": "ARN", "osaka": "KIX", "jakarta": "CGK",
    "berlin": "BER", "miami": "MIA", "san francisco": "SFO", "vancouver": "YVR", "frankfurt": "FRA", "doha": "DOH", "singapore": "SIN",
    "hong kong": "HKG", "madrid": "MAD", "barcelona": "BCN", "amsterdam": "AMS", "zurich": "ZRH", "boston": "BOS", "seattle": "SEA",
    "delhi": "DEL", "new delhi": "DEL", "mumbai": "BOM", "johannesburg": "JNB", "mexico city": "MEX", "lisbon": "LIS", "dublin": "DUB",
  ]

  /// The airport of a place, or what to ask when the words name several or none.
  func airport(of place: ParsedQuestion.Place?, role: String) -> Result<(airport: AirportFact, note: String?), ClarificationNeeded> {
    guard let place else { return .failure(.init("Which airport is the \(role)? Name it by IATA code (e.g. LHR) or city.")) }
    if place.airports.count == 1, let airport = facts.airport(place.airports[0]) { return .success((airport, nil)) }
    let city = QuestionTokenizer.fold(place.mention.text)
    if let main = Self.mainAirports[city], place.airports.contains(main), let airport = facts.airport(main) {
      let others = place.airports.filter { $0 != main }.prefix(4).joined(separator: ", ")
      return .success((airport, "\(place.mention.text) taken as \(main), \(airport.name); name \(others) or another code for a different airport"))
    }
    let options = place.airports.prefix(8).compactMap { facts.airport($0) }.map { "\($0.iata) (\($0.name)\($0.city.map { ", \($0)" } ?? ""))" }
    return .failure(
      .init("“\(place.mention.text)” matches several airports: \(options.joined(separator: ", ")). Which one is the \(role)? Use its IATA code."))
  }

  /// Origin and destination, with the traveller's home airport as the origin when the question
  /// names only where they are going, and notes on any airport the answer chose.
  func route(_ parsed: ParsedQuestion, traveller: TravellerContext) -> Result<(origin: AirportFact, destination: AirportFact, notes: [String]), ClarificationNeeded> {
    guard parsed.origin != nil || parsed.destination != nil else {
      return .failure(.init("Which airports? Name the origin and the destination, e.g. “from LHR to JFK”."))
    }
    var notes: [String] = []
    let origin: AirportFact
    if parsed.origin == nil, let home = traveller.homeAirport.flatMap({ facts.airport($0.uppercased()) }) {
      origin = home
      notes.append("from your home airport \(home.iata)")
    } else {
      switch airport(of: parsed.origin, role: "origin") {
      case .success(let found):
        origin = found.airport
        if let note = found.note { notes.append(note) }
      case .failure(let missing): return .failure(missing)
      }
    }
    switch airport(of: parsed.destination, role: "destination") {
    case .success(let found):
      guard found.airport.iata != origin.iata else {
        return .failure(.init("The origin and destination are both \(origin.iata); which other airport is the trip to or from?"))
      }
      if let note = found.note { notes.append(note) }
      return .success((origin, found.airport, notes))
    case .failure(let missing):
      return .failure(missing)
    }
  }
}

/// What a question must add before it can be answered.
struct ClarificationNeeded: Error {
  var message: String
  init(_ message: String) { self.message = message }
}
