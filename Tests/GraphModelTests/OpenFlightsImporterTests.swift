import Foundation
import GraphModel
import LoyaltyAPI
import Testing

@Suite struct OpenFlightsImporterTests {
  static let heathrow =
    #"507,"London Heathrow Airport","London","United Kingdom","LHR","EGLL",51.4706,-0.461941,83,0,"E","Europe/London","airport","OurAirports""#
  static let kennedy =
    #"3797,"John F Kennedy International Airport","New York","United States","JFK","KJFK",40.63980103,-73.77890015,13,-5,"A","America/New_York","airport","OurAirports""#
  static let dallas =
    #"3670,"Dallas Fort Worth International Airport","Dallas-Fort Worth","United States","DFW","KDFW",32.896801,-97.038002,607,-6,"A","America/Chicago","airport","OurAirports""#

  private func lines(_ rows: String...) -> [UInt8] { Array(rows.map { $0 + "\n" }.joined().utf8) }

  private func run(
    existing: Set<String> = [], airports: [UInt8]? = nil, airlines: [UInt8]? = nil, routes: [UInt8]? = nil
  ) throws -> (batch: GraphBatch, report: OpenFlightsImportReport) {
    var importer = OpenFlightsImporter(existingAirports: existing)
    if let airports { try importer.feed(.airports, airports) }
    if let airlines { try importer.feed(.airlines, airlines) }
    if let routes { try importer.feed(.routes, routes) }
    return try importer.finish()
  }

  private func node(_ batch: GraphBatch, _ id: String) -> GraphNode? { batch.nodes.first { $0.id == id } }

  private func edge(_ batch: GraphBatch, _ from: String, _ to: String, _ airline: String) -> GraphEdge? {
    batch.edges.first { $0.fromID == NodeID.airport(from) && $0.toID == NodeID.airport(to) && $0.key == airline }
  }

  /// Asserts that `file` read `read` rows, skipped exactly `skipped` (reason → example lines)
  /// and imported the rest.
  private func expectReport(
    _ report: OpenFlightsImportReport, _ file: OpenFlightsFileKind, read: Int, skipped: [OpenFlightsSkipReason: [Int]],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    guard let file = report[file] else {
      Issue.record("no report for \(file)", sourceLocation: sourceLocation)
      return
    }
    #expect(file.rowsRead == read, sourceLocation: sourceLocation)
    #expect(file.rowsImported == read - skipped.values.reduce(0) { $0 + $1.count }, sourceLocation: sourceLocation)
    let actual = Dictionary(uniqueKeysWithValues: file.skipped.map { ($0.reason, $0.exampleLines) })
    #expect(actual == skipped, sourceLocation: sourceLocation)
    for group in file.skipped { #expect(group.count == group.exampleLines.count, sourceLocation: sourceLocation) }
  }

  // MARK: airports

  @Test func anAirportBecomesANodeWithEverySchemaProperty() throws {
    let (batch, report) = try run(airports: lines(Self.heathrow))
    let lhr = try #require(node(batch, "airport:LHR"))
    #expect(lhr.label == .airport)
    #expect(
      lhr.properties == [
        "iata": "LHR", "icao": "EGLL", "name": "London Heathrow Airport", "city": "London", "country": "United Kingdom",
        "region": "europe", "latitude": .number(51.4706), "longitude": .number(-0.461941), "timezone": "Europe/London",
        "openflights_id": 507,
      ])
    try GraphSchema.validate(lhr)
    expectReport(report, .airports, read: 1, skipped: [:])
  }

  @Test func optionalAirportFieldsAreLeftOutWhenNullOrMalformed() throws {
    let row = #"641,"Svalbard Airport, Longyear",\N,"Norway","LYR","EN",78.24,15.46,88,1,"E",\N,"airport","OurAirports""#
    let (batch, _) = try run(airports: lines(row))
    let lyr = try #require(node(batch, "airport:LYR"))
    #expect(lyr["name"] == "Svalbard Airport, Longyear")
    #expect(lyr["icao"] == nil)
    #expect(lyr["city"] == nil)
    #expect(lyr["timezone"] == nil)
    try GraphSchema.validate(lyr)
  }

  @Test func theOlderTwelveColumnLayoutIsRead() throws {
    let row = #"507,"London Heathrow","London","United Kingdom","LHR","EGLL",51.4706,-0.461941,83,0,"E","Europe/London""#
    let (batch, report) = try run(airports: lines(row))
    #expect(node(batch, "airport:LHR")?["timezone"] == "Europe/London")
    expectReport(report, .airports, read: 1, skipped: [:])
  }

  @Test func airportRowsTheGraphCannotUseAreSkippedWithTheirReason() throws {
    let (batch, report) = try run(
      airports: lines(
        Self.heathrow,
        #"5,"No Code Field",\N,"Papua New Guinea",\N,"AYNZ",-6.5,146.7,1,10,"U","Pacific/Port_Moresby","airport","OurAirports""#,
        #"6,"Empty Code","X","Papua New Guinea","","AYNY",-6.5,146.7,1,10,"U","Pacific/Port_Moresby","airport","OurAirports""#,
        #"10137,"Dunnville Airport","Dunnville","Canada","DU9","CDU9",42.87,-79.59,600,-5,"A",\N,"airport","OurAirports""#,
        #"7,"",\N,"Canada","AAA",\N,42.87,-79.59,600,-5,"A",\N,"airport","OurAirports""#,
        #"8,"Nowhere",\N,\N,"BBB",\N,42.87,-79.59,600,-5,"A",\N,"airport","OurAirports""#,
        #"9,"Atlantis Intl",\N,"Atlantis","CCC",\N,42.87,-79.59,600,-5,"A",\N,"airport","OurAirports""#,
        #"11,"Off The Map",\N,"Canada","DDD",\N,91.0,-79.59,600,-5,"A",\N,"airport","OurAirports""#,
        #"12,"No Longitude",\N,"Canada","EEE",\N,42.87,\N,600,-5,"A",\N,"airport","OurAirports""#,
        #"13,"Bad Number",\N,"Canada","FFF",\N,north,-79.59,600,-5,"A",\N,"airport","OurAirports""#,
        #"14,"Heathrow Again","London","United Kingdom","LHR","EGLL",51.0,-0.4,83,0,"E","Europe/London","airport","OurAirports""#,
        #"15,"Short Row","X","Canada","GGG""#,
        #""unclosed,"#,
      ))
    #expect(batch.nodes.map(\.id) == ["airport:LHR"])
    #expect(node(batch, "airport:LHR")?["name"] == "London Heathrow Airport")
    expectReport(
      report, .airports, read: 13,
      skipped: [
        .airportWithoutIATA: [2, 3], .airportMalformedIATA: [4], .airportWithoutName: [5], .airportWithoutCountry: [6],
        .airportCountryWithoutRegion: [7], .airportBadCoordinates: [8, 9, 10], .airportDuplicateIATA: [11],
        .airportColumnCount: [12], .unclosedQuote: [13],
      ])
  }

  // MARK: airlines

  @Test func anAirlineBecomesANodeKeyedByItsIATACode() throws {
    let (batch, report) = try run(airlines: lines(#"24,"American Airlines",\N,"AA","AAL","AMERICAN","United States","Y""#))
    let aa = try #require(node(batch, "airline:AA"))
    #expect(aa.label == .airline)
    #expect(
      aa.properties == [
        "name": "American Airlines", "iata": "AA", "icao": "AAL", "country": "United States", "active": true, "openflights_id": 24,
      ])
    try GraphSchema.validate(aa)
    expectReport(report, .airlines, read: 1, skipped: [:])
  }

  @Test func airlineRowsWithoutAUsableIATACodeAreSkipped() throws {
    let (batch, report) = try run(
      airlines: lines(
        #"-1,"Unknown",\N,"-","N/A",\N,\N,"Y""#,
        #"2,"135 Airways",\N,"","GNL","GENERAL","United States","N""#,
        #"3,"Nameless",\N,\N,\N,\N,\N,"N""#,
        #"13394,"Jayrow","","\\'","\\'\\","","Australia","Y""#,
        #"5,"",\N,"ZZ","ZZZ","","Nowhere","Y""#,
        #"6,"Two Columns""#,
        #"7,"Digits Air",\N,"2B","ARD","AERO DIGITS","Russia","Y""#,
      ))
    #expect(batch.nodes.map(\.id) == ["airline:2B"])
    #expect(node(batch, "airline:2B")?["icao"] == "ARD")
    expectReport(
      report, .airlines, read: 7,
      skipped: [
        .airlineWithoutCode: [1, 3], .airlineOnlyICAO: [2], .airlineMalformedIATA: [4], .airlineWithoutName: [5],
        .airlineColumnCount: [6],
      ])
  }

  @Test func ofAirlinesSharingAnIATACodeTheFirstActiveOneIsKept() throws {
    let (batch, report) = try run(
      airlines: lines(
        #"10,"Old Carrier",\N,"QQ","OLD","","Spain","N""#,
        #"11,"New Carrier",\N,"QQ","NEW","","Spain","Y""#,
        #"12,"Newer Carrier",\N,"QQ","NWR","","Spain","Y""#,
        #"13,"Dormant One",\N,"RR","","","Chile","N""#,
        #"14,"Dormant Two",\N,"RR","","","Chile","n""#,
      ))
    #expect(batch.nodes.map(\.id) == ["airline:QQ", "airline:RR"])
    #expect(node(batch, "airline:QQ")?["name"] == "New Carrier")
    #expect(node(batch, "airline:RR")?["name"] == "Dormant One")
    #expect(node(batch, "airline:RR")?["active"] == false)
    expectReport(report, .airlines, read: 5, skipped: [.airlineDuplicateIATA: [1, 3, 5]])
  }

  // MARK: routes

  @Test func aRouteJoinsTwoAirportsWithItsAirlineDistanceAndEquipment() throws {
    let (batch, report) = try run(
      airports: lines(Self.heathrow, Self.kennedy),
      airlines: lines(#"1355,"British Airways",\N,"BA","BAW","SPEEDBIRD","United Kingdom","Y""#),
      routes: lines("BA,1355,LHR,507,JFK,3797,,0,744 777 388", "AA,24,JFK,3797,LHR,507,Y,,"))
    let miles = GreatCircle.miles(fromLatitude: 51.4706, longitude: -0.461941, toLatitude: 40.63980103, longitude: -73.77890015).rounded()
    let ba = try #require(edge(batch, "LHR", "JFK", "BA"))
    #expect(ba.type == .route)
    #expect(
      ba.properties == [
        "airline": "BA", "codeshare": false, "stops": 0, "equipment": .list(["744", "777", "388"]), "distance_miles": .number(miles),
      ])
    try GraphSchema.validate(ba)
    // AA is not in this airlines.dat: its route is kept under its IATA code.
    let aa = try #require(edge(batch, "JFK", "LHR", "AA"))
    #expect(aa.properties == ["airline": "AA", "codeshare": true, "distance_miles": .number(miles)])
    expectReport(report, .routes, read: 2, skipped: [:])
  }

  @Test func aRouteByICAOCodeIsKeyedByThatAirlinesIATACode() throws {
    let (batch, report) = try run(
      airports: lines(Self.heathrow, Self.kennedy),
      airlines: lines(
        #"5013,"Thomsonfly",\N,"BY","TOM","TOMSON","United Kingdom","Y""#,
        #"2951,"Isles of Scilly Skybus",\N,"","IOS","SCILLONIA","United Kingdom","N""#,
      ),
      routes: lines("TOM,5013,LHR,507,JFK,3797,,0,757", "IOS,2951,LHR,507,JFK,3797,,0,DH6", "BY,5013,LHR,507,JFK,3797,,0,757"))
    #expect(edge(batch, "LHR", "JFK", "BY")?["airline"] == "BY")
    #expect(batch.edges.count == 1)
    expectReport(report, .routes, read: 3, skipped: [.routeUnknownICAOAirline: [2], .routeDuplicate: [3]])
  }

  @Test func routeRowsTheGraphCannotUseAreSkippedWithTheirReason() throws {
    let (batch, report) = try run(
      airports: lines(Self.heathrow, Self.kennedy, Self.dallas),
      routes: lines(
        "BA,1355,LHR,507,JFK,3797,,0,744",
        "BA,1355,LHR,507,JFK,3797,Y,0,777",
        "BA,1355,INC,\\N,JFK,3797,,0,744",
        "BA,1355,LHR,507,XXX,\\N,,0,744",
        "BA,1355,\\N,\\N,JFK,3797,,0,744",
        "BA,1355,LHR,507,LHR,507,,0,744",
        "BA,1355,JFK,3797,LHR,507,,many,744",
        "BA,1355,JFK,3797,LHR,507,,11,744",
        "\\N,\\N,JFK,3797,LHR,507,,0,744",
        "B-,1,JFK,3797,LHR,507,,0,744",
        "ABCD,1,JFK,3797,LHR,507,,0,744",
        "BA,1355,JFK,3797",
        "AA,24,DFW,3670,LHR,507,,0,777",
      ))
    #expect(batch.edges.map(\.id) == ["ROUTE|airport:LHR|airport:JFK|BA", "ROUTE|airport:DFW|airport:LHR|AA"])
    expectReport(
      report, .routes, read: 13,
      skipped: [
        .routeDuplicate: [2], .routeSourceNotImported: [3, 5], .routeDestinationNotImported: [4], .routeToItself: [6],
        .routeBadStops: [7, 8], .routeMalformedAirline: [9, 10, 11], .routeColumnCount: [12],
      ])
  }

  @Test func routesMayUseAirportsAlreadyInTheGraph() throws {
    let (batch, report) = try run(existing: ["JFK", "LHR"], routes: lines("BA,1355,LHR,507,JFK,3797,,0,744", "BA,1355,LHR,507,CDG,1382,,0,320"))
    let ba = try #require(edge(batch, "LHR", "JFK", "BA"))
    #expect(ba["distance_miles"] == nil, "no coordinates for existing airports given")
    expectReport(report, .routes, read: 2, skipped: [.routeDestinationNotImported: [2]])

    var importer = OpenFlightsImporter(existingAirportLocations: ["LHR": (51.4706, -0.461941), "JFK": (40.639751, -73.778925)])
    try importer.feed(.routes, lines("BA,1355,LHR,507,JFK,3797,,0,744"))
    let miles = GreatCircle.miles(fromLatitude: 51.4706, longitude: -0.461941, toLatitude: 40.639751, longitude: -73.778925).rounded()
    #expect(try importer.finish().batch.edges.first?["distance_miles"] == .number(miles))
  }

  @Test func anAirportSkippedForItsCountryCannotEndARoute() throws {
    let atlantis = #"9,"Atlantis Intl",\N,"Atlantis","ATL",\N,42.87,-79.59,600,-5,"A",\N,"airport","OurAirports""#
    let (batch, report) = try run(airports: lines(Self.heathrow, atlantis), routes: lines("BA,1355,LHR,507,ATL,9,,0,744"))
    #expect(batch.edges.isEmpty)
    expectReport(report, .routes, read: 1, skipped: [.routeDestinationNotImported: [1]])
  }

  // MARK: streaming and order

  @Test func feedingByteByByteGivesTheSameBatchAndReport() throws {
    let airports = lines(Self.heathrow, Self.kennedy, #"5,"No Code",\N,"Papua New Guinea",\N,"AYNZ",-6.5,146.7,1,10,"U",\N,"airport","x""#)
    let airlines = lines(#"1355,"British Airways",\N,"BA","BAW","SPEEDBIRD","United Kingdom","Y""#, #"2,"Café Air",\N,"","CAF","","France","N""#)
    let routes = Array("BA,1355,LHR,507,JFK,3797,,0,744 777\r\nBA,1355,JFK,3797,LHR,507,Y,0,744".utf8)
    let whole = try run(airports: airports, airlines: airlines, routes: routes)

    var importer = OpenFlightsImporter()
    for (kind, bytes) in [(OpenFlightsFileKind.airports, airports), (.airlines, airlines), (.routes, routes)] {
      try importer.feed(kind, [UInt8]())
      for byte in bytes { try importer.feed(kind, [byte]) }
    }
    let byteByByte = try importer.finish()
    #expect(byteByByte.batch == whole.batch)
    #expect(byteByByte.report == whole.report)
    #expect(whole.batch.nodes.count == 3)
    #expect(whole.batch.edges.count == 2)
  }

  @Test func filesMustComeInOrderAndNotAfterTheEnd() throws {
    var importer = OpenFlightsImporter()
    try importer.feed(.airlines, lines(#"1355,"British Airways",\N,"BA","BAW","SPEEDBIRD","United Kingdom","Y""#))
    #expect(throws: OpenFlightsImportError(message: "file: airports.dat data arrived after airlines.dat data; files must come in the order airports, airlines, routes")) {
      try importer.feed(.airports, lines(Self.heathrow))
    }
    try importer.feed(.routes, [UInt8]())
    #expect(throws: OpenFlightsImportError.self) { try importer.feed(.airlines, [UInt8]()) }
    let (batch, report) = try importer.finish()
    #expect(batch.nodes.map(\.id) == ["airline:BA"])
    #expect(report.files.map(\.kind) == [.airlines, .routes])
    #expect(throws: OpenFlightsImportError(message: "routes.dat data arrived after the import finished")) {
      try importer.feed(.routes, [UInt8]())
    }
    #expect(throws: OpenFlightsImportError(message: "the import has already finished")) { try importer.finish() }
  }

  @Test func requestsNamingNoKnownFileAreRejected() throws {
    var importer = OpenFlightsImporter()
    var request = Loyalty_Graph_V1_ImportOpenFlightsRequest()
    request.data = Data(lines(Self.heathrow))
    #expect(throws: OpenFlightsImportError.self) { try importer.feed(request) }
    request.file = .UNRECOGNIZED(7)
    let error = #expect(throws: OpenFlightsImportError.self) { try importer.feed(request) }
    #expect(error?.message.contains("7") == true)
    request.file = .airports
    try importer.feed(request)
    #expect(try importer.finish().batch.nodes.map(\.id) == ["airport:LHR"])
  }

  @Test func theReportMessageListsFilesWithReasonsByFrequency() throws {
    let (_, report) = try run(
      airports: lines(Self.heathrow, "1,2", "3,4", #"5,"x",\N,"Canada",\N,\N,1,1,1,1,"A",\N,"airport","x""#),
      routes: lines("BA,1,LHR,1,JFK,2,,0,744"))
    let message = report.message
    #expect(message.files.map(\.file) == [.airports, .routes])
    let airports = try #require(message.files.first)
    #expect(airports.rowsRead == 4)
    #expect(airports.rowsImported == 1)
    #expect(airports.skipped.map(\.reason) == [OpenFlightsSkipReason.airportColumnCount.rawValue, OpenFlightsSkipReason.airportWithoutIATA.rawValue])
    #expect(airports.skipped.map(\.count) == [2, 1])
    #expect(airports.skipped.first?.exampleLines == [2, 3])
    #expect(message.nodesWritten == 0 && message.durationMillis == 0)
    #expect(report.description.hasPrefix("airports.dat: 4 read, 1 imported, 3 skipped\n  2 wrong number of columns"))
  }

  @Test func exampleLinesStopAtFive() throws {
    let rows = (1...8).map { _ in "x" }
    let (_, report) = try run(routes: lines(rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6], rows[7]))
    let group = try #require(report[.routes]?[.routeColumnCount])
    #expect(group.count == 8)
    #expect(group.exampleLines == [1, 2, 3, 4, 5])
  }

  @Test func aLineOverTheBoundIsSkippedAndTheNextOneRead() throws {
    let long = #"1,""# + String(repeating: "A", count: 5000) + #"",\N"#
    let (batch, report) = try run(airports: lines(long, Self.heathrow))
    #expect(batch.nodes.map(\.id) == ["airport:LHR"])
    expectReport(report, .airports, read: 2, skipped: [.lineTooLong: [1]])
    #expect(OpenFlightsSkipReason.lineTooLong.rawValue.contains("\(OpenFlightsCSVReader.defaultMaximumLineBytes)"))
  }
}
