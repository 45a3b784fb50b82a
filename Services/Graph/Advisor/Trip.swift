import GraphModel

/// An itinerary after validation: codes normalised and known to the graph, dates parsed,
/// great-circle distances computed and the fare split between segments.
struct Trip: Sendable {
  var segments: [TripSegment]
  /// Nil when the request gave no fare.
  var fare: TripFare?
  /// Each segment's share of the fare's earning amount (base + carrier fees), in cents;
  /// empty without a fare. See `RevenueAllocation`.
  var revenueShares: [Int64]
  /// Sum of the segments' great-circle miles, the denominator of the revenue split.
  var totalGreatCircleMiles: Int
}

struct TripSegment: Sendable {
  var index: Int
  var marketingCarrier: String
  var operatingCarrier: String
  var flightNumber: String
  var origin: String
  var destination: String
  var fareClass: String
  var date: CalendarDate
  /// Rounded half up.
  var greatCircleMiles: Int
  /// The cabin of the booking code, looked up under the marketing carrier, then the operating
  /// carrier; nil when the graph knows neither.
  var cabin: Cabin?

  var isCodeshare: Bool { marketingCarrier != operatingCarrier }
}

/// What the ticket cost, in cents.
struct TripFare: Sendable {
  var currency: String
  var baseCents: Int64
  var carrierFeeCents: Int64
  var taxCents: Int64

  /// What revenue-based programs earn on: base fare + carrier-imposed fees, never taxes.
  var earningCents: Int64 { baseCents + carrierFeeCents }
}
