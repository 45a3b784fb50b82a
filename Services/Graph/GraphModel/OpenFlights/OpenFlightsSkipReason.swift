/// Why the importer left a row out. The raw value is the text reports show; rows are
/// grouped by it.
public enum OpenFlightsSkipReason: String, Sendable, CaseIterable {
  // Any file.
  case lineTooLong = "line is longer than 4096 bytes"
  case unclosedQuote = "a quoted field is not closed before the end of the line"
  case invalidUTF8 = "line is not valid UTF-8"

  // airports.dat
  case airportColumnCount = "wrong number of columns (expected 14, or 12 in the older layout)"
  case airportWithoutIATA = "airport has no IATA code"
  case airportMalformedIATA = "airport IATA code is not 3 upper-case letters"
  case airportWithoutName = "airport has no name"
  case airportWithoutCountry = "airport has no country"
  case airportCountryWithoutRegion = "airport's country is not in the region table"
  case airportBadCoordinates = "airport latitude or longitude is missing or out of range"
  case airportDuplicateIATA = "duplicate airport IATA code (the first airport with it is kept)"

  // airlines.dat
  case airlineColumnCount = "wrong number of columns (expected 8)"
  case airlineOnlyICAO = "airline has only an ICAO code (graph ids and routes use the IATA code)"
  case airlineWithoutCode = "airline has neither an IATA nor an ICAO code"
  case airlineMalformedIATA = "airline IATA code is not 2 upper-case letters or digits"
  case airlineWithoutName = "airline has no name"
  case airlineDuplicateIATA = "duplicate airline IATA code (the first active airline with it is kept, else the first)"

  // routes.dat
  case routeColumnCount = "wrong number of columns (expected 9)"
  case routeMalformedAirline = "airline code is missing or neither a 2-character IATA nor a 3-letter ICAO code"
  case routeUnknownICAOAirline =
    "airline code is a 3-letter ICAO code of no imported airline with an IATA code (routes are keyed by IATA code)"
  case routeSourceNotImported = "source airport not imported (absent from airports.dat and the graph, or skipped)"
  case routeDestinationNotImported = "destination airport not imported (absent from airports.dat and the graph, or skipped)"
  case routeToItself = "source and destination are the same airport"
  case routeBadStops = "stops is not a whole number from 0 to 10"
  case routeDuplicate = "duplicate route (same airline and airports; the first is kept)"

  init(_ problem: OpenFlightsCSVProblem) {
    switch problem {
    case .lineTooLong: self = .lineTooLong
    case .unclosedQuote: self = .unclosedQuote
    case .invalidUTF8: self = .invalidUTF8
    }
  }
}
