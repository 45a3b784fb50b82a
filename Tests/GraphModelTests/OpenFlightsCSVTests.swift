import GraphModel
import Testing

@Suite struct OpenFlightsCSVTests {
  /// Every row of `text` read in chunks of `chunkSize` bytes (all at once when nil).
  private func rows(_ text: String, chunkSize: Int? = nil, maximumLineBytes: Int = OpenFlightsCSVReader.defaultMaximumLineBytes)
    -> [OpenFlightsCSVRow]
  {
    rows(Array(text.utf8), chunkSize: chunkSize, maximumLineBytes: maximumLineBytes)
  }

  private func rows(_ bytes: [UInt8], chunkSize: Int? = nil, maximumLineBytes: Int = OpenFlightsCSVReader.defaultMaximumLineBytes)
    -> [OpenFlightsCSVRow]
  {
    var reader = OpenFlightsCSVReader(maximumLineBytes: maximumLineBytes)
    var result: [OpenFlightsCSVRow] = []
    var offset = 0
    repeat {
      let end = min(bytes.count, offset + (chunkSize ?? bytes.count))
      reader.append(bytes[offset..<end])
      while let row = reader.nextRow() { result.append(row) }
      offset = end
    } while offset < bytes.count
    reader.endInput()
    while let row = reader.nextRow() { result.append(row) }
    return result
  }

  private func fields(_ row: OpenFlightsCSVRow?) -> [String?]? {
    guard case .fields(let fields) = row?.content else { return nil }
    return fields
  }

  @Test func quotedFieldsKeepCommasAndDoubledQuotes() {
    let read = rows(#"332,"Magdeburg ""City"" Airport","Bonaire, Saint Eustatius and Saba",ZMG"# + "\n")
    #expect(fields(read.first) == ["332", #"Magdeburg "City" Airport"#, "Bonaire, Saint Eustatius and Saba", "ZMG"])
  }

  @Test func backslashNIsNullQuotedOrNot() {
    let read = rows(#"1,\N,"\N","",,"\\'",\Nx"# + "\n")
    #expect(fields(read.first) == ["1", nil, nil, "", "", #"\\'"#, #"\Nx"#])
  }

  @Test func aTrailingCommaEndsWithAnEmptyField() {
    #expect(fields(rows("a,b,\n").first) == ["a", "b", ""])
    #expect(fields(rows("\"a\",\n").first) == ["a", ""])
  }

  @Test func aQuoteInsideAFieldThatIsNeitherDoubledNorClosingIsText() {
    #expect(fields(rows(#""Aeropuerto "General" Heres",x"# + "\n").first) == [#"Aeropuerto "General" Heres"#, "x"])
    #expect(fields(rows(#"ab"c,d"# + "\n").first) == [#"ab"c"#, "d"])
  }

  @Test func utf8NamesSurviveAnyChunking() {
    let text = #"676,"Szczecin-Goleniów ""Solidarność"" Airport","Szczecin","Poland""# + "\n" + #"2,"東京国際空港","Tōkyō","Japan""# + "\n"
    let expected: [[String?]] = [
      ["676", #"Szczecin-Goleniów "Solidarność" Airport"#, "Szczecin", "Poland"],
      ["2", "東京国際空港", "Tōkyō", "Japan"],
    ]
    for chunkSize in [1, 2, 3, 5, 7, nil] {
      #expect(rows(text, chunkSize: chunkSize).map { fields($0) } == expected, "chunk size \(chunkSize.map(String.init) ?? "all")")
    }
  }

  @Test func lfAndCrlfEndingsAndALastLineWithoutNewline() {
    let read = rows("a,b\r\nc,d\ne,f")
    #expect(read.map { fields($0) } == [["a", "b"], ["c", "d"], ["e", "f"]])
    #expect(read.map(\.line) == [1, 2, 3])
    // A CR split from its LF by a chunk boundary is still part of the line ending.
    #expect(rows("a,b\r\nc,d\r\n", chunkSize: 4).map { fields($0) } == [["a", "b"], ["c", "d"]])
  }

  @Test func blankLinesAreSkippedButCounted() {
    let read = rows("a\n\n  \r\nb\n\n")
    #expect(read.map { fields($0) } == [["a"], ["b"]])
    #expect(read.map(\.line) == [1, 4])
  }

  @Test func aByteOrderMarkIsIgnored() {
    #expect(fields(rows([0xEF, 0xBB, 0xBF] + Array("a,b\n".utf8)).first) == ["a", "b"])
  }

  @Test func byteByByteGivesTheSameRowsAsOneChunk() {
    let text = [
      #"1,"Goroka Airport","Goroka","Papua New Guinea","GKA","AYGA",-6.08,145.39,5282,10,"U","Pacific/Port_Moresby","airport","OurAirports""#,
      "2B,410,AER,2965,KZN,2990,,0,CR2",
      #"13394,"Jayrow","","\\'","\\'\\","","Australia","Y""#,
      #""unclosed,1"#,
      #""São Tomé, ""Centro""",\N"#,
    ].joined(separator: "\r\n")
    let whole = rows(text)
    #expect(whole.count == 5)
    #expect(rows(text, chunkSize: 1) == whole)
    #expect(rows(text, chunkSize: 13) == whole)
  }

  @Test func anUnclosedQuoteSpoilsOnlyItsLine() {
    let read = rows("\"abc,def\nx,y\n")
    #expect(read.first == OpenFlightsCSVRow(line: 1, content: .unreadable(.unclosedQuote)))
    #expect(fields(read.last) == ["x", "y"])
  }

  @Test func invalidUTF8IsReported() {
    let read = rows(Array("ok,".utf8) + [0xC3, 0x28] + Array("\nnext\n".utf8))
    #expect(read.first == OpenFlightsCSVRow(line: 1, content: .unreadable(.invalidUTF8)))
    #expect(fields(read.last) == ["next"])
  }

  @Test func aLineOverTheBoundIsDroppedWhileItStreams() {
    let long = String(repeating: "x", count: 50)
    let text = "short,1\n\(long)\nexact-16-bytes!!\r\nlast-line-too-long-\(long)"
    for chunkSize in [1, 4, 16, nil] {
      let read = rows(text, chunkSize: chunkSize, maximumLineBytes: 16)
      #expect(
        read == [
          OpenFlightsCSVRow(line: 1, content: .fields(["short", "1"])),
          OpenFlightsCSVRow(line: 2, content: .unreadable(.lineTooLong)),
          OpenFlightsCSVRow(line: 3, content: .fields(["exact-16-bytes!!"])),
          OpenFlightsCSVRow(line: 4, content: .unreadable(.lineTooLong)),
        ], "chunk size \(chunkSize.map(String.init) ?? "all")")
    }
  }

  @Test func rowsWaitForTheEndOfTheirLine() {
    var reader = OpenFlightsCSVReader()
    reader.append(Array("a,b".utf8))
    #expect(reader.nextRow() == nil)
    reader.append(Array(",c\nd".utf8))
    #expect(reader.nextRow() == OpenFlightsCSVRow(line: 1, content: .fields(["a", "b", "c"])))
    #expect(reader.nextRow() == nil)
    reader.endInput()
    #expect(reader.nextRow() == OpenFlightsCSVRow(line: 2, content: .fields(["d"])))
    #expect(reader.nextRow() == nil)
  }
}
