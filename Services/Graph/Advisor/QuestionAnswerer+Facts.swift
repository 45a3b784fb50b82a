import Foundation
import GraphModel
import LoyaltyAPI

extension QuestionAnswerer {
  func routeAnswer(_ parsed: ParsedQuestion, traveller: TravellerContext) -> AnswerDraft {
    let origin: AirportFact
    let destination: AirportFact
    let routeNotes: [String]
    switch route(parsed, traveller: traveller) {
    case .success(let found): (origin, destination, routeNotes) = found
    case .failure(let missing): return .clarify(missing.message, facts: facts)
    }
    var draft = AnswerDraft(facts: facts)
    guard let distance = facts.distance(from: origin.iata, to: destination.iata) else {
      return .clarify("The graph has no coordinates for \(origin.iata) or \(destination.iata).", facts: facts)
    }
    draft.toolsUsed = ["Distance"]
    var text =
      "\(origin.iata) (\(origin.name)\(origin.city.map { ", \($0)" } ?? "")) to \(destination.iata) (\(destination.name)"
      + "\(destination.city.map { ", \($0)" } ?? "")) is \(Figures.integer(distance.miles)) miles \(distance.source), "
      + "\(origin.region?.rawValue ?? "unknown region") to \(destination.region?.rawValue ?? "unknown region")."
    for programID in parsed.programs {
      guard let published = facts.distance(from: origin.iata, to: destination.iata, program: programID), published.isPublished,
        let program = facts.program(programID)
      else { continue }
      text += " \(program.name) credits \(Figures.integer(published.miles)) miles (\(published.source))."
      if let source = program.sourceDocumentID { draft.citations.add(fact: program.nodeID, document: source) }
    }
    text += routeNotes.map { " (\($0).)" }.joined()
    draft.text = text
    draft.facts = [text]
    return draft
  }

  /// What the graph says about the programs, airlines, alliances or airports the question
  /// names, narrowed to the topics it asks about (tiers, partners, alliance, pricing).
  func factsAnswer(_ parsed: ParsedQuestion) -> AnswerDraft {
    var draft = AnswerDraft(facts: facts)
    var sentences: [String] = []
    for programID in parsed.programs {
      guard let program = facts.program(programID) else { continue }
      sentences += programFacts(program, topics: parsed.topics, draft: &draft)
    }
    if parsed.programs.isEmpty {
      for code in parsed.airlines {
        guard let airline = facts.airline(code) else { continue }
        var sentence = "\(airline.name) (\(airline.iata))"
        sentence += airline.alliance.map { " is a member of \($0)" } ?? " belongs to no alliance in the graph"
        let programs = airline.programIDs.compactMap { facts.program($0)?.name }
        sentence += programs.isEmpty ? "." : "; its loyalty program is \(programs.joined(separator: " and "))."
        sentences.append(sentence)
        if let allianceID = airline.allianceID, let source = facts.alliances[allianceID]?.sourceDocumentID {
          draft.citations.add(fact: allianceID, document: source)
        }
      }
      for allianceID in parsed.alliances {
        guard let alliance = facts.alliances[allianceID] else { continue }
        let members = alliance.members.map { facts.airline($0)?.name ?? $0 }
        sentences.append("\(alliance.name) members in the graph: \(members.joined(separator: ", ")).")
        if let source = alliance.sourceDocumentID { draft.citations.add(fact: alliance.id, document: source) }
      }
    }
    if sentences.isEmpty, parsed.programs.isEmpty, parsed.airlines.isEmpty, parsed.alliances.isEmpty {
      for place in [parsed.origin, parsed.destination].compactMap({ $0 }) {
        for airport in place.airports.prefix(8).compactMap({ facts.airport($0) }) {
          sentences.append(
            "\(airport.iata) is \(airport.name)\(airport.city.map { " in \($0)" } ?? ""), \(airport.country) (\(airport.region?.rawValue ?? "no region")).")
        }
      }
    }
    guard !sentences.isEmpty else {
      return .clarify(
        "I could not tell what the question is about. Name an airport, airline or program, e.g. “How many AAdvantage miles do I earn on BA from LHR to JFK in I class?”",
        facts: facts)
    }
    draft.text = sentences.joined(separator: " ")
    draft.facts = sentences
    return draft
  }

  private func programFacts(_ program: ProgramFact, topics: Set<String>, draft: inout AnswerDraft) -> [String] {
    var sentences: [String] = []
    let all = topics.isEmpty
    if let source = program.sourceDocumentID { draft.citations.add(fact: program.nodeID, document: source) }
    if all {
      let owners = program.owningAirlines.map { facts.airline($0)?.name ?? $0 }
      let kind = program.kind == .bank ? "a transferable bank currency" : "the loyalty program of \(owners.isEmpty ? "an airline" : owners.joined(separator: " and "))"
      var sentence = "\(program.name) is \(kind); balances are in \(program.currencyName)"
      if let pricing = program.awardPricing {
        let pricingText: String =
          switch pricing {
          case .fixed: "fixed award charts"
          case .dynamic: "dynamic award pricing"
          case .hybrid: "dynamic pricing on its own flights and charts for partners"
          }
        sentence += "; it uses \(pricingText)"
      }
      sentences.append(sentence + ".")
    } else if topics.contains("pricing"), let pricing = program.awardPricing {
      sentences.append("\(program.name) award pricing: \(pricing.rawValue).")
    }
    if all || topics.contains("tiers") {
      let tiers = facts.eliteTiers(program: program.id)
      if !tiers.isEmpty {
        let list = tiers.map { tier -> String in
          let needs = tier.qualification.sorted { $0.key < $1.key }.map { "\(Figures.number($0.value)) \($0.key)" }.joined(separator: " or ")
          return needs.isEmpty ? tier.name : "\(tier.name) (\(needs))"
        }
        sentences.append("\(program.name) elite tiers, lowest first: \(list.joined(separator: ", ")).")
        for tier in tiers { draft.citations.add(fact: tier.id, document: tier.sourceDocumentID) }
      } else if topics.contains("tiers") {
        sentences.append("The graph holds no elite tiers for \(program.name).")
      }
    }
    if all || topics.contains("partners") {
      if !program.partners.isEmpty {
        func uses(_ partner: ProgramPartner) -> String {
          [partner.earn == true ? "earn" : nil, partner.redeem == true ? "redeem" : nil].compactMap { $0 }.joined(separator: " and ")
        }
        let shared = Set(program.partners.map(uses)).count == 1 ? uses(program.partners[0]) : nil
        let list = program.partners.map { partner -> String in
          let name = facts.airline(partner.airline)?.name ?? partner.airline
          return shared != nil || uses(partner).isEmpty ? name : "\(name) (\(uses(partner)))"
        }
        let heading = shared.map { $0.isEmpty ? "partner airlines" : "partner airlines (\($0))" } ?? "partner airlines"
        sentences.append("\(program.name) \(heading): \(list.joined(separator: ", ")).")
        for partner in program.partners {
          if let source = partner.sourceDocumentID { draft.citations.add(fact: NodeID.airline(partner.airline), document: source) }
        }
      } else if topics.contains("partners") {
        sentences.append("The graph holds no partner airlines for \(program.name).")
      }
    }
    if topics.contains("alliance") {
      let alliances = Set(program.owningAirlines.compactMap { facts.airline($0)?.alliance })
      sentences.append(
        alliances.isEmpty ? "\(program.name)'s airline belongs to no alliance in the graph." : "\(program.name)'s airline is in \(alliances.sorted().joined(separator: ", ")).")
    }
    return sentences
  }
}
