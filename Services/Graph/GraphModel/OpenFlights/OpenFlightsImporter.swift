import LoyaltyAPI

/// Turns OpenFlights data (airports.dat, airlines.dat, routes.dat) into graph nodes and
/// edges, streaming: bytes arrive in chunks of any size, a line may span chunks, and nothing
/// larger than one line (at most 4096 bytes) is buffered beyond the chunk being read.
///
/// Files come in the order airports → airlines → routes; each may be left out, and each may
/// be fed in any number of chunks. Going back to an earlier file, or feeding after `finish()`,
/// is an `OpenFlightsImportError`. A row the graph cannot use is never an error: it is
/// skipped and counted under its `OpenFlightsSkipReason`.
///
/// What becomes of the rows:
/// - airports.dat → Airport nodes "airport:<IATA>" with iata, icao (only a well-formed
///   4-character code), name, city, country, region (from `CountryRegions`), latitude,
///   longitude, timezone (the tz name, when given) and openflights_id. Rows without a 3-letter
///   IATA code, without a name or country, whose country has no region, with missing or
///   out-of-range coordinates, or repeating an IATA code seen earlier in the file are skipped.
/// - airlines.dat → Airline nodes "airline:<IATA>" with name, iata, icao (only a 3-letter
///   code), country, active and openflights_id. Rows without an IATA code are skipped (those
///   with only an ICAO code under their own reason). Of rows sharing an IATA code, the first
///   active one is kept (the first one when none is active) and the others are skipped.
/// - routes.dat → ROUTE edges airport:<source> → airport:<destination> keyed by the airline's
///   IATA code, with airline (that code), codeshare, stops, equipment and distance_miles (the
///   great-circle distance, rounded, when both airports' coordinates are known). Both airports
///   must have been imported in this run or be among the existing airports. A route's airline
///   is identified by its code alone:
///   - a 2-character IATA code is used as it is, whether or not airlines.dat (in this run)
///     lists it: the edge joins airports, so it stays meaningful for route search, and several
///     airlines flying in routes.dat are missing from airlines.dat;
///   - a 3-letter code is an ICAO code: it is replaced by the IATA code of the imported
///     airline with that ICAO code (e.g. "TOM" → "BY"), and the route is skipped when there is
///     none — without an IATA code it has no key consistent with the rest of the graph.
///   Routes from an airport to itself, a second route with the same airline and airports, and
///   rows with malformed codes or stops are skipped.
public struct OpenFlightsImporter: Sendable {
  /// A point on the globe, in degrees.
  struct Location: Sendable {
    var latitude: Double
    var longitude: Double
  }

  /// Airports usable as route endpoints (imported now or already in the graph), with their
  /// location when known.
  var endpoints: [String: Location?]
  var importedAirportCodes: Set<String> = []
  var airportNodes: [GraphNode] = []

  /// Airline nodes, and where each IATA code's kept node is.
  var airlineNodes: [GraphNode] = []
  var keptAirlines: [String: (index: Int, line: Int, active: Bool)] = [:]
  /// The IATA code routes use for an airline ICAO code, preferring active airlines.
  var iataByICAO: [String: (iata: String, active: Bool)] = [:]

  var routeEdges: [GraphEdge] = []
  var routeKeys: Set<RouteKey> = []

  var reports: [OpenFlightsImportReport.FileReport] = []
  var reader = OpenFlightsCSVReader()
  var finished = false

  struct RouteKey: Hashable {
    var airline: String
    var source: String
    var destination: String
  }

  /// - Parameter existingAirports: IATA codes of airports already in the graph, which routes
  ///   may use as endpoints. Routes to them carry no distance, their coordinates being unknown
  ///   here; pass `existingAirportLocations` to have it.
  public init(existingAirports: Set<String> = []) {
    endpoints = Dictionary(uniqueKeysWithValues: existingAirports.map { ($0, nil) })
  }

  /// - Parameter existingAirportLocations: airports already in the graph by IATA code, with
  ///   their coordinates in degrees, so that routes to them carry a distance.
  public init(existingAirportLocations: [String: (latitude: Double, longitude: Double)]) {
    endpoints = existingAirportLocations.mapValues { Location(latitude: $0.latitude, longitude: $0.longitude) }
  }

  /// Reads the next bytes of `file`.
  public mutating func feed(_ file: OpenFlightsFileKind, _ bytes: some Collection<UInt8>) throws(OpenFlightsImportError) {
    guard !finished else {
      throw OpenFlightsImportError(message: "\(file.fileName) data arrived after the import finished")
    }
    if let current = reports.last?.kind, current != file {
      guard file.rawValue > current.rawValue else {
        throw OpenFlightsImportError(
          message:
            "file: \(file.fileName) data arrived after \(current.fileName) data; files must come in the order airports, airlines, routes")
      }
      closeCurrentFile()
    }
    if reports.last?.kind != file {
      reports.append(OpenFlightsImportReport.FileReport(kind: file))
      reader = OpenFlightsCSVReader()
    }
    reader.append(bytes)
    readAvailableRows()
  }

  /// Reads one chunk of an ImportOpenFlights request.
  public mutating func feed(_ request: Loyalty_Graph_V1_ImportOpenFlightsRequest) throws(OpenFlightsImportError) {
    try feed(OpenFlightsFileKind(request.file), request.data)
  }

  /// Ends the import: reads the last line of the current file and returns airports and
  /// airlines as nodes, routes as edges, and the report of every file fed.
  public mutating func finish() throws(OpenFlightsImportError) -> (batch: GraphBatch, report: OpenFlightsImportReport) {
    guard !finished else { throw OpenFlightsImportError(message: "the import has already finished") }
    closeCurrentFile()
    finished = true
    let batch = GraphBatch(nodes: airportNodes + airlineNodes, edges: routeEdges)
    return (batch, OpenFlightsImportReport(files: reports))
  }

  private mutating func closeCurrentFile() {
    guard !reports.isEmpty else { return }
    reader.endInput()
    readAvailableRows()
    reports[reports.count - 1].close()
  }

  private mutating func readAvailableRows() {
    guard let kind = reports.last?.kind else { return }
    while let row = reader.nextRow() {
      reports[reports.count - 1].rowsRead += 1
      let outcome: OpenFlightsSkipReason?
      switch row.content {
      case .unreadable(let problem):
        outcome = OpenFlightsSkipReason(problem)
      case .fields(let fields):
        switch kind {
        case .airports: outcome = importAirport(fields)
        case .airlines: outcome = importAirline(fields, line: row.line)
        case .routes: outcome = importRoute(fields)
        }
      }
      if let outcome {
        reports[reports.count - 1].recordSkip(outcome, line: row.line)
      } else {
        reports[reports.count - 1].rowsImported += 1
      }
    }
  }
}
