import Foundation
import GraphModel
import LoyaltyAPI

/// Checks an itinerary from a request against the graph. Every problem is INVALID_ARGUMENT
/// naming the field, including codes the graph does not know (an unknown airport or carrier
/// in a request is a mistake in the request, not a missing resource).
struct TripValidator {
  static let maximumSegments = 16
  /// Larger amounts in any fare component are taken for a typing mistake.
  static let maximumAmount = 1_000_000.0

  let facts: LoyaltyFacts

  func validate(_ itinerary: Loyalty_Advisor_V1_Itinerary, field: String) throws(AdvisorError) -> Trip {
    guard !itinerary.segments.isEmpty else {
      throw .invalid("\(field).segments", "is empty; an itinerary needs at least one flight segment")
    }
    guard itinerary.segments.count <= Self.maximumSegments else {
      throw .invalid("\(field).segments", "has \(itinerary.segments.count) segments; at most \(Self.maximumSegments) are allowed")
    }
    var segments: [TripSegment] = []
    segments.reserveCapacity(itinerary.segments.count)
    for (index, segment) in itinerary.segments.enumerated() {
      segments.append(try validate(segment, index: index, field: "\(field).segments[\(index)]"))
    }
    let fare = itinerary.hasFare ? try validate(itinerary.fare, field: "\(field).fare") : nil
    let miles = segments.map(\.greatCircleMiles)
    return Trip(
      segments: segments, fare: fare, revenueShares: fare.map { RevenueAllocation.shares(totalCents: $0.earningCents, miles: miles) } ?? [],
      totalGreatCircleMiles: miles.reduce(0, +))
  }

  private func validate(_ segment: Loyalty_Advisor_V1_FlightSegment, index: Int, field: String) throws(AdvisorError) -> TripSegment {
    let marketing = try requiredCarrier(segment.marketingCarrier, field: "\(field).marketing_carrier")
    let operating = try carrier(segment.operatingCarrier, field: "\(field).operating_carrier", required: false) ?? marketing
    let origin = try airport(segment.origin, field: "\(field).origin")
    let destination = try airport(segment.destination, field: "\(field).destination")
    guard origin.iata != destination.iata else {
      throw .invalid("\(field).destination", "'\(destination.iata)' is the same airport as the origin")
    }
    let fareClass = normalized(segment.fareClass)
    guard fareClass.utf8.count == 1, let letter = fareClass.unicodeScalars.first, ("A"..."Z").contains(letter) else {
      let problem = fareClass.isEmpty ? "is required (the one-letter booking code on the ticket)" : "'\(segment.fareClass)' is not a one-letter booking code"
      throw .invalid("\(field).fare_class", problem)
    }
    let dateText = segment.departureDate.trimmedWhitespace
    guard let date = CalendarDate(dateText) else {
      let problem = dateText.isEmpty ? "is required (YYYY-MM-DD)" : "'\(segment.departureDate)' is not a date of the form YYYY-MM-DD"
      throw .invalid("\(field).departure_date", problem)
    }
    let flightNumber = try self.flightNumber(segment.flightNumber, carrier: marketing, field: "\(field).flight_number")
    let miles = GreatCircle.miles(
      fromLatitude: origin.latitude, longitude: origin.longitude, toLatitude: destination.latitude, longitude: destination.longitude)
    let cabin = (facts.fareClass(carrier: marketing, code: fareClass) ?? facts.fareClass(carrier: operating, code: fareClass))?.cabin
    return TripSegment(
      index: index, marketingCarrier: marketing, operatingCarrier: operating, flightNumber: flightNumber, origin: origin.iata,
      destination: destination.iata, fareClass: fareClass, date: date, greatCircleMiles: Int(Figures.roundHalfUp(miles)), cabin: cabin)
  }

  private func normalized(_ code: String) -> String {
    code.trimmedWhitespace.uppercased()
  }

  private func carrier(_ raw: String, field: String, required: Bool) throws(AdvisorError) -> String? {
    let code = normalized(raw)
    if code.isEmpty {
      if required { throw .invalid(field, "is required (an IATA airline code such as \"AA\")") }
      return nil
    }
    guard code.utf8.count == 2, code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) }) else {
      throw .invalid(field, "'\(raw)' is not a two-character IATA airline code")
    }
    // Carriers only earning rules or fare classes mention are known too.
    guard facts.airline(code) != nil || !facts.earningRules(carrier: code).isEmpty || !facts.fareClasses(carrier: code).isEmpty else {
      throw .invalid(field, "'\(code)' is not an airline the graph knows")
    }
    return code
  }

  private func requiredCarrier(_ raw: String, field: String) throws(AdvisorError) -> String {
    guard let code = try carrier(raw, field: field, required: true) else {
      throw .invalid(field, "is required (an IATA airline code such as \"AA\")")
    }
    return code
  }

  private func airport(_ raw: String, field: String) throws(AdvisorError) -> AirportFact {
    let code = normalized(raw)
    guard !code.isEmpty else { throw .invalid(field, "is required (an IATA airport code such as \"DFW\")") }
    guard code.utf8.count == 3, code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
      throw .invalid(field, "'\(raw)' is not a three-letter IATA airport code")
    }
    guard let airport = facts.airport(code) else { throw .invalid(field, "'\(code)' is not an airport the graph knows") }
    return airport
  }

  /// "AA50" or "50" → "AA50"; empty stays empty (the flight number is informative only).
  private func flightNumber(_ raw: String, carrier: String, field: String) throws(AdvisorError) -> String {
    let text = normalized(raw).replacingOccurrences(of: " ", with: "")
    guard !text.isEmpty else { return "" }
    var digits = Substring(text)
    if text.allSatisfy(\.isNumber) == false {
      guard text.hasPrefix(carrier) else {
        throw .invalid(field, "'\(raw)' is not a flight number of the marketing carrier \(carrier) (e.g. \"\(carrier)100\" or \"100\")")
      }
      digits = text.dropFirst(carrier.count)
    }
    guard (1...4).contains(digits.count), digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
      throw .invalid(field, "'\(raw)' is not a flight number (one to four digits, optionally after the carrier code)")
    }
    return carrier + digits
  }

  private func validate(_ fare: Loyalty_Advisor_V1_Fare, field: String) throws(AdvisorError) -> TripFare {
    func cents(_ amount: Double, _ name: String) throws(AdvisorError) -> Int64 {
      guard amount.isFinite else { throw .invalid("\(field).\(name)", "must be a finite amount") }
      guard amount >= 0 else { throw .invalid("\(field).\(name)", "\(Figures.number(amount)) is negative") }
      guard amount <= Self.maximumAmount else {
        throw .invalid("\(field).\(name)", "\(Figures.number(amount)) is beyond the largest plausible fare (\(Figures.number(Self.maximumAmount)))")
      }
      return Int64((amount * 100).rounded())
    }
    let base = try cents(fare.baseFare, "base_fare")
    let fees = try cents(fare.carrierImposedFees, "carrier_imposed_fees")
    let taxes = try cents(fare.taxes, "taxes")
    let currency = normalized(fare.currency)
    if currency.isEmpty {
      guard base + fees + taxes == 0 else { throw .invalid("\(field).currency", "is required with an amount (ISO 4217, e.g. \"USD\")") }
    } else {
      guard currency.utf8.count == 3, currency.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
        throw .invalid("\(field).currency", "'\(fare.currency)' is not an ISO 4217 currency code")
      }
    }
    return TripFare(currency: currency, baseCents: base, carrierFeeCents: fees, taxCents: taxes)
  }
}
