import Foundation
import GraphModel
import LoyaltyAPI

/// An award trip after validation: known airports, a cabin, a passenger count.
struct AwardTripQuery: Sendable {
  var origin: AirportFact
  var destination: AirportFact
  var cabin: Cabin
  var passengers: Int
  var roundTrip: Bool

  /// Reads the request's trip, naming the field in every error. Passengers left at 0 (not
  /// given) mean one.
  init(_ trip: Loyalty_Advisor_V1_AwardTrip, hasTrip: Bool, facts: LoyaltyFacts) throws(AdvisorError) {
    guard hasTrip else { throw .invalid("trip", "is required (origin, destination, cabin, passengers)") }
    func airport(_ code: String, field: String) throws(AdvisorError) -> AirportFact {
      let iata = code.trimmedWhitespace.uppercased()
      guard !iata.isEmpty else { throw .invalid(field, "is required (an IATA airport code such as LHR)") }
      guard iata.count == 3, iata.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
        throw .invalid(field, "'\(code)' is not an IATA airport code (three letters)")
      }
      // As for itineraries: an unknown code is a mistake in the request.
      guard let airport = facts.airport(iata) else { throw .invalid(field, "'\(iata)' is not an airport the graph knows") }
      return airport
    }
    origin = try airport(trip.origin, field: "trip.origin")
    destination = try airport(trip.destination, field: "trip.destination")
    guard origin.iata != destination.iata else {
      throw .invalid("trip.destination", "'\(destination.iata)' is the same airport as trip.origin")
    }
    let cabinText = trip.cabin.trimmedWhitespace.lowercased()
    guard let cabin = Cabin(rawValue: cabinText) else {
      let allowed = Cabin.allCases.map(\.rawValue).joined(separator: ", ")
      throw .invalid("trip.cabin", cabinText.isEmpty ? "is required (one of \(allowed))" : "'\(trip.cabin)' is not one of \(allowed)")
    }
    self.cabin = cabin
    let passengers = trip.passengers == 0 ? 1 : Int(trip.passengers)
    guard (1...9).contains(passengers) else {
      throw .invalid("trip.passengers", "\(trip.passengers) is outside 1…9")
    }
    self.passengers = passengers
    roundTrip = trip.roundTrip
  }

  /// How many one-way, one-passenger prices the trip needs.
  var priceMultiplier: Int64 { Int64(passengers) * (roundTrip ? 2 : 1) }
}
