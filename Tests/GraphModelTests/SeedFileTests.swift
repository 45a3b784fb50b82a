import Foundation
import GraphModel
import Testing

@Suite struct SeedFileTests {
  private func decode(_ json: String) throws(SeedFileError) -> GraphBatch {
    try SeedFile.decode(Data(json.utf8))
  }

  private func error(decoding json: String) -> SeedFileError? {
    do {
      _ = try decode(json)
      return nil
    } catch {
      return error
    }
  }

  static let airport = #"{"id": "airport:LHR", "label": "Airport", "properties": {"iata": "LHR", "name": "London Heathrow Airport", "country": "United Kingdom", "region": "europe", "latitude": 51.4706, "longitude": -0.461941}}"#
  static let airline = #"{"id": "airline:BA", "label": "Airline", "properties": {"iata": "BA", "name": "British Airways"}}"#
  static let alliance = #"{"id": "alliance:oneworld", "label": "Alliance", "properties": {"name": "oneworld"}}"#

  @Test func decodesNodesAndEdgesInFileOrder() throws {
    let batch = try decode(
      """
      {"format": 1, "description": "two facts",
       "nodes": [\(Self.airline), \(Self.alliance)],
       "edges": [{"type": "MEMBER_OF", "from": "airline:BA", "to": "alliance:oneworld"},
                 {"type": "ROUTE", "from": "airport:LHR", "to": "airport:JFK", "key": "BA", "properties": {"airline": "BA", "stops": 0}}]}
      """)
    #expect(
      batch
        == GraphBatch(
          nodes: [
            GraphNode(id: "airline:BA", label: .airline, properties: ["iata": "BA", "name": "British Airways"]),
            GraphNode(id: "alliance:oneworld", label: .alliance, properties: ["name": "oneworld"]),
          ],
          edges: [
            GraphEdge(type: .memberOf, fromID: "airline:BA", toID: "alliance:oneworld"),
            // Both airports are outside the file: the store checks that they exist.
            GraphEdge(type: .route, fromID: "airport:LHR", toID: "airport:JFK", key: "BA", properties: ["airline": "BA", "stops": 0]),
          ]))
  }

  @Test func absentListsAreEmpty() throws {
    #expect(try decode(#"{"format": 1}"#) == GraphBatch())
    #expect(try decode(#"{"format": 1, "nodes": null, "edges": []}"#) == GraphBatch())
  }

  @Test(arguments: [
    ("not json", "", "is not valid JSON"),
    ("[]", "", "must be a JSON object"),
    (#"{"nodes": []}"#, "format", "is required"),
    (#"{"format": 2}"#, "format", "version 2 is not supported (this build reads version 1)"),
    (#"{"format": "1"}"#, "format", "'1' must be a whole number"),
    (#"{"format": 1, "comment": "x"}"#, "comment", "is not a field here"),
    (#"{"format": 1, "nodes": {}}"#, "nodes", "must be a JSON array"),
    (#"{"format": 1, "nodes": [7]}"#, "nodes[0]", "must be a JSON object"),
    (#"{"format": 1, "nodes": [{"label": "Airport"}]}"#, "nodes[0].id", "is required"),
    (#"{"format": 1, "nodes": [{"id": 5, "label": "Airport"}]}"#, "nodes[0].id", "'5' must be text"),
    (#"{"format": 1, "nodes": [{"id": "x", "lable": "Airport"}]}"#, "nodes[0].lable", "is not a field here (allowed: id, label, properties)"),
    (#"{"format": 1, "nodes": [\#(SeedFileTests.airline), {"id": "airport:LHR", "label": "Airprot"}]}"#, "nodes[1].label", "'Airprot' is not a node label"),
    (#"{"format": 1, "nodes": [{"id": "airline:BA", "label": "Airline", "properties": []}]}"#, "nodes[0].properties", "must be a JSON object"),
    (#"{"format": 1, "nodes": [{"id": "airline:BA", "label": "Airline", "properties": {"iata": "BA"}}]}"#, "nodes[0].properties.name", "is required"),
    (
      #"{"format": 1, "nodes": [{"id": "airport:LHR", "label": "Airport", "properties": {"iata": "lhr", "name": "Heathrow", "country": "United Kingdom", "region": "europe", "latitude": 51.47, "longitude": -0.46}}]}"#,
      "nodes[0].properties.iata", "'lhr' must be 3 upper-case letters"
    ),
    (
      #"{"format": 1, "nodes": [{"id": "airport:LHR", "label": "Airport", "properties": {"iata": "LHR", "name": "Heathrow", "country": "United Kingdom", "region": "Europe", "latitude": 51.47, "longitude": -0.46}}]}"#,
      "nodes[0].properties.region", "'Europe' is not one of"
    ),
    (#"{"format": 1, "nodes": [{"id": "airline BA", "label": "Airline", "properties": {"name": "British Airways"}}]}"#, "nodes[0].id", "may not contain spaces"),
    (#"{"format": 1, "nodes": [\#(SeedFileTests.airline), \#(SeedFileTests.alliance), \#(SeedFileTests.airline)]}"#, "nodes[2].id", "'airline:BA' is already the id of nodes[0]"),
    (
      #"{"format": 1, "nodes": [{"id": "rule:x", "label": "EarningRule", "properties": {"program_id": "aa-aadvantage", "description": "d", "basis": "distance", "accrual_percent": 100, "carriers": ["BA"], "carrier_match": "marketing", "state": "effective", "effective_date": "2020-01-01", "source_document_id": "doc:x", "elite_metrics": [{"name": "Loyalty Points", "per": "dollar", "amount": 1}]}}]}"#,
      "nodes[0].properties.elite_metrics[0].per", "'dollar' is not mile"
    ),
    (#"{"format": 1, "edges": [{"type": "MEMBER", "from": "airline:BA", "to": "alliance:oneworld"}]}"#, "edges[0].type", "'MEMBER' is not an edge type"),
    (#"{"format": 1, "edges": [{"type": "MEMBER_OF", "from": "airline:BA"}]}"#, "edges[0].to", "is required"),
    (#"{"format": 1, "edges": [{"type": "MEMBER_OF", "from": "airline:BA|x", "to": "alliance:oneworld"}]}"#, "edges[0].from", "may not contain"),
    (#"{"format": 1, "edges": [{"type": "MEMBER_OF", "from": "airline:BA", "to": "alliance:oneworld", "key": 3}]}"#, "edges[0].key", "must be text"),
    (#"{"format": 1, "edges": [{"type": "MEMBER_OF", "from": "airline:BA", "to": "alliance:oneworld", "weight": 3}]}"#, "edges[0].weight", "is not a field here"),
    (#"{"format": 1, "edges": [{"type": "ROUTE", "from": "airport:LHR", "to": "airport:JFK", "properties": {"airline": "BA"}}]}"#, "edges[0].key", "needs the airline code"),
    (
      #"{"format": 1, "edges": [{"type": "TRANSFERS_TO", "from": "program:a", "to": "program:b", "properties": {"to_points": 1, "minimum": 1000, "increment": 1000, "source_document_id": "doc:x"}}]}"#,
      "edges[0].properties.from_points", "is required"
    ),
    (
      #"{"format": 1, "nodes": [\#(SeedFileTests.airline), \#(SeedFileTests.alliance)], "edges": [{"type": "MEMBER_OF", "from": "alliance:oneworld", "to": "airline:BA"}]}"#,
      "edges[0]", "MEMBER_OF cannot join Alliance to Airline (it joins Airline → Alliance)"
    ),
    (
      #"{"format": 1, "nodes": [\#(SeedFileTests.airport)], "edges": [{"type": "MEMBER_OF", "from": "airline:BA", "to": "airport:LHR"}]}"#,
      "edges[0]", "MEMBER_OF cannot join a node outside the file to Airport"
    ),
    (
      #"{"format": 1, "edges": [{"type": "MEMBER_OF", "from": "airline:BA", "to": "alliance:oneworld"}, {"type": "MEMBER_OF", "from": "airline:BA", "to": "alliance:oneworld", "key": ""}]}"#,
      "edges[1]", "repeats edges[0] (MEMBER_OF from airline:BA to alliance:oneworld)"
    ),
  ])
  func rejectsWithThePathOfTheProblem(json: String, path: String, message: String) {
    let error = error(decoding: json)
    #expect(error?.path == path, "\(error.map(String.init(describing:)) ?? "decoded")")
    #expect(error?.message.contains(message) == true, "\(error.map(String.init(describing:)) ?? "decoded")")
  }

  @Test func errorDescriptionLeadsWithThePath() {
    let error = error(decoding: #"{"format": 1, "nodes": [{"id": "airport:LHR", "label": "Airprot"}]}"#)
    #expect(error?.description.hasPrefix("nodes[0].label: 'Airprot' is not a node label (one of Airline, Alliance,") == true)
    #expect(SeedFileError(path: "", message: "is not valid JSON").description == "seed file: is not valid JSON")
  }

  @Test func routesBetweenTheSameAirportsDifferByAirline() throws {
    let batch = try decode(
      """
      {"format": 1, "edges": [
        {"type": "ROUTE", "from": "airport:LHR", "to": "airport:JFK", "key": "BA", "properties": {"airline": "BA"}},
        {"type": "ROUTE", "from": "airport:LHR", "to": "airport:JFK", "key": "AA", "properties": {"airline": "AA"}}]}
      """)
    #expect(batch.edges.map(\.key) == ["BA", "AA"])
  }

  @Test func encodesPrettySortedAndReadsBackUnchanged() throws {
    let batch = GraphBatch(
      nodes: [
        GraphNode(id: "airline:BA", label: .airline, properties: ["name": "British Airways", "iata": "BA", "active": true]),
        GraphNode(id: "alliance:oneworld", label: .alliance, properties: ["name": "oneworld"]),
      ],
      edges: [
        GraphEdge(type: .memberOf, fromID: "airline:BA", toID: "alliance:oneworld"),
        GraphEdge(type: .route, fromID: "airport:LHR", toID: "airport:JFK", key: "BA", properties: ["airline": "BA", "distance_miles": 3451]),
      ])
    let data = SeedFile.encode(batch)
    let text = String(decoding: data, as: UTF8.self)

    #expect(try SeedFile.decode(data) == batch)
    #expect(text.contains("\n"))
    let edges = try #require(text.range(of: "\"edges\""))
    let format = try #require(text.range(of: "\"format\""))
    let nodes = try #require(text.range(of: "\"nodes\""))
    #expect(edges.lowerBound < format.lowerBound && format.lowerBound < nodes.lowerBound)
    let active = try #require(text.range(of: "\"active\""))
    let iata = try #require(text.range(of: "\"iata\""))
    let name = try #require(text.range(of: "\"name\""))
    #expect(active.lowerBound < iata.lowerBound && iata.lowerBound < name.lowerBound)
    // An edge without key or properties writes neither.
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let written = try #require(object["edges"] as? [[String: Any]])
    #expect(Set(written[0].keys) == ["type", "from", "to"])
    #expect(Set(written[1].keys) == ["type", "from", "to", "key", "properties"])
  }
}
