import Foundation
import GraphModel
import IngestionCore
import NIOCore
import Testing

@Suite struct LLMFactExtractorTests {
  /// One fact of each type, both kinds of award chart.
  static let sample = ExtractedFacts(
    pageType: .earningChart,
    facts: [
      ExtractedFact(
        .earningRate(
          EarningRate(program: "ac-aeroplan", carrier: "LH", fareClasses: ["J", "C"], cabin: .business, accrualPercent: 125, carrierMatch: "operating")),
        confidence: 0.95, evidence: "| J, C | Business | 125% |"),
      ExtractedFact(
        .revenueRate(
          RevenueRate(program: "ua-mileageplus", carriers: ["UA"], currency: "USD", rates: ["": 5, "Premier 1K": 11], effectiveDate: "2025-01-01")),
        confidence: 0.9),
      ExtractedFact(
        .transferRatio(
          TransferRatio(fromProgram: "amex-membership-rewards", toProgram: "ba-executive-club", fromPoints: 5, toPoints: 4, minimum: 1000, increment: 1000)),
        confidence: 1, evidence: "1,000 points = 800 Avios"),
      ExtractedFact(
        .awardPrice(AwardPrice(program: "ba-executive-club", chart: "distance", minDistance: 0, maxDistance: 650, cabin: .economy, points: 4500, operatedBy: "own")),
        confidence: 0.8),
      ExtractedFact(
        .awardPrice(
          AwardPrice(
            program: "ac-aeroplan", chart: "zone", originRegion: .northAmerica, destinationRegion: .europe, cabin: .premiumEconomy, points: 70000,
            operatedBy: "partner")),
        confidence: 0.7),
      ExtractedFact(
        .eliteTier(EliteTierFact(program: "aa-aadvantage", name: "Gold", rank: 1, qualification: ["Loyalty Points": 40000], bonusPercent: 40, allianceTier: "Oneworld Ruby")),
        confidence: 1),
      ExtractedFact(.partner(Partner(program: "aa-aadvantage", airline: "BA", earn: true, redeem: false)), confidence: 0.6),
    ])

  static let text = ProcessedText(
    title: "Earning with Lufthansa",
    text: "# Earning with Lufthansa\n\n| Fare class | Cabin | Miles |\n| --- | --- | --- |\n| J, C | Business | 125% |")

  static let context = ExtractionContext(
    documentKey: "programs/ac/earning-lufthansa.html", sourceURL: "https://www.aircanada.com/aeroplan/lufthansa", retrievedDate: "2025-05-01")

  static let apiKey = "sk-test-0123456789abcdef"

  static var sampleJSON: String { String(decoding: (try? sample.jsonData()) ?? Data(), as: UTF8.self) }

  /// `sampleJSON` with `replacement` in place of the first occurrence of `target`.
  static func sampleJSON(replacing target: String, with replacement: String) throws -> String {
    let json = sampleJSON
    let range = try #require(json.range(of: target), "the sample has no \(target)")
    return json.replacingCharacters(in: range, with: replacement)
  }

  static func extractor(_ server: FakeChatCompletionServer, timeout: TimeAmount = .seconds(30)) throws -> LLMFactExtractor {
    try LLMFactExtractor(baseURL: server.baseURL, model: "test-model", apiKey: apiKey, timeout: timeout)
  }

  /// The error extracting from a server answering `reply`; records an issue when there is none.
  static func failure(
    _ reply: FakeChatCompletionServer.Reply, timeout: TimeAmount = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation
  ) async throws -> FactExtractionError? {
    try await withFakeChatCompletionServer(reply) { server in
      let extractor = try Self.extractor(server, timeout: timeout)
      return await #expect(throws: FactExtractionError.self, sourceLocation: sourceLocation) {
        _ = try await extractor.extract(from: text, context: context)
      }
    }
  }

  // MARK: The request

  @Test func postsAChatCompletionPromptedWithTheSchemaAndTheDocument() async throws {
    try await withFakeChatCompletionServer(.content(Self.sampleJSON)) { server in
      let extractor = try LLMFactExtractor(baseURL: server.baseURL + "/", model: "test-model", apiKey: Self.apiKey)

      let facts = try await extractor.extract(from: Self.text, context: Self.context)

      #expect(facts == Self.sample)
      #expect(extractor.name == "llm:test-model")
      let request = try #require(server.requests.first)
      #expect(server.requests.count == 1)
      #expect(request.method == "POST")
      #expect(request.uri == "/v1/chat/completions")
      #expect(request.headers["authorization"] == "Bearer \(Self.apiKey)")
      #expect(request.headers["content-type"] == "application/json")
      let body = request.json
      #expect(body["model"] as? String == "test-model")
      #expect(body["temperature"] as? Double == 0)
      #expect((body["response_format"] as? [String: Any])?["type"] as? String == "json_object")
      #expect((body["messages"] as? [[String: Any]])?.map { $0["role"] as? String } == ["system", "user"])
      let system = try #require(request.message("system"))
      #expect(system.contains(ExtractedFacts.jsonSchema))
      #expect(system.contains("lowest terms"))
      #expect(system.contains("carrier_match is \"operating\""))
      #expect(system.contains("effective_date only when the page states"))
      let user = try #require(request.message("user"))
      #expect(user.contains("Document: programs/ac/earning-lufthansa.html"))
      #expect(user.contains("Source URL: https://www.aircanada.com/aeroplan/lufthansa"))
      #expect(user.contains("Retrieved: 2025-05-01"))
      #expect(user.contains("Title: Earning with Lufthansa"))
      #expect(user.contains(Self.text.text))
      #expect(!user.contains("cut"))
    }
  }

  @Test func aURLEndingInChatCompletionsIsUsedAsGiven() async throws {
    try await withFakeChatCompletionServer(.content(Self.sampleJSON)) { server in
      let extractor = try LLMFactExtractor(baseURL: server.baseURL + "/chat/completions", model: "local")
      _ = try await extractor.extract(from: Self.text, context: Self.context)
      #expect(extractor.endpoint == server.baseURL + "/chat/completions")
      #expect(server.requests.map(\.uri) == ["/v1/chat/completions"])
      #expect(server.requests.first?.headers["authorization"] == nil)
    }
  }

  @Test func longDocumentsAreCutAtALineAndThePromptSaysSo() async throws {
    let rows = (1...50).map { "| \($0) | Business | 125% |" }
    let long = ProcessedText(title: nil, text: rows.joined(separator: "\n"))
    try await withFakeChatCompletionServer(.content(Self.sampleJSON)) { server in
      let extractor = try LLMFactExtractor(baseURL: server.baseURL, model: "m", maxDocumentCharacters: 200)
      _ = try await extractor.extract(from: long, context: ExtractionContext(documentKey: "long.html", retrievedDate: "2025-05-01"))

      let user = try #require(server.requests.first?.message("user"))
      #expect(user.contains("The text is cut"))
      #expect(user.contains("of \(long.text.count) characters"))
      #expect(user.contains("\n| 1 | Business | 125% |"))
      #expect(!user.contains("| 50 |"))
      #expect(!user.contains("Source URL"))
      let text = try #require(user.components(separatedBy: "<<<\n").last?.components(separatedBy: "\n>>>").first)
      #expect(text.count <= 200)
      #expect(text.hasSuffix("| Business | 125% |"), "cut at the end of a row")
    }
  }

  // MARK: The reply

  @Test func aFencedReplyIsRead() async throws {
    try await withFakeChatCompletionServer(.content("```json\n\(Self.sampleJSON)\n```\n")) { server in
      let facts = try await Self.extractor(server).extract(from: Self.text, context: Self.context)
      #expect(facts == Self.sample)
    }
  }

  @Test func aNullOptionalFieldCountsAsLeftOut() async throws {
    let withNull = try Self.sampleJSON(replacing: #""carrier_match""#, with: #""effective_date" : null, "carrier_match""#)
    try await withFakeChatCompletionServer(.content(withNull)) { server in
      let facts = try await Self.extractor(server).extract(from: Self.text, context: Self.context)
      #expect(facts == Self.sample)
    }
  }

  @Test func anInvalidCabinIsNamedByItsField() async throws {
    let json = try Self.sampleJSON(replacing: #""cabin" : "economy""#, with: #""cabin" : "biz""#)
    let error = try await Self.failure(.content(json))
    #expect(error == .invalidOutput("facts[3].cabin: 'biz' is not economy, premium-economy, business or first"))
  }

  @Test(arguments: [
    ("Here are the facts you asked for.", "the message is not JSON: Here are the facts you asked for."),
    ("[1, 2]", "the message is JSON but not an object"),
    (#"{"schema_version": 2, "page_type": "unknown", "facts": []}"#, "schema_version: 2 is not 1"),
    (#"{"schema_version": 1, "page_type": "blog", "facts": []}"#,
     "page_type: 'blog' is not earning_chart, partner_page, transfer_partners, award_chart, elite_tiers or unknown"),
    (#"{"schema_version": 1, "page_type": "unknown"}"#, "facts: is required"),
    (#"{"schema_version": 1, "page_type": "unknown", "facts": [], "notes": "none"}"#,
     "notes: is not a field of the facts (allowed: facts, page_type, schema_version)"),
    (#"{"schema_version": 1, "page_type": "unknown", "facts": [{"type": "bonus", "program": "x"}]}"#,
     "facts[0].type: 'bonus' is not earning_rate, revenue_rate, transfer_ratio, award_price, elite_tier or partner"),
    (#"{"schema_version": 1, "page_type": "partner_page", "facts": [{"type": "partner", "program": "aa-aadvantage", "airline": "BA", "earn": true, "confidence": 1}]}"#,
     "facts[0].redeem: is required"),
    (#"{"schema_version": 1, "page_type": "partner_page", "facts": [{"type": "partner", "program": "aa-aadvantage", "airline": "BA", "earn": true, "redeem": true, "confidence": 1, "alliance": "oneworld"}]}"#,
     "facts[0].alliance: is not a field of partner (allowed: airline, confidence, earn, evidence, program, redeem, type)"),
    (#"{"schema_version": 1, "page_type": "partner_page", "facts": [{"type": "partner", "program": "aa-aadvantage", "airline": "BA", "earn": "yes", "redeem": true, "confidence": 1}]}"#,
     "facts[0].earn: must be true or false"),
    (#"{"schema_version": 1, "page_type": "partner_page", "facts": [{"type": "partner", "program": "aa-aadvantage", "airline": "BA", "earn": true, "redeem": true, "confidence": 1.5}]}"#,
     "facts[0].confidence: 1.5 is outside 0…1"),
    (#"{"schema_version": 1, "page_type": "award_chart", "facts": [{"type": "award_price", "program": "ba-executive-club", "chart": "zone", "cabin": "first", "points": "lots", "operated_by": "own", "confidence": 1}]}"#,
     "facts[0].points: must be a whole number"),
    (#"{"schema_version": 1, "page_type": "award_chart", "facts": [{"type": "award_price", "program": "ba-executive-club", "chart": "band", "cabin": "first", "points": 1, "operated_by": "own", "confidence": 1}]}"#,
     "facts[0].chart: 'band' is not zone or distance"),
  ])
  func repliesThatAreNotFactsOfTheSchemaAreInvalidOutput(content: String, problem: String) async throws {
    let error = try await Self.failure(.content(content))
    #expect(error == .invalidOutput(problem))
  }

  @Test func aReplyThatIsNotAChatCompletionIsInvalidOutput() async throws {
    let html = try await Self.failure(.status(200, body: "<html>It works</html>"))
    guard case .invalidOutput(let problem) = html else { Issue.record("got \(String(describing: html))"); return }
    #expect(problem.hasPrefix("the reply is not a chat completion"))

    #expect(try await Self.failure(.status(200, body: #"{"choices": []}"#)) == .invalidOutput("the reply has no choices"))
    #expect(
      try await Self.failure(.status(200, body: #"{"choices": [{"message": {"content": null, "refusal": "I can't help with that."}}]}"#))
        == .invalidOutput("the model refused: I can't help with that."))
    let cutOff = #"{"choices": [{"message": {"content": "{\"schema_version\": 1, \"page_ty"}, "finish_reason": "length"}]}"#
    let truncated = try await Self.failure(.status(200, body: cutOff))
    guard case .invalidOutput(let reason) = truncated else { Issue.record("got \(String(describing: truncated))"); return }
    #expect(reason.hasPrefix("the model stopped at its output limit"))
  }

  // MARK: Failures of the endpoint

  @Test(arguments: [500, 502, 503, 429, 408])
  func serverErrorsAndRateLimitsAreTransient(status: Int) async throws {
    let error = try await Self.failure(.status(status, body: #"{"error": {"message": "try again later"}}"#))
    #expect(error?.isTransient == true)
    #expect(error == .transient(#"the chat completions endpoint answered HTTP \#(status): {"error": {"message": "try again later"}}"#))
  }

  @Test func anUnauthorizedRequestFailsTheEndpointWithoutRevealingTheKey() async throws {
    let body = #"{"error": {"message": "Incorrect API key provided: \#(Self.apiKey).", "type": "invalid_request_error"}}"#
    let error = try await Self.failure(.status(401, body: body))
    #expect(error == .endpointFailed(status: 401, body: #"{"error": {"message": "Incorrect API key provided: <api key>.", "type": "invalid_request_error"}}"#))
    #expect(error?.isTransient == false)
    #expect(!String(describing: error).contains(Self.apiKey))
  }

  @Test func aLongErrorBodyIsCut() async throws {
    let error = try await Self.failure(.status(404, body: String(repeating: "not found ", count: 100)))
    guard case .endpointFailed(404, let excerpt) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(excerpt.count == 201)
    #expect(excerpt.hasSuffix("…"))
  }

  @Test func aSilentEndpointIsTransientAfterTheTimeout() async throws {
    let started = ContinuousClock.now
    let error = try await Self.failure(.silence, timeout: .seconds(1))
    #expect(error?.isTransient == true)
    #expect(String(describing: error).contains("within 1 s"))
    // Far below the extractor's default timeout, with room for a loaded machine.
    #expect(ContinuousClock.now - started < .seconds(60))
  }

  @Test func aRefusedConnectionIsTransient() async throws {
    let closedURL = try await withFakeChatCompletionServer(.silence) { $0.baseURL }
    let extractor = try LLMFactExtractor(baseURL: closedURL, model: "m", apiKey: Self.apiKey, timeout: .seconds(5))
    let error = await #expect(throws: FactExtractionError.self) { _ = try await extractor.extract(from: Self.text, context: Self.context) }
    #expect(error?.isTransient == true)
  }

  @Test func theAPIKeyAppearsInNoErrorAndNoDescription() async throws {
    var errors: [FactExtractionError?] = []
    for reply: FakeChatCompletionServer.Reply in [
      .status(500, body: "key \(Self.apiKey) is over its quota"), .status(403, body: "forbidden for \(Self.apiKey)"),
      .content("not JSON \(Self.apiKey)"), .silence,
    ] {
      errors.append(try await Self.failure(reply, timeout: .seconds(1)))
    }
    #expect(errors.count == 4)
    for error in errors {
      #expect(error != nil)
      #expect(!String(describing: error).contains(Self.apiKey))
      #expect(!String(reflecting: error).contains(Self.apiKey))
    }
    let extractor = try LLMFactExtractor(baseURL: "http://127.0.0.1:1/v1", model: "m", apiKey: Self.apiKey)
    #expect(!String(describing: extractor).contains(Self.apiKey))
    #expect(!String(reflecting: extractor).contains(Self.apiKey))
  }

  @Test func configurationIsChecked() {
    #expect(throws: FactExtractionError.self) { try LLMFactExtractor(baseURL: "ftp://example.com", model: "m") }
    #expect(throws: FactExtractionError.self) { try LLMFactExtractor(baseURL: "not a url", model: "m") }
    #expect(throws: FactExtractionError.self) { try LLMFactExtractor(baseURL: "http://127.0.0.1:1/v1", model: " ") }
    #expect(throws: FactExtractionError.self) { try LLMFactExtractor(baseURL: "http://127.0.0.1:1/v1", model: "m", timeout: .zero) }
    #expect(throws: FactExtractionError.self) { try LLMFactExtractor(baseURL: "http://127.0.0.1:1/v1", model: "m", maxDocumentCharacters: 0) }
    #expect((try? LLMFactExtractor(baseURL: " https://api.example.com/v1/ ", model: "m"))?.endpoint == "https://api.example.com/v1/chat/completions")
  }

  // MARK: The schema

  @Test func theSchemaIsJSONNamingEveryFactTypePageTypeCabinAndRegion() throws {
    let schema = try #require(try JSONSerialization.jsonObject(with: Data(ExtractedFacts.jsonSchema.utf8)) as? [String: Any])
    #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
    let definitions = try #require(schema["$defs"] as? [String: [String: Any]])
    let properties = try #require(schema["properties"] as? [String: [String: Any]])

    #expect(properties["page_type"]?["enum"] as? [String] == PageType.allCases.map(\.rawValue))
    #expect(definitions["cabin"]?["enum"] as? [String] == Cabin.allCases.map(\.rawValue))
    #expect(definitions["region"]?["enum"] as? [String] == Region.allCases.map(\.rawValue))
    let variants = try #require((properties["facts"]?["items"] as? [String: Any])?["oneOf"] as? [[String: String]])
    let types = Set(Self.sample.facts.map(\.body.type))
    #expect(types.count == 6)
    #expect(Set(variants.compactMap { $0["$ref"]?.replacingOccurrences(of: "#/$defs/", with: "") }) == types)
    for type in types {
      let definition = try #require(definitions[type], "no definition for \(type)")
      #expect(((definition["properties"] as? [String: Any])?["type"] as? [String: String])?["const"] == type)
      #expect(definition["additionalProperties"] as? Bool == false)
    }
  }

  @Test(.enabled("needs python3 with jsonschema (pip install jsonschema)") { await Python.canImportJSONSchema() })
  func encodedFactsConformToTheSchema() async throws {
    let valid = [
      Self.sample,
      ExtractedFacts(pageType: .unknown, facts: []),
      ExtractedFacts(
        pageType: .eliteTiers,
        facts: [ExtractedFact(.eliteTier(EliteTierFact(program: "dl-skymiles", name: "Silver Medallion", rank: 1, qualification: ["MQD": 5000])), confidence: 0.5)]),
    ]
    for facts in valid {
      let result = try await Python.validate(try facts.jsonData())
      #expect(result.status == 0, "\(result.output)")
    }
    // The check is real: a fact the schema forbids fails it.
    let invalid = try Self.sampleJSON(replacing: #""cabin" : "economy""#, with: #""cabin" : "biz""#)
    let rejected = try await Python.validate(Data(invalid.utf8))
    #expect(rejected.status == 1, "\(rejected.output)")
  }
}

/// python3 with the jsonschema package, run without blocking a cooperative thread: the tests
/// share two of them.
private enum Python {
  static func canImportJSONSchema() async -> Bool { await jsonschemaAvailability.value }

  private static let jsonschemaAvailability = Task<Bool, Never> {
    (try? await run(["-c", "import jsonschema"]))?.status == 0
  }

  /// Exits 0 when the document conforms to `ExtractedFacts.jsonSchema`, 1 with the errors
  /// when it does not.
  static func validate(_ document: Data) async throws -> (status: Int32, output: String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fact-schema-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let schemaFile = folder.appendingPathComponent("schema.json")
    let documentFile = folder.appendingPathComponent("facts.json")
    try Data(ExtractedFacts.jsonSchema.utf8).write(to: schemaFile)
    try document.write(to: documentFile)
    let script = """
      import json, sys
      from jsonschema import Draft202012Validator
      schema = json.load(open(sys.argv[1]))
      Draft202012Validator.check_schema(schema)
      errors = list(Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
      for error in errors:
          print(error.json_path, error.message)
      sys.exit(1 if errors else 0)
      """
    return try await run(["-c", script, schemaFile.path, documentFile.path])
  }

  /// Runs python3 to its end (killing it after 60 s) and returns its exit status and output.
  private static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
    let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("python-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outputFile) }
    let output = try FileHandle(forWritingTo: outputFile)
    defer { try? output.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let deadline = ContinuousClock.now + .seconds(60)
    while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
    if process.isRunning { process.terminate() }
    while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: try Data(contentsOf: outputFile), as: UTF8.self))
  }
}
