import Foundation
import IngestionCore
import Testing

/// What fact extractors read of a saved web page: its content in order, tables as tables,
/// nothing of scripts, styles or hidden parts.
@Suite struct HTMLTextExtractorTests {
  private func text(_ html: String) -> String { HTMLTextExtractor.extract(html).text }

  @Test func headingsParagraphsAndLists() {
    let html = """
      <!doctype html><html><head><title> Aeroplan &amp; United </title><meta charset="utf-8"></head>
      <body><nav><a href="/">Home</a></nav>
      <h1>Earning   miles</h1><p>Earn miles on
      United flights.</p><h3>Notes</h3>
      <ul><li>Economy</li><li><p>Business</p></li><li>First<ul><li>Nested</li></ul></li></ul>
      <div>Last <b>bold</b><span>word</span><br>next line</div></body></html>
      """
    let processed = HTMLTextExtractor.extract(html)
    #expect(processed.title == "Aeroplan & United")
    #expect(
      processed.text == """
        Home

        # Earning miles

        Earn miles on United flights.

        ### Notes

        - Economy
        - Business
        - First
        - Nested

        Last boldword
        next line
        """
    )
  }

  @Test func titleFallsBackToTheFirstH1() {
    #expect(HTMLTextExtractor.extract("<body><h2>Intro</h2><h1>Partner <i>earning</i></h1></body>").title == "Partner earning")
    #expect(HTMLTextExtractor.extract("<body><p>No heading</p></body>").title == nil)
  }

  @Test func scriptsStylesCommentsAndHiddenPartsAreGone() {
    let html = """
      <html><head><style>.x { content: "styled" }</style><script>var rate = "1,000 points = 1,000 Avios";</script></head>
      <body><script type="application/ld+json">{"offer": "1,000 points = 1,000 Avios"}</script>
      <!-- 1,000 points = 1,000 Avios -->
      <noscript>Enable JavaScript</noscript><template><p>templated</p></template>
      <svg><title>icon</title><text>drawn</text></svg><iframe src="x">framed</iframe>
      <p hidden>hidden paragraph</p><div aria-hidden="true">aria hidden</div><span style="display: none">not shown</span>
      <p>Visible text</p><select><option>LHR</option></select></body></html>
      """
    #expect(text(html) == "Visible text")
  }

  @Test func entitiesAreDecodedAndSpacesNormalised() {
    let html = "<p>Caf&eacute;&nbsp;&amp;&#160;bar &#8364;5 &lt;tag&gt; &quot;q&quot; 10&#x00A0;000 co&shy;operate zero&#8203;width</p>"
    #expect(text(html) == "Caf\u{E9} & bar \u{20AC}5 <tag> \"q\" 10 000 cooperate zerowidth")
  }

  @Test func tableWithHeaderCellsKeepsItsRows() {
    let html = """
      <p>Earning on Lufthansa</p>
      <table><caption>Business class</caption>
      <tr><th>Fare class</th><th>Earning</th></tr>
      <tr><td>J, C</td><td>150%</td></tr>
      <tr><td>D | Z</td><td>125%</td></tr></table><p>After</p>
      """
    #expect(
      text(html) == """
        Earning on Lufthansa

        Business class

        | Fare class | Earning |
        | --- | --- |
        | J, C | 150% |
        | D \\| Z | 125% |

        After
        """
    )
  }

  @Test func theadRowsAreHeaderRows() {
    let html = """
      <table><thead><tr><td>Status</td><td>Bonus</td></tr></thead>
      <tbody><tr><th>Gold</th><td>50%</td></tr><tr><th>Silver</th><td>25%</td></tr></tbody></table>
      """
    #expect(text(html) == "| Status | Bonus |\n| --- | --- |\n| Gold | 50% |\n| Silver | 25% |")
  }

  @Test func tableWithoutHeaderHasNoSeparator() {
    #expect(text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>") == "| a | b |\n| c | d |")
  }

  @Test func colspanRepeatsTheCell() {
    let html = """
      <table><tr><th>Route</th><th colspan="2">Miles</th></tr>
      <tr><th></th><th>Economy</th><th>Business</th></tr>
      <tr><td>Europe</td><td colspan=2>25,000</td></tr>
      <tr><td>Asia</td><td>35,000</td><td>70,000</td></tr></table>
      """
    #expect(
      text(html) == """
        | Route | Miles | Miles |
        |  | Economy | Business |
        | --- | --- | --- |
        | Europe | 25,000 | 25,000 |
        | Asia | 35,000 | 70,000 |
        """
    )
  }

  @Test func rowspanRepeatsTheCellDown() {
    let html = """
      <table><tr><th>Airline</th><th>Cabin</th><th>Earning</th></tr>
      <tr><td rowspan="3">Lufthansa</td><td>First</td><td>150%</td></tr>
      <tr><td>Business</td><td rowspan=2>125%</td></tr>
      <tr><td>Premium</td></tr>
      <tr><td>SWISS</td><td>First</td><td>150%</td></tr></table>
      """
    #expect(
      text(html) == """
        | Airline | Cabin | Earning |
        | --- | --- | --- |
        | Lufthansa | First | 150% |
        | Lufthansa | Business | 125% |
        | Lufthansa | Premium | 125% |
        | SWISS | First | 150% |
        """
    )
  }

  @Test func nestedTablesFlattenIntoTheCell() {
    let html = """
      <table><tr><td>Gold</td><td><table><tr><td>Lounge</td><td>Yes</td></tr><tr><td>Bags</td><td>2</td></tr></table></td></tr>
      <tr><td>Silver</td><td><p>Bags</p><ul><li>1</li></ul></td></tr></table>
      """
    #expect(text(html) == "| Gold | Lounge Yes Bags 2 |\n| Silver | Bags 1 |")
  }

  @Test func singleCellLayoutTableReadsAsBlocks() {
    let html = """
      <table><tr><td><h2>Partners</h2><table><tr><td>ANA</td><td>100%</td></tr><tr><td>EVA</td><td>50%</td></tr></table></td></tr></table>
      """
    #expect(text(html) == "## Partners\n\n| ANA | 100% |\n| EVA | 50% |")
  }

  @Test func emptyColumnsAndRowsAreLeftOut() {
    let html = "<table><tr><td>a</td><td></td><td>b</td></tr><tr><td>&nbsp;</td><td> </td><td></td></tr><tr><td>c</td><td></td><td>d</td></tr></table>"
    #expect(text(html) == "| a | b |\n| c | d |")
  }

  @Test func definitionListsBecomeTermDefinitionItems() {
    let html = """
      <dl><dt>Gold</dt><dd>50% bonus</dd><dd>Lounge access</dd>
      <dt>Silver</dt><dt>Bronze</dt><dd>25% <b>bonus</b></dd><dt>Blue</dt></dl><p>After</p>
      """
    #expect(
      text(html) == """
        - Gold: 50% bonus
        - Gold: Lounge access
        - Silver, Bronze: 25% bonus
        - Blue

        After
        """
    )
  }

  @Test func preformattedTextKeepsItsLines() {
    #expect(text("<p>Before</p><pre>J   150%\nC   150%\n</pre>") == "Before\n\nJ 150%\nC 150%")
  }

  @Test func footnoteMarksStayApartFromNumbers() {
    #expect(text("<p>Earn 1,000<sup>1</sup> miles</p>") == "Earn 1,000 1 miles")
  }

  @Test func malformedHTMLStillYieldsItsText() {
    let html = "<html><body><p>Unclosed <b>bold <i>both</p><table><tr><td>a<td>b<tr><td>c<td>d</table><li>loose item<div>end"
    let result = text(html)
    #expect(result.contains("Unclosed bold both"))
    #expect(result.contains("| a | b |\n| c | d |"))
    #expect(result.contains("- loose item"))
    #expect(result.hasSuffix("end"))
  }

  @Test func declaredCharsetIsNotDecodedTwice() async throws {
    let html = Data("<html><head><meta charset=\"windows-1252\"><title>".utf8) + Data([0x93, 0x47, 0x6F, 0x6C, 0x64, 0x94])
      + Data("</title></head><body><p>".utf8) + Data([0x80, 0x35, 0x20, 0x92, 0x20, 0x97]) + Data("</p></body></html>".utf8)
    let processed = try await TextExtractor().extract(html, as: .html)
    #expect(processed.title == "\u{201C}Gold\u{201D}")
    #expect(processed.text == "\u{20AC}5 \u{2019} \u{2014}")

    let utf8 = Data("<html><head><meta charset=\"iso-8859-1\"></head><body><p>\u{20AC}5</p></body></html>".utf8)
    let declared = try await TextExtractor().extract(utf8, as: .html, declaredContentType: "text/html; charset=utf-8")
    #expect(declared.text == "\u{20AC}5")
  }

  @Test(.timeLimit(.minutes(2))) func fiveMegabyteDocumentIsExtracted() throws {
    var html = "<html><head><title>Big</title></head><body>"
    let row = "<tr><td>Lufthansa &amp; SWISS</td><td>J, C, D</td><td>150%</td></tr>\n"
    let paragraph = "<p>Members earn <b>miles</b> on partner flights&nbsp;booked in eligible fare classes.</p>\n"
    var index = 0
    while html.utf8.count < 5_000_000 {
      html += index.isMultiple(of: 50) ? "<table>" + String(repeating: row, count: 40) + "</table>\n" : paragraph
      index += 1
    }
    html += "<p>The end</p></body></html>"
    let clock = ContinuousClock()
    let start = clock.now
    let processed = HTMLTextExtractor.extract(html)
    let elapsed = clock.now - start
    #expect(processed.title == "Big")
    #expect(processed.text.hasSuffix("The end"))
    #expect(processed.text.contains("| Lufthansa & SWISS | J, C, D | 150% |"))
    #expect(elapsed < .seconds(60), "took \(elapsed)")
  }

  @Test func deeplyNestedDivsDoNotCrash() {
    let depth = 10_000
    let html = "<html><body><p>Start</p>" + String(repeating: "<div>", count: depth) + "deep"
      + String(repeating: "</div>", count: depth) + "<p>After</p></body></html>"
    #expect(text(html) == "Start\n\ndeep\n\nAfter")
  }

  @Test func deeplyNestedTablesAndListsDoNotCrash() {
    let html = String(repeating: "<table><tr><td>x<ul><li>", count: 3_000) + "core"
    #expect(!text(html).isEmpty)
  }
}
