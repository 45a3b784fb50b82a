import Foundation
import IngestionCore
import Testing

@Suite struct EliteTierExtractorTests {
  private func tiers(_ text: String, title: String? = nil) -> [EliteTierFact] {
    EliteTierExtractor().facts(in: ProcessedText(title: title, text: text)).compactMap {
      if case .eliteTier(let tier) = $0.body { return tier }
      return nil
    }
  }

  @Test func readsATierTable() {
    let text = """
      # AAdvantage status

      | Status | Loyalty Points required | Mileage bonus | oneworld status |
      | --- | --- | --- | --- |
      | AAdvantage member | — | — | — |
      | Gold | 40,000 | 40% | Ruby |
      | Platinum | 75,000 | 60% | Sapphire |
      | Platinum Pro | 125,000 | 80% | Emerald |
      | Executive Platinum | 200,000 | 120% | Emerald |
      """
    let found = tiers(text)
    #expect(found.count == 4)
    #expect(found.first == EliteTierFact(program: "aa-aadvantage", name: "Gold", rank: 1, qualification: ["Loyalty Points": 40000], bonusPercent: 40, allianceTier: "oneworld Ruby"))
    #expect(found.last?.name == "Executive Platinum")
    #expect(found.last?.rank == 4)
    #expect(found.last?.allianceTier == "oneworld Emerald")
  }

  @Test func readsPhrases() {
    let text = """
      # Flying Blue levels

      - Silver status requires 100 XP in a qualifying period (SkyTeam Elite).
      - Gold status requires 180 XP (SkyTeam Elite Plus).
      - Platinum status requires 300 XP.
      """
    let found = tiers(text)
    #expect(found.map(\.name) == ["Silver", "Gold", "Platinum"])
    #expect(found.map(\.rank) == [1, 2, 3])
    #expect(found[0].qualification == ["XP": 100])
    #expect(found[0].allianceTier == "SkyTeam Elite")
    #expect(found[1].allianceTier == "SkyTeam Elite Plus")
  }

  @Test func readsATransposedTableWithTwoMetrics() {
    let text = """
      # British Airways Club tiers

      | | Bronze | Silver | Gold |
      | --- | --- | --- | --- |
      | Tier Points | 3,500 | 7,500 | 20,000 |
      | oneworld | Ruby | Sapphire | Emerald |
      """
    let found = tiers(text)
    #expect(found.count == 3)
    #expect(found[2] == EliteTierFact(program: "ba-executive-club", name: "Gold", rank: 3, qualification: ["Tier Points": 20000], allianceTier: "oneworld Emerald"))
  }

  @Test func readsTiersFromHeadingsAndSpellsOutAcronyms() {
    let text = """
      # Flying Blue levels

      You move up by collecting Experience Points (XP) in your qualification period.

      ## Silver

      Silver status requires 100 XP. Silver members get SkyTeam Elite status.

      ## Ultimate

      Ultimate requires 900 XP. On top of Gold benefits, Ultimate members get SkyTeam Elite Plus status.

      ## Lifetime status

      At 2,000 XP you keep Ultimate for life.
      """
    let found = tiers(text)
    #expect(found == [
      EliteTierFact(program: "af-flying-blue", name: "Silver", rank: 1, qualification: ["Experience Points": 100], allianceTier: "SkyTeam Elite"),
      EliteTierFact(program: "af-flying-blue", name: "Ultimate", rank: 2, qualification: ["Experience Points": 900], allianceTier: "SkyTeam Elite Plus"),
    ])
  }

  @Test func readsDashedLinesAndLeavesOffersAndRatesOut() {
    let text = """
      # Mileage Plan elite status

      Status is based on elite-qualifying miles (EQMs) flown in a calendar year.

      - MVP: 20,000 EQMs, 50% bonus miles, oneworld Ruby
      - MVP Gold 75K: 75,000 EQMs, 125% bonus miles, oneworld Emerald

      | Status | Miles per dollar |
      | --- | --- |
      | MVP | 7 |

      Apply for the card and earn 10,000 EQMs toward MVP Gold status.
      """
    let found = tiers(text)
    #expect(found.map(\.name) == ["MVP", "MVP Gold 75K"])
    #expect(found[0].qualification == ["Elite Qualifying Miles": 20000])
    #expect(found[1].bonusPercent == 125)
    #expect(found[1].allianceTier == "oneworld Emerald")
  }

  // Tier pages with a row or column of alliance statuses: the tier is named by its own row or
  // column, and the alliance status is its `alliance_tier`, even when tiers share one.

  @Test func namesTiersByTheTierRowWhenARowListsAllianceStatuses() {
    // As the ingestion benchmark's tier pages lay it out: tiers across, an unnamed corner.
    let text = """
      # Aeroplan tiers and benefits

      Aeroplan has 4 elite tiers above the base membership. You move up a tier by collecting Qualifying Miles within your membership year.

      |  | Silver | Gold | Platinum | Platinum Pro |
      | --- | --- | --- | --- | --- |
      | Qualifying Miles required in a membership year | 35,000 | 87,500 | 157,500 | 315,000 |
      | Bonus points on Air Canada flights | 50% | 75% | 105% | 155% |
      | Star Alliance status | Star Alliance Silver | Star Alliance Gold | Star Alliance Gold | Star Alliance Gold |
      """
    let found = tiers(text, title: "Aeroplan tiers and benefits | Aeroplan")
    #expect(found == [
      EliteTierFact(
        program: "ac-aeroplan", name: "Silver", rank: 1, qualification: ["Qualifying Miles": 35000], bonusPercent: 50,
        allianceTier: "Star Alliance Silver"),
      EliteTierFact(
        program: "ac-aeroplan", name: "Gold", rank: 2, qualification: ["Qualifying Miles": 87500], bonusPercent: 75,
        allianceTier: "Star Alliance Gold"),
      EliteTierFact(
        program: "ac-aeroplan", name: "Platinum", rank: 3, qualification: ["Qualifying Miles": 157500], bonusPercent: 105,
        allianceTier: "Star Alliance Gold"),
      EliteTierFact(
        program: "ac-aeroplan", name: "Platinum Pro", rank: 4, qualification: ["Qualifying Miles": 315000], bonusPercent: 155,
        allianceTier: "Star Alliance Gold"),
    ])
  }

  @Test func namesTiersByTheTierColumnWhenAColumnListsAllianceStatuses() {
    let text = """
      # British Airways Club tiers

      |  | Tier Points required | Bonus Avios | oneworld status |
      | --- | --- | --- | --- |
      | Bronze | 3,500 | 25% | oneworld Ruby |
      | Silver | 7,500 | 50% | oneworld Sapphire |
      | Gold | 20,000 | 100% | oneworld Emerald |
      | Gold Guest List | 40,000 | 100% | oneworld Emerald |
      """
    let found = tiers(text)
    #expect(found.map(\.name) == ["Bronze", "Silver", "Gold", "Gold Guest List"])
    #expect(found.map(\.allianceTier) == ["oneworld Ruby", "oneworld Sapphire", "oneworld Emerald", "oneworld Emerald"])
    #expect(found.map(\.bonusPercent) == [25, 50, 100, 100])
    #expect(found.last?.qualification == ["Tier Points": 40000])
  }

  @Test func namesTiersByTheTierRowWhenTheHeaderListsAllianceStatuses() {
    let text = """
      # Iberia Plus tiers

      | oneworld status | oneworld Ruby | oneworld Sapphire | oneworld Emerald |
      | --- | --- | --- | --- |
      | Tier | Silver | Gold | Platinum |
      | Elite Points required | 1,500 | 3,000 | 6,000 |
      """
    let found = tiers(text)
    #expect(found.map(\.name) == ["Silver", "Gold", "Platinum"])
    #expect(found.map(\.allianceTier) == ["oneworld Ruby", "oneworld Sapphire", "oneworld Emerald"])
    #expect(found.map(\.qualification) == [["Elite Points": 1500], ["Elite Points": 3000], ["Elite Points": 6000]])
  }

  @Test func readsTheAllianceStatusBesideATierName() {
    let text = """
      # AAdvantage status

      | Status | Loyalty Points |
      | --- | --- |
      | Gold (oneworld Ruby) | 40,000 |
      | Platinum (oneworld Sapphire) | 75,000 |
      """
    let found = tiers(text)
    #expect(found.map(\.name) == ["Gold", "Platinum"])
    #expect(found.map(\.allianceTier) == ["oneworld Ruby", "oneworld Sapphire"])
  }
}
