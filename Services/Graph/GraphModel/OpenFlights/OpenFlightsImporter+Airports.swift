extension OpenFlightsImporter {
  /// Imports one airports.dat row (id, name, city, country, IATA, ICAO, latitude, longitude,
  /// altitude, UTC offset, DST rule, tz name[, type, source]); the reason when it is skipped.
  mutating func importAirport(_ fields: [String?]) -> OpenFlightsSkipReason? {
    guard fields.count == 14 || fields.count == 12 else { return .airportColumnCount }
    guard let iata = OpenFlightsFields.text(fields, 4) else { return .airportWithoutIATA }
    guard OpenFlightsFields.isCode(iata, length: 3, digits: false) else { return .airportMalformedIATA }
    guard let name = OpenFlightsFields.text(fields, 1) else { return .airportWithoutName }
    guard let country = OpenFlightsFields.text(fields, 3) else { return .airportWithoutCountry }
    guard let region = CountryRegions.region(ofCountry: country) else { return .airportCountryWithoutRegion }
    guard let latitude = OpenFlightsFields.number(fields, 6, in: -90...90),
      let longitude = OpenFlightsFields.number(fields, 7, in: -180...180)
    else { return .airportBadCoordinates }
    guard importedAirportCodes.insert(iata).inserted else { return .airportDuplicateIATA }

    var properties: Properties = [
      "iata": .string(iata),
      "name": .string(name),
      "country": .string(country),
      "region": .string(region.rawValue),
      "latitude": .number(latitude),
      "longitude": .number(longitude),
    ]
    if let icao = OpenFlightsFields.text(fields, 5), OpenFlightsFields.isCode(icao, length: 4, digits: true) {
      properties["icao"] = .string(icao)
    }
    if let city = OpenFlightsFields.text(fields, 2) { properties["city"] = .string(city) }
    if let timezone = OpenFlightsFields.text(fields, 11) { properties["timezone"] = .string(timezone) }
    if let id = OpenFlightsFields.integer(fields, 0, in: 1...Int.max) { properties["openflights_id"] = .number(Double(id)) }
    airportNodes.append(GraphNode(id: NodeID.airport(iata), label: .airport, properties: properties))
    endpoints[iata] = Location(latitude: latitude, longitude: longitude)
    return nil
  }
}
