import Foundation
import GraphModel
import Testing

/// The OpenFlights snapshot kept beside the repository, when it is there.
private let openFlightsDataFolder: URL? = {
  let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  let folder = repository.deletingLastPathComponent().appendingPathComponent("shared/data/openflights")
  let files = ["airports.dat", "airlines.dat", "routes.dat", "countries.dat"]
  return files.allSatisfy { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) } ? folder : nil
}()

/// The importer on the OpenFlights snapshot kept beside the repository
/// (../shared/data/openflights), checked against counts worked out here with a separate,
/// deliberately plain parser.
@Suite(.enabled(if: openFlightsDataFolder != nil, "OpenFlights data not found at ../shared/data/openflights beside the repository"))
struct OpenFlightsRealDataTests {
  struct Snapshot {
    var airports: Data
    var airlines: Data
    var routes: Data
    var countries: Data
  }

  static func snapshot() throws -> Snapshot {
    let folder = try #require(openFlightsDataFolder)
    func read(_ name: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(name)) }
    return Snapshot(
      airports: try read("airports.dat"), airlines: try read("airlines.dat"), routes: try read("routes.dat"),
      countries: try read("countries.dat"))
  }

  /// Reference parser: lines split at line breaks (LF or CRLF), fields split on commas outside
  /// quotes, quotes removed, "" read as ". Enough for these files, nothing more.
  static func table(_ data: Data) -> [[String]] {
    String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map { line in
      var fields: [String] = []
      var field = ""
      var quoted = false
      var previous: Unicode.Scalar?
      for scalar in line.unicodeScalars {
        if scalar == "\"" {
          if !quoted && previous == "\"" { field.unicodeScalars.append("\"") }
          quoted.toggle()
        } else if scalar == "," && !quoted {
          fields.append(field)
          field = ""
        } else {
          field.unicodeScalars.append(scalar)
        }
        previous = scalar
      }
      fields.append(field)
      return fields
    }
  }

  static func isUpperLetters(_ text: String, count: Int) -> Bool {
    text.count == count && text.allSatisfy { $0.isASCII && $0.isUppercase }
  }

  static func importAll(_ snapshot: Snapshot, chunkSize: Int = 65_521) throws -> (batch: GraphBatch, report: OpenFlightsImportReport) {
    var importer = OpenFlightsImporter()
    for (kind, data) in [(OpenFlightsFileKind.airports, snapshot.airports), (.airlines, snapshot.airlines), (.routes, snapshot.routes)] {
      var offset = data.startIndex
      while offset < data.endIndex {
        let end = data.index(offset, offsetBy: chunkSize, limitedBy: data.endIndex) ?? data.endIndex
        try importer.feed(kind, data[offset..<end])
        offset = end
      }
    }
    return try importer.finish()
  }

  @Test func everyCountryOfTheDataHasARegion() throws {
    let snapshot = try Self.snapshot()
    let countries = Set(Self.table(snapshot.countries).map { $0[0] })
    #expect(countries.count == 259, "countries.dat names 261 rows, India and Palestine twice")
    #expect(countries.filter { CountryRegions.region(ofCountry: $0) == nil }.sorted() == [])
    let airportCountries = Set(Self.table(snapshot.airports).map { $0[3] })
    #expect(airportCountries.filter { CountryRegions.region(ofCountry: $0) == nil }.sorted() == [])
    #expect(CountryRegions.byCountry.count == countries.union(airportCountries).count, "the table holds no other names")
  }

  @Test func importsEveryUsableRowAndReportsTheRest() throws {
    let snapshot = try Self.snapshot()
    var imported: (batch: GraphBatch, report: OpenFlightsImportReport)?
    imported = try Self.importAll(snapshot)
    let (batch, report) = try #require(imported)

    // Airports: rows with a 3-letter IATA code, each code once.
    let airportRows = Self.table(snapshot.airports)
    var airportCodes: [String: [String]] = [:]
    for row in airportRows where Self.isUpperLetters(row[4], count: 3) && airportCodes[row[4]] == nil { airportCodes[row[4]] = row }
    let airports = try #require(report[.airports])
    #expect(airports.rowsRead == airportRows.count)
    #expect(airports.rowsImported == airportCodes.count)
    #expect(airports[.airportWithoutIATA]?.count == airportRows.count { $0[4] == "\\N" || $0[4].isEmpty })
    #expect(airports.rowsRead - airports.rowsSkipped == airports.rowsImported)
    #expect(batch.nodes.count { $0.label == .airport } == airports.rowsImported)

    // Airlines: one per well-formed 2-character IATA code among named rows.
    let airlineRows = Self.table(snapshot.airlines)
    let usableAirlines = airlineRows.filter { row in
      row[3].count == 2 && row[3].allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) } && !row[1].isEmpty
    }
    let airlineCodes = Set(usableAirlines.map { $0[3] })
    let airlines = try #require(report[.airlines])
    #expect(airlines.rowsRead == airlineRows.count)
    #expect(airlines.rowsImported == airlineCodes.count)
    #expect(airlines[.airlineDuplicateIATA]?.count == usableAirlines.count - airlineCodes.count)
    #expect(airlines.rowsRead - airlines.rowsSkipped == airlines.rowsImported)
    #expect(batch.nodes.count { $0.label == .airline } == airlines.rowsImported)

    // Routes: airline by IATA code, or by the ICAO code of an airline that has an IATA code;
    // both airports imported, not the same, each (airline, source, destination) once.
    var iataByICAO: [String: String] = [:]
    let activeFirst = usableAirlines.filter { $0[7] == "Y" } + usableAirlines.filter { $0[7] != "Y" }
    for row in activeFirst where Self.isUpperLetters(row[4], count: 3) && iataByICAO[row[4]] == nil {
      iataByICAO[row[4]] = row[3]
    }
    let routeRows = Self.table(snapshot.routes)
    var routeKeys = Set<String>()
    for row in routeRows {
      guard let airline = row[0].count == 2 ? row[0] : iataByICAO[row[0]],
        airportCodes[row[2]] != nil, airportCodes[row[4]] != nil, row[2] != row[4]
      else { continue }
      routeKeys.insert("\(airline) \(row[2]) \(row[4])")
    }
    let routes = try #require(report[.routes])
    #expect(routes.rowsRead == routeRows.count)
    #expect(routes.rowsImported == routeKeys.count)
    #expect(routes.rowsRead - routes.rowsSkipped == routes.rowsImported)
    #expect(batch.edges.count == routes.rowsImported)
    #expect(Set(batch.edges.map { "\($0.key) \($0.fromID.dropFirst(8)) \($0.toID.dropFirst(8))" }) == routeKeys)

    // Known airports.
    let nodes = Dictionary(uniqueKeysWithValues: batch.nodes.map { ($0.id, $0) })
    let lhr = try #require(nodes["airport:LHR"])
    #expect(lhr["latitude"]?.numberValue.map { abs($0 - 51.4706) < 0.001 } == true)
    #expect(lhr["longitude"]?.numberValue.map { abs($0 - -0.461941) < 0.001 } == true)
    #expect(lhr["region"] == "europe")
    #expect(lhr["icao"] == "EGLL")
    #expect(nodes["airport:JFK"]?["region"] == "north-america")
    #expect(nodes["airport:SIN"]?["region"] == "southeast-asia")
    #expect(nodes["airport:NRT"]?["region"] == "north-asia")
    #expect(nodes["airport:MEX"]?["region"] == "central-america")
    #expect(nodes["airport:DOH"]?["region"] == "middle-east")
    #expect(nodes["airport:SVO"]?["region"] == "europe")
    #expect(nodes["airline:BA"]?["name"] == "British Airways")
    #expect(nodes["airline:AA"]?["icao"] == "AAL")
    let jfk = try #require(nodes["airport:JFK"])
    let heathrowToKennedy = try #require(batch.edges.first { $0.id == "ROUTE|airport:LHR|airport:JFK|BA" })
    let miles = GreatCircle.miles(
      fromLatitude: try #require(lhr["latitude"]?.numberValue), longitude: try #require(lhr["longitude"]?.numberValue),
      toLatitude: try #require(jfk["latitude"]?.numberValue), longitude: try #require(jfk["longitude"]?.numberValue))
    #expect(heathrowToKennedy["distance_miles"] == .number(miles.rounded()))
    #expect((3_400...3_500).contains(miles))

    // What the store will check.
    for node in batch.nodes { try GraphSchema.validate(node) }
    for edge in batch.edges { try GraphSchema.validate(edge) }
  }

  @Test func chunkSizeDoesNotChangeTheResult() throws {
    let snapshot = try Self.snapshot()
    let small = Snapshot(
      airports: snapshot.airports.prefix(20_000), airlines: snapshot.airlines.prefix(10_000), routes: snapshot.routes.prefix(30_000),
      countries: snapshot.countries)
    let whole = try Self.importAll(small, chunkSize: .max)
    #expect(try Self.importAll(small, chunkSize: 1) == whole)
    #expect(try Self.importAll(small, chunkSize: 4_093) == whole)
  }
}
