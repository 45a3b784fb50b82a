import GraphModel
import Testing

@Suite struct GreatCircleTests {
  /// Published great-circle distances in statute miles (the Great Circle Mapper, gcmap.com,
  /// and the airlines' own figures for these routes), from OpenFlights coordinates.
  @Test(arguments: [
    ("JFK", 40.63980103, -73.77890015, "LHR", 51.4706, -0.461941, 3_451.0),
    ("LAX", 33.94250107, -118.4079971, "SYD", -33.94609832763672, 151.177001953125, 7_488.0),
    ("SYD", -33.94609832763672, 151.177001953125, "DFW", 32.896801, -97.038002, 8_578.0),
    ("SIN", 1.35019, 103.994003, "EWR", 40.692501068115234, -74.168701171875, 9_534.0),
    ("LHR", 51.4706, -0.461941, "PER", -31.94029998779297, 115.96700286865234, 9_009.0),
    ("AKL", -37.008098602299995, 174.792007446, "DOH", 25.273056, 51.608056, 9_032.0),
  ])
  func matchesPublishedDistances(
    from: String, fromLatitude: Double, fromLongitude: Double, to: String, toLatitude: Double, toLongitude: Double, published: Double
  ) {
    let miles = GreatCircle.miles(fromLatitude: fromLatitude, longitude: fromLongitude, toLatitude: toLatitude, longitude: toLongitude)
    #expect(abs(miles - published) <= 1, "\(from)–\(to): \(miles) mi, published \(published) mi")
  }

  @Test func isSymmetricAndZeroForTheSamePoint() {
    let there = GreatCircle.miles(fromLatitude: 51.4706, longitude: -0.461941, toLatitude: 40.63980103, longitude: -73.77890015)
    let back = GreatCircle.miles(fromLatitude: 40.63980103, longitude: -73.77890015, toLatitude: 51.4706, longitude: -0.461941)
    #expect(abs(there - back) < 1e-6)
    #expect(GreatCircle.miles(fromLatitude: 10, longitude: 20, toLatitude: 10, longitude: 20) == 0)
  }

  @Test func nearlyAntipodalPointsStillGetADistance() {
    let miles = GreatCircle.miles(fromLatitude: 0, longitude: 0, toLatitude: 0.5, longitude: 179.7)
    #expect(miles > 12_000 && miles < 12_500)
  }
}
