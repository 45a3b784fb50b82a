extension OpenFlightsImporter {
  /// Imports one routes.dat row (airline code, airline id, source code, source id,
  /// destination code, destination id, codeshare, stops, equipment); the reason when it is
  /// skipped. See `OpenFlightsImporter` for how the airline code is read.
  mutating func importRoute(_ fields: [String?]) -> OpenFlightsSkipReason? {
    guard fields.count == 9 else { return .routeColumnCount }
    guard let code = OpenFlightsFields.text(fields, 0) else { return .routeMalformedAirline }
    let airline: String
    if OpenFlightsFields.isCode(code, length: 2, digits: true) {
      airline = code
    } else if OpenFlightsFields.isCode(code, length: 3, digits: false) {
      guard let mapped = iataByICAO[code]?.iata else { return .routeUnknownICAOAirline }
      airline = mapped
    } else {
      return .routeMalformedAirline
    }
    guard let source = OpenFlightsFields.text(fields, 2), let sourceLocation = endpoints[source] else {
      return .routeSourceNotImported
    }
    guard let destination = OpenFlightsFields.text(fields, 4), let destinationLocation = endpoints[destination] else {
      return .routeDestinationNotImported
    }
    guard source != destination else { return .routeToItself }
    var stops: Int?
    if OpenFlightsFields.text(fields, 7) != nil {
      guard let count = OpenFlightsFields.integer(fields, 7, in: 0...10) else { return .routeBadStops }
      stops = count
    }
    guard routeKeys.insert(RouteKey(airline: airline, source: source, destination: destination)).inserted else {
      return .routeDuplicate
    }

    var properties = Properties(minimumCapacity: 5)
    properties["airline"] = .string(airline)
    properties["codeshare"] = .bool(OpenFlightsFields.flag(fields, 6) == true)
    if let stops { properties["stops"] = .number(Double(stops)) }
    if let equipment = OpenFlightsFields.text(fields, 8) {
      properties["equipment"] = .list(equipment.split(separator: " ").map { .string(String($0)) })
    }
    if let from = sourceLocation, let to = destinationLocation {
      let miles = GreatCircle.miles(
        fromLatitude: from.latitude, longitude: from.longitude, toLatitude: to.latitude, longitude: to.longitude)
      properties["distance_miles"] = .number(miles.rounded())
    }
    routeEdges.append(
      GraphEdge(type: .route, fromID: NodeID.airport(source), toID: NodeID.airport(destination), key: airline, properties: properties))
    return nil
  }
}
