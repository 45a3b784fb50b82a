extension OpenFlightsImporter {
  /// Imports one airlines.dat row (id, name, alias, IATA, ICAO, callsign, country, active);
  /// the reason when it is skipped.
  mutating func importAirline(_ fields: [String?], line: Int) -> OpenFlightsSkipReason? {
    guard fields.count == 8 else { return .airlineColumnCount }
    let icao = OpenFlightsFields.text(fields, 4).flatMap { OpenFlightsFields.isCode($0, length: 3, digits: false) ? $0 : nil }
    // "-" stands for "no code" in airlines.dat, like an empty field or \N.
    guard let iata = OpenFlightsFields.text(fields, 3), iata != "-" else {
      return icao == nil ? .airlineWithoutCode : .airlineOnlyICAO
    }
    guard OpenFlightsFields.isCode(iata, length: 2, digits: true) else { return .airlineMalformedIATA }
    guard let name = OpenFlightsFields.text(fields, 1) else { return .airlineWithoutName }
    let active = OpenFlightsFields.flag(fields, 7)

    var properties: Properties = ["iata": .string(iata), "name": .string(name)]
    if let icao { properties["icao"] = .string(icao) }
    if let country = OpenFlightsFields.text(fields, 6) { properties["country"] = .string(country) }
    if let active { properties["active"] = .bool(active) }
    if let id = OpenFlightsFields.integer(fields, 0, in: 1...Int.max) { properties["openflights_id"] = .number(Double(id)) }
    let node = GraphNode(id: NodeID.airline(iata), label: .airline, properties: properties)
    let isActive = active == true

    if let kept = keptAirlines[iata] {
      // Many codes were reused after an airline stopped flying: the active holder wins.
      guard isActive, !kept.active else { return .airlineDuplicateIATA }
      airlineNodes[kept.index] = node
      keptAirlines[iata] = (kept.index, line, true)
      reports[reports.count - 1].rowsImported -= 1
      reports[reports.count - 1].recordSkip(.airlineDuplicateIATA, line: kept.line)
    } else {
      keptAirlines[iata] = (airlineNodes.count, line, isActive)
      airlineNodes.append(node)
    }
    if let icao, iataByICAO[icao] == nil || (isActive && iataByICAO[icao]?.active == false) {
      iataByICAO[icao] = (iata, isActive)
    }
    return nil
  }
}
