import Foundation
import GraphModel
import LoyaltyAPI
import SwiftProtobuf

extension QuestionAnswerer {
  func awardAnswer(_ parsed: ParsedQuestion, traveller: TravellerContext) -> AnswerDraft {
    let origin: AirportFact
    let destination: AirportFact
    let routeNotes: [String]
    switch route(parsed, traveller: traveller) {
    case .success(let found): (origin, destination, routeNotes) = found
    case .failure(let missing): return .clarify(missing.message, facts: facts)
    }
    guard let cabin = parsed.cabin else {
      return .clarify("Which cabin: economy, premium economy, business or first?", facts: facts)
    }
    let passengers = parsed.passengers ?? 1
    guard (1...9).contains(passengers) else {
      return .clarify("Award searches take 1 to 9 passengers; how many are travelling?", facts: facts)
    }

    var request = Loyalty_Advisor_V1_FindAwardPathwaysRequest()
    request.trip.origin = origin.iata
    request.trip.destination = destination.iata
    request.trip.cabin = cabin.rawValue
    request.trip.passengers = Int32(passengers)
    request.trip.roundTrip = parsed.roundTrip
    var stated: [String: Int64] = [:]
    for balance in parsed.balances { stated[balance.programID] = balance.points }
    request.balances = stated.keys.sorted().map { id in
      var balance = Loyalty_Advisor_V1_Balance()
      balance.programID = id
      balance.points = stated[id] ?? 0
      return balance
    }
    let response: Loyalty_Advisor_V1_FindAwardPathwaysResponse
    do {
      response = try AwardPathfinder(facts: facts, today: today).find(request, profileBalances: traveller.balances)
    } catch {
      return .clarify("I could not search awards: \(error.message).", facts: facts)
    }

    var draft = AnswerDraft(facts: facts)
    draft.toolsUsed = ["FindAwardPathways"]
    draft.award = response
    draft.citations.merge(response.citations)
    let trip =
      "\(origin.iata)–\(destination.iata)\(parsed.roundTrip ? " round trip" : " one way") in \(cabin.rawValue)"
      + " for \(passengers) passenger\(passengers == 1 ? "" : "s")"
    guard !response.pathways.isEmpty else {
      draft.text =
        "No award chart in the graph prices \(trip) (\(Figures.integer(Int64(response.distanceMiles))) miles, "
        + "\(response.originRegion) → \(response.destinationRegion))."
      return draft
    }

    // Programs the question names come first; bank currencies named are balances, not targets.
    let focus = Set(parsed.programs.filter { facts.program($0)?.kind == .airline })
    let candidates = focus.isEmpty ? response.pathways : response.pathways.filter { focus.contains($0.programID) }
    let ranked = candidates.isEmpty ? response.pathways : candidates
    // The tool ranks feasible pathways first; when none is, the closest is the smallest shortfall.
    let best = ranked[0].feasible ? ranked[0] : ranked.min { ($0.shortfall, $0.pointsRequired) < ($1.shortfall, $1.pointsRequired) }!
    var sentences: [String] = []
    if !focus.isEmpty, candidates.isEmpty {
      let names = focus.sorted().compactMap { facts.program($0)?.name }.joined(separator: " or ")
      sentences.append("No \(names) award chart in the graph prices \(trip); other programs do.")
    }
    let hasBalances = !stated.isEmpty || traveller.balances.values.contains { $0 > 0 }
    if !hasBalances {
      let intro = parsed.unattributedPoints.isEmpty ? "You gave no balances" : "Without balances I can attribute to a program"
      sentences.append("\(intro), so here is what \(trip) costs:")
      sentences.append(ranked.prefix(3).map(priceClause).joined(separator: "; ") + ".")
    } else if best.feasible {
      sentences += ["Yes: \(trip) with \(priceClause(best)).", fundingSentence(best)]
    } else {
      sentences += ["Not with these balances. The closest is \(priceClause(best)).", fundingSentence(best)]
    }
    if best.dynamicPricing {
      sentences.append("\(best.programName) prices these awards dynamically, so the chart figure is a floor or typical price, not a promise.")
    }
    if hasBalances {
      let others = ranked.filter { $0 != best }.prefix(2).map { pathway in
        "\(priceClause(pathway))\(pathway.feasible ? " (reachable)" : " (short by \(Figures.integer(pathway.shortfall)))")"
      }
      if !others.isEmpty { sentences.append("Also: \(others.joined(separator: "; ")).") }
    }
    if !parsed.unattributedPoints.isEmpty {
      sentences.append("(I could not tell which program \(parsed.unattributedPoints.joined(separator: " and ")) belong to, so they are not counted.)")
    }
    sentences += routeNotes.map { "(\($0).)" }
    draft.text = sentences.filter { !$0.isEmpty }.joined(separator: " ")
    draft.facts = ranked.prefix(3).flatMap(\.explanation)
    draft.usedFactIDs = ranked.prefix(3).map(\.chartEntryID)
    return draft
  }

  private func priceClause(_ pathway: Loyalty_Advisor_V1_AwardPathway) -> String {
    let unit = facts.program(pathway.programID)?.currencyName ?? "points"
    let names = pathway.carriers.map { facts.airline($0)?.name ?? $0 }
    let carriers = names.count <= 3 ? names.joined(separator: " or ") : names.prefix(3).joined(separator: ", ") + " or \(names.count - 3) other partners"
    return "\(pathway.programName), \(Figures.integer(pathway.pointsRequired)) \(unit) on \(carriers)"
  }

  private func fundingSentence(_ pathway: Loyalty_Advisor_V1_AwardPathway) -> String {
    let unit = facts.program(pathway.programID)?.currencyName ?? "points"
    var parts: [String] = []
    if pathway.pointsInProgram > 0 { parts.append("use the \(Figures.integer(pathway.pointsInProgram)) \(unit) you have") }
    for transfer in pathway.transfers {
      let source = facts.program(transfer.fromProgramID)
      parts.append(
        "transfer \(Figures.integer(transfer.pointsTransferred)) \(source?.name ?? transfer.fromProgramID) \(source?.currencyName ?? "points") "
          + "at \(transfer.ratio) for \(Figures.integer(transfer.pointsReceived)) \(unit)")
    }
    var sentence = parts.isEmpty ? "" : parts.joined(separator: " and ").capitalizedFirst + "."
    if !pathway.feasible {
      sentence += (sentence.isEmpty ? "" : " ") + "That leaves \(Figures.integer(pathway.shortfall)) \(unit) to find."
    }
    return sentence
  }

  func transferAnswer(_ parsed: ParsedQuestion, traveller: TravellerContext) -> AnswerDraft {
    let named = parsed.programs
    guard !named.isEmpty else {
      return .clarify("Which currency or program? Name the points to transfer (e.g. Amex Membership Rewards) and where to.", facts: facts)
    }
    var draft = AnswerDraft(facts: facts)
    // A pair of named programs with a transfer between them, in the order named.
    let pair = named.lazy.flatMap { from in named.lazy.compactMap { to in self.facts.transfers(from: from).first { $0.toProgramID == to } } }.first
    if let transfer = pair {
      cite(transfer, in: &draft)
      let source = facts.program(transfer.fromProgramID)
      let target = facts.program(transfer.toProgramID)
      let sourceUnit = "\(source?.name ?? transfer.fromProgramID) \(source?.currencyName ?? "points")"
      let targetUnit = target?.currencyName ?? "points"
      let terms = "at \(transfer.ratio), at least \(Figures.integer(transfer.minimum)) at a time, in increments of \(Figures.integer(transfer.increment))"
      draft.facts.append("\(sourceUnit) transfer to \(target?.name ?? transfer.toProgramID) \(terms)")
      guard let amount = parsed.balances.first(where: { $0.programID == transfer.fromProgramID })?.points, amount > 0 else {
        draft.text = "\(sourceUnit) transfer to \(target?.name ?? transfer.toProgramID) \(terms)."
        return draft
      }
      draft.toolsUsed = ["TransferPlanner"]
      let sendable = TransferPlanner.largestSendable(transfer, balance: amount)
      guard sendable > 0 else {
        draft.text =
          "\(Figures.integer(amount)) \(sourceUnit) is below the minimum transfer of \(Figures.integer(transfer.minimum)) to "
          + "\(target?.name ?? transfer.toProgramID) (\(terms))."
        return draft
      }
      let received = TransferPlanner.pointsReceived(transfer, sending: sendable)
      var text =
        "Transferring \(Figures.integer(sendable)) \(sourceUnit) to \(target?.name ?? transfer.toProgramID) (\(terms)) gives "
        + "\(Figures.integer(sendable)) × \(transfer.toPoints) / \(transfer.fromPoints) = \(Figures.integer(received)) \(targetUnit)."
      if sendable < amount {
        text += " Only multiples of \(Figures.integer(transfer.increment)) move, so \(Figures.integer(amount - sendable)) of your \(Figures.integer(amount)) stay behind."
      }
      draft.text = text
      return draft
    }

    // One program named: where it transfers to, or what transfers into it.
    let program = named[0]
    let name = facts.program(program)?.name ?? program
    let outgoing = facts.transfers(from: program)
    let incoming = facts.transfers(to: program)
    guard !outgoing.isEmpty || !incoming.isEmpty else {
      draft.text = "The graph holds no transfer partners for \(name)."
      return draft
    }
    var sentences: [String] = []
    if !outgoing.isEmpty {
      sentences.append("\(name) transfers to " + outgoing.map { "\(facts.program($0.toProgramID)?.name ?? $0.toProgramID) at \($0.ratio)" }.joined(separator: ", ") + ".")
    }
    if !incoming.isEmpty {
      sentences.append("\(name) receives transfers from " + incoming.map { "\(facts.program($0.fromProgramID)?.name ?? $0.fromProgramID) at \($0.ratio)" }.joined(separator: ", ") + ".")
    }
    for transfer in outgoing + incoming { cite(transfer, in: &draft) }
    draft.text = sentences.joined(separator: " ")
    draft.facts = sentences
    return draft
  }

  private func cite(_ transfer: TransferFact, in draft: inout AnswerDraft) {
    let from = NodeID.program(transfer.fromProgramID)
    let edge = facts.outgoing(from).first { $0.type == .transfersTo && $0.toID == NodeID.program(transfer.toProgramID) }
    draft.citations.add(fact: edge?.id ?? from, document: transfer.sourceDocumentID)
    draft.usedFactIDs.append(from)
    draft.usedFactIDs.append(NodeID.program(transfer.toProgramID))
  }
}

extension String {
  fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
