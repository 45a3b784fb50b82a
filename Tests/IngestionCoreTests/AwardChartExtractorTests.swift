import Foundation
import GraphModel
import IngestionCore
import Testing

@Suite struct AwardChartExtractorTests {
  private func prices(_ text: String, title: String? = nil) -> [AwardPrice] {
    AwardChartExtractor().facts(in: ProcessedText(title: title, text: text)).compactMap {
      if case .awardPrice(let price) = $0.body { return price }
      return nil
    }
  }

  @Test func readsDistanceBands() {
    let text = """
      # British Airways Club reward flight prices

      Prices for reward flights on British Airways, one way, off-peak.

      | Distance (miles) | Economy | Premium Economy | Business | First |
      | --- | --- | --- | --- | --- |
      | 1 – 650 | 6,500 | 9,250 | 15,500 | — |
      | 651 - 1,150 | 8,500 | 13,750 | 20,250 | n/a |
      | 7,001+ | 35,750 | 71,500 | 120,250 | 162,750 |
      """
    let found = prices(text)
    #expect(found.count == 10)
    #expect(found.allSatisfy { $0.program == "ba-executive-club" && $0.chart == "distance" && $0.operatedBy == "own" })
    #expect(found.contains { $0.minDistance == 651 && $0.maxDistance == 1150 && $0.cabin == .business && $0.points == 20250 })
    #expect(found.contains { $0.minDistance == 7001 && $0.maxDistance == nil && $0.cabin == .first })
  }

  @Test func readsAZoneGridForACabin() {
    let text = """
      # MileagePlus award chart

      ## Partner awards — business class

      | From \\ To | North America | Europe | Japan |
      | --- | --- | --- | --- |
      | North America | 25,000 | 70,000 | 80,000 |
      | Europe | 70,000 | 30,000 | 75,000 |
      """
    let found = prices(text)
    #expect(found.count == 6)
    #expect(found.allSatisfy { $0.cabin == .business && $0.operatedBy == "partner" && $0.chart == "zone" })
    #expect(found.contains { $0.originRegion == .europe && $0.destinationRegion == .northAsia && $0.points == 75000 })
  }

  @Test func readsRegionPairsAndDestinationsFromAnOrigin() {
    let text = """
      # AAdvantage award chart

      Awards on American Airlines and partner airlines.

      | Region | Economy | Business | First |
      | --- | --- | --- | --- |
      | North America – Europe | 30,000 | 57,500 | 85,000 |
      | Within Europe | 7,500 | 12,500 | — |

      ## From the continental US and Canada to

      | Destination | Economy | Business |
      | --- | --- | --- |
      | South Pacific | 40,000 | 80,000 |
      """
    let found = prices(text)
    #expect(found.contains { $0.originRegion == .northAmerica && $0.destinationRegion == .europe && $0.cabin == .first && $0.points == 85000 && $0.operatedBy == "any" })
    #expect(found.contains { $0.originRegion == .europe && $0.destinationRegion == .europe && $0.points == 12500 })
    #expect(found.contains { $0.originRegion == .northAmerica && $0.destinationRegion == .oceania && $0.cabin == .business && $0.points == 80000 })
  }

  @Test func readsRowsWhoseColumnSpacingWasLost() {
    let text = """
      Asia Miles award chart

      Standard awards on flights operated by Cathay Pacific. Flights operated by other airlines are priced on the partner award
      chart, published separately.

      Distance band (miles flown) Economy Premium Economy Business First

      Short: 1 - 750 7,500 12,500 17,500 Not offered

      Long: 751 - 2,750 12,500 20,000 30,000 45,000

      Ultra-long: 2,751 and above 38,000 58,000 88,000 125,000
      """
    let found = prices(text, title: "Asia Miles award chart")
    #expect(found.count == 11)
    #expect(found.allSatisfy { $0.operatedBy == "own" && $0.program == "cx-asia-miles" })
    #expect(found.contains { $0.minDistance == 1 && $0.maxDistance == 750 && $0.cabin == .business && $0.points == 17500 })
    #expect(found.contains { $0.minDistance == 2751 && $0.maxDistance == nil && $0.cabin == .first && $0.points == 125000 })
  }

  @Test func readsPairsBetweenRegionsAndAnOriginInTheHeader() {
    let text = """
      # Aeroplan reward chart

      ## Partner flights between regions

      | Between | Economy | Business |
      | --- | --- | --- |
      | North America and Europe | 60,000 | 110,000 |

      ## Star Alliance partners

      | From North America to | Economy | Business |
      | --- | --- | --- |
      | Japan | 55,000 | 88,000 |
      """
    let found = prices(text)
    #expect(found.count == 4)
    #expect(found.allSatisfy { $0.operatedBy == "partner" && $0.originRegion == .northAmerica })
    #expect(found.contains { $0.destinationRegion == .europe && $0.cabin == .business && $0.points == 110000 })
    #expect(found.contains { $0.destinationRegion == .northAsia && $0.cabin == .economy && $0.points == 55000 })
  }
}

