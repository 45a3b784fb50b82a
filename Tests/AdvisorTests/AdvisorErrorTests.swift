import Advisor
import Testing

@Suite struct AdvisorErrorTests {
  @Test func invalidArgumentNamesTheField() {
    let error = AdvisorError.invalid("itinerary.segments[0].origin", "'XXX' is not a known airport")
    #expect(error.kind == .invalidArgument)
    #expect(error.description == "itinerary.segments[0].origin: 'XXX' is not a known airport")
  }
}
