import Foundation
import GraphModel
import LoyaltyAPI
import SwiftProtobuf

/// A paid trip read from a question, as the earnings tools take it.
struct QuestionItinerary {
  var itinerary: Loyalty_Advisor_V1_Itinerary
  var marketingCarrier: String
  /// e.g. "LHR–JFK on British Airways (BA) in fare class I (business)".
  var summary: String
  /// Assumptions the answer states: the travel date, the home airport used.
  var notes: [String]
}

extension QuestionAnswerer {
  func earningsAnswer(_ parsed: ParsedQuestion, traveller: TravellerContext) -> AnswerDraft {
    let trip: QuestionItinerary
    let statuses: [Loyalty_Advisor_V1_ProgramStatus]
    do {
      trip = try itinerary(parsed, traveller: traveller)
      statuses = try questionStatuses(parsed, carrier: trip.marketingCarrier)
    } catch {
      return .clarify(error.message, facts: facts)
    }
    let programs = parsed.programs.filter { facts.program($0)?.kind == .airline }
    if let missing = missingFare(trip, parsed: parsed, programs: programs) { return missing }

    var request = Loyalty_Advisor_V1_CalculateEarningsRequest()
    request.itinerary = trip.itinerary
    request.programIds = programs
    request.statuses = statuses
    let response: Loyalty_Advisor_V1_CalculateEarningsResponse
    do {
      response = try EarningsCalculator(facts: facts).calculate(request, profileStatuses: traveller.statuses)
    } catch {
      return .clarify("I could not calculate that: \(error.message).", facts: facts)
    }

    var draft = AnswerDraft(facts: facts)
    draft.toolsUsed = ["CalculateEarnings"]
    draft.earnings = response
    draft.citations.merge(response.citations)
    guard !response.programs.isEmpty else {
      draft.text = "No program in the graph credits \(trip.summary)."
      return draft
    }
    var sentences: [String] = []
    let shown = programs.isEmpty ? Array(response.programs.prefix(3)) : response.programs
    for program in shown {
      sentences.append(earningSentence(program, trip: trip))
      draft.facts += program.segments.flatMap(\.steps)
      for segment in program.segments where !segment.ruleID.isEmpty {
        draft.usedFactIDs.append(segment.ruleID)
        draft.facts.append("Rule \(segment.ruleID): \(segment.ruleDescription)")
      }
    }
    if programs.isEmpty, response.programs.count > shown.count {
      let others = response.programs.dropFirst(shown.count).map { "\($0.programName) \(Figures.integer($0.redeemableMiles))" }
      sentences.append("Other programs: \(others.joined(separator: ", ")).")
    }
    sentences += trip.notes.map { "(\($0).)" }
    draft.text = sentences.joined(separator: " ")
    return draft
  }

  private func earningSentence(_ program: Loyalty_Advisor_V1_ProgramEarnings, trip: QuestionItinerary) -> String {
    let tier = program.tier.isEmpty ? "as a base member" : "as \(program.tier)\(program.tierSource == "profile" ? " (your profile's status)" : "")"
    let reasons = program.segments.map(\.noEarningReason).filter { !$0.isEmpty }
    if program.redeemableMiles == 0, reasons.count == program.segments.count {
      return "\(trip.summary) earns no \(program.programName) \(program.currencyName): \(Array(Set(reasons)).sorted().joined(separator: "; "))."
    }
    var sentence = "\(trip.summary) earns \(Figures.integer(program.redeemableMiles)) \(program.programName) \(program.currencyName) \(tier)"
    let metrics = program.eliteMetrics.filter { $0.amount > 0 }.map { "\(Figures.number($0.amount)) \($0.name)" }
    if !metrics.isEmpty { sentence += " and \(metrics.joined(separator: ", "))" }
    sentence += "."
    var rules: [String] = []
    // One segment shows its arithmetic; several show their totals (the steps are in `earnings`).
    for segment in program.segments {
      let prefix = program.segments.count > 1 ? "\(segment.origin)–\(segment.destination): " : ""
      if !segment.noEarningReason.isEmpty {
        sentence += " \(prefix)nothing, because \(segment.noEarningReason)."
        continue
      }
      if program.segments.count == 1 {
        sentence += " \(segment.steps.joined(separator: "; "))."
      } else {
        sentence += " \(prefix)\(Figures.integer(segment.redeemableMiles)) \(program.currencyName)."
      }
      if !segment.ruleDescription.isEmpty {
        let source = facts.document(segment.sourceDocumentID)?.title ?? segment.sourceDocumentID
        let rule = "“\(segment.ruleDescription)” (source: \(source))"
        if !rules.contains(rule) { rules.append(rule) }
      }
    }
    if !rules.isEmpty { sentence += " Rule\(rules.count > 1 ? "s" : ""): \(rules.joined(separator: "; "))." }
    return sentence
  }

  func creditingAnswer(_ parsed: ParsedQuestion, traveller: TravellerContext) -> AnswerDraft {
    let trip: QuestionItinerary
    let statuses: [Loyalty_Advisor_V1_ProgramStatus]
    let goal: Loyalty_Advisor_V1_StatusGoal
    let goalName: String
    do {
      trip = try itinerary(parsed, traveller: traveller)
      (goal, goalName) = try statusGoal(parsed, carrier: trip.marketingCarrier)
      statuses = try questionStatuses(parsed, carrier: trip.marketingCarrier)
    } catch {
      return .clarify(error.message, facts: facts)
    }
    if let missing = missingFare(trip, parsed: parsed, programs: []) { return missing }

    var request = Loyalty_Advisor_V1_RecommendCreditingProgramRequest()
    request.itineraries = [trip.itinerary]
    request.goal = goal
    request.statuses = statuses
    let response: Loyalty_Advisor_V1_RecommendCreditingProgramResponse
    do {
      response = try CreditingRecommender(facts: facts).recommend(request, profileStatuses: traveller.statuses)
    } catch {
      return .clarify("I could not compare programs: \(error.message).", facts: facts)
    }

    var draft = AnswerDraft(facts: facts)
    draft.toolsUsed = ["RecommendCreditingProgram"]
    draft.citations.merge(response.citations)
    let goalProgram = facts.program(goal.programID)?.name ?? goal.programID
    guard let best = response.options.first else {
      draft.text = "No program in the graph credits \(trip.summary)."
      return draft
    }
    let target = goalName == goal.tier ? "\(goal.tier) in \(goalProgram)" : "\(goalName) (\(goal.tier) in \(goalProgram))"
    var sentences = [
      "For \(target), crediting \(trip.summary) to \(best.programName) makes the most progress: "
        + "\(workings(best))."
    ]
    for option in response.options.dropFirst().prefix(2) {
      sentences.append("\(option.programName): \(workings(option)).")
    }
    sentences += trip.notes.map { "(\($0).)" }
    draft.text = sentences.joined(separator: " ")
    draft.facts = response.options.prefix(3).flatMap(\.explanation)
    if let tier = facts.eliteTier(program: goal.programID, name: goal.tier) { draft.usedFactIDs.append(tier.id) }
    return draft
  }

  /// An option's arithmetic without the goal line the answer already states.
  private func workings(_ option: Loyalty_Advisor_V1_CreditingOption) -> String {
    option.explanation.filter { !$0.hasPrefix("Goal: ") }.joined(separator: "; ")
  }

  /// The flight the question describes, or what it still needs to say.
  func itinerary(_ parsed: ParsedQuestion, traveller: TravellerContext) throws(ClarificationNeeded) -> QuestionItinerary {
    let (origin, destination, routeNotes) = try route(parsed, traveller: traveller).get()
    let (marketing, operating) = carriers(parsed)
    guard let marketing else {
      throw ClarificationNeeded(
        "Which airline is the flight on? Give the carrier on the ticket, e.g. “on BA” or a flight number like BA117.")
    }
    let fareClass = try bookingCode(parsed, carrier: marketing)
    let date = parsed.travelDate ?? today
    var notes = routeNotes
    if parsed.travelDate == nil { notes.append("travel date taken as today, \(date)") }
    if let fareClassNote = fareClass.note { notes.append(fareClassNote) }

    func segment(_ from: AirportFact, _ to: AirportFact) -> Loyalty_Advisor_V1_FlightSegment {
      var segment = Loyalty_Advisor_V1_FlightSegment()
      segment.marketingCarrier = marketing
      if let operating { segment.operatingCarrier = operating }
      if let flight = parsed.flight, from.iata == origin.iata { segment.flightNumber = flight.carrier + flight.number }
      segment.origin = from.iata
      segment.destination = to.iata
      segment.fareClass = fareClass.code
      segment.departureDate = date.text
      return segment
    }
    var itinerary = Loyalty_Advisor_V1_Itinerary()
    itinerary.segments = [segment(origin, destination)]
    if parsed.roundTrip {
      itinerary.segments.append(segment(destination, origin))
      notes.append("the return flight is taken as the same carrier and fare class")
    }
    if let fare = fare(parsed) { itinerary.fare = fare }

    let airlineName = facts.airline(marketing)?.name ?? marketing
    let cabin = (facts.fareClass(carrier: marketing, code: fareClass.code) ?? operating.flatMap { facts.fareClass(carrier: $0, code: fareClass.code) })?
      .cabin.rawValue
    var summary = "\(origin.iata)–\(destination.iata)\(parsed.roundTrip ? " round trip" : "") on \(airlineName) (\(marketing))"
    if let operating, operating != marketing { summary += " operated by \(facts.airline(operating)?.name ?? operating)" }
    summary += " in fare class \(fareClass.code)\(cabin.map { " (\($0))" } ?? "")"
    return QuestionItinerary(itinerary: itinerary, marketingCarrier: marketing, summary: summary, notes: notes)
  }

  /// Marketing carrier (a flight number's, else the first airline named that is not the one
  /// after "operated by") and operating carrier.
  private func carriers(_ parsed: ParsedQuestion) -> (marketing: String?, operating: String?) {
    var marketing = parsed.flight?.carrier
    var operating: String?
    for mention in parsed.mentions {
      guard case .airline(let code) = mention.meaning else { continue }
      let before = parsed.tokens[..<mention.tokens.lowerBound].filter { $0.kind == .word }.suffix(2).map(\.folded)
      if before == ["operated", "by"] {
        operating = code
      } else if marketing == nil {
        marketing = code
      }
    }
    return (marketing, operating)
  }

  /// The booking code, or the only code of the carrier in the cabin the question names.
  private func bookingCode(_ parsed: ParsedQuestion, carrier: String) throws(ClarificationNeeded) -> (code: String, note: String?) {
    if let letter = parsed.fareClass { return (letter, nil) }
    let known = facts.fareClasses(carrier: carrier)
    let inCabin = parsed.cabin.map { cabin in known.filter { $0.cabin == cabin } } ?? known
    if let cabin = parsed.cabin, inCabin.count == 1 {
      return (inCabin[0].code, "\(inCabin[0].code) is the only \(cabin.rawValue) fare class the graph knows for \(carrier)")
    }
    let airline = facts.airline(carrier)?.name ?? carrier
    var message = "Which fare class (the one-letter booking code on the ticket) is it, e.g. “in I class”?"
    if !inCabin.isEmpty {
      let codes = inCabin.map(\.code).joined(separator: ", ")
      let possessive = airline.hasSuffix("s") ? "\(airline)'" : "\(airline)'s"
      message += " \(possessive) \(parsed.cabin.map { "\($0.rawValue) " } ?? "")codes in the graph: \(codes)."
    }
    throw ClarificationNeeded(message)
  }

  /// The fare the question states, if it states one by parts.
  private func fare(_ parsed: ParsedQuestion) -> Loyalty_Advisor_V1_Fare? {
    let parts = parsed.money.filter { $0.part != .total }
    guard !parts.isEmpty, let currency = parsed.money.compactMap(\.currency).first else { return nil }
    var fare = Loyalty_Advisor_V1_Fare()
    fare.currency = currency
    for part in parts {
      switch part.part {
      case .base: fare.baseFare += part.amount
      case .carrierFees: fare.carrierImposedFees += part.amount
      case .taxes: fare.taxes += part.amount
      case .total: break
      }
    }
    return fare
  }

  /// What to ask when a program that earns on the fare would credit the flight but the
  /// question gives no usable fare; the question quotes the rule's rates and cites it.
  private func missingFare(_ trip: QuestionItinerary, parsed: ParsedQuestion, programs: [String]) -> AnswerDraft? {
    guard !trip.itinerary.hasFare else { return nil }
    let segment = trip.itinerary.segments[0]
    let date = CalendarDate(segment.departureDate) ?? today
    var rules = facts.earningRules(carrier: trip.marketingCarrier, match: .marketing)
    if !segment.operatingCarrier.isEmpty {
      rules.merge(facts.earningRules(carrier: segment.operatingCarrier, match: .operating)) { $0 + $1 }
    }
    let revenueRules = rules.keys.sorted().filter { programs.isEmpty || programs.contains($0) }.compactMap { programID in
      rules[programID]?.first { $0.basis == .revenue && $0.state != .cancelled && $0.isInForce(on: date) && $0.covers(fareClass: segment.fareClass) }
    }
    guard !revenueRules.isEmpty else { return nil }
    var draft = AnswerDraft(facts: facts)
    var terms: [String] = []
    for rule in revenueRules {
      let program = facts.program(rule.programID)
      let rates = rule.revenueRates.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map { tier, rate in
        "\(Figures.number(rate)) \(tier.isEmpty ? "as a member" : "as \(tier)")"
      }
      terms.append(
        "\(program?.name ?? rule.programID) earns \(program?.currencyName ?? "miles") per \(rule.revenueCurrency ?? "unit") of base fare and "
          + "carrier-imposed fees on this flight (\(rates.joined(separator: ", ")); rule \(rule.id))")
      draft.citations.add(rule)
      draft.usedFactIDs.append(rule.id)
    }
    let given = parsed.money.isEmpty ? "" : parsed.money.contains { $0.currency == nil } ? " with its currency" : " split into base fare and carrier-imposed fees"
    draft.clarification =
      terms.joined(separator: "; ") + ". What were the base fare and carrier-imposed fees\(given), e.g. “$1,436 base fare and $458 carrier fees”? "
      + "(Taxes do not earn.)"
    draft.text = draft.clarification
    draft.facts = terms
    return draft
  }

  /// Statuses the question states ("as an Executive Platinum"), in the request's form.
  func questionStatuses(_ parsed: ParsedQuestion, carrier: String?) throws(ClarificationNeeded) -> [Loyalty_Advisor_V1_ProgramStatus] {
    var statuses: [Loyalty_Advisor_V1_ProgramStatus] = []
    for tier in parsed.tiers where !tier.isGoal {
      let reference = try resolve(tier, parsed: parsed, carrier: carrier, anyWillDo: false)
      guard !statuses.contains(where: { $0.programID == reference.programID }) else { continue }
      var status = Loyalty_Advisor_V1_ProgramStatus()
      status.programID = reference.programID
      status.tier = reference.tier
      statuses.append(status)
    }
    return statuses
  }

  /// The goal tier, and how the question named it when that was an alliance status.
  private func statusGoal(_ parsed: ParsedQuestion, carrier: String?) throws(ClarificationNeeded) -> (goal: Loyalty_Advisor_V1_StatusGoal, named: String) {
    guard let tier = parsed.tiers.first(where: \.isGoal) ?? parsed.tiers.last else {
      throw ClarificationNeeded("Which status do you want to reach? Name the program and tier, e.g. “AAdvantage Executive Platinum”.")
    }
    // An alliance status is reached at the same level in any of its programs, so any will do.
    let isAllianceStatus = tier.options.contains { $0.tier != tier.name }
    let reference = try resolve(tier, parsed: parsed, carrier: carrier, anyWillDo: isAllianceStatus)
    var goal = Loyalty_Advisor_V1_StatusGoal()
    goal.programID = reference.programID
    goal.tier = reference.tier
    return (goal, tier.name)
  }

  /// The tier a mention means: the one in a program the question names, else the only one,
  /// else the one in the carrier's own program.
  private func resolve(_ tier: ParsedQuestion.Tier, parsed: ParsedQuestion, carrier: String?, anyWillDo: Bool) throws(ClarificationNeeded)
    -> TierReference
  {
    let named = tier.options.filter { parsed.programs.contains($0.programID) }
    if named.count == 1 { return named[0] }
    if tier.options.count == 1 { return tier.options[0] }
    let own = carrier.flatMap { facts.airline($0)?.programIDs } ?? []
    let carriers = tier.options.filter { own.contains($0.programID) }
    if carriers.count == 1 { return carriers[0] }
    if anyWillDo, let first = (named.isEmpty ? tier.options : named).first { return first }
    let names = tier.options.compactMap { facts.program($0.programID)?.name }.joined(separator: ", ")
    throw ClarificationNeeded("Which program's \(tier.name)? \(tier.name) is a tier of \(names).")
  }
}
