import Foundation

/// Distances between airports in statute miles: the geodesic on the WGS-84 ellipsoid, by
/// Vincenty's inverse formula — what published great-circle figures (the Great Circle Mapper,
/// airlines' distance tables) give. Near-antipodal pairs, where the iteration does not
/// converge, fall back to the haversine distance on the mean-radius sphere (within 0.5%).
public enum GreatCircle {
  static let semiMajorAxisMetres = 6_378_137.0
  static let flattening = 1 / 298.257_223_563
  static let semiMinorAxisMetres = semiMajorAxisMetres * (1 - flattening)
  static let metresPerMile = 1_609.344
  public static let meanEarthRadiusMiles = 6_371_008.8 / metresPerMile

  public static func miles(fromLatitude lat1: Double, longitude lon1: Double, toLatitude lat2: Double, longitude lon2: Double) -> Double {
    vincentyMetres(lat1, lon1, lat2, lon2).map { $0 / metresPerMile } ?? haversineMiles(lat1, lon1, lat2, lon2)
  }

  static func haversineMiles(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
    let φ1 = lat1 * .pi / 180
    let φ2 = lat2 * .pi / 180
    let Δφ = (lat2 - lat1) * .pi / 180
    let Δλ = (lon2 - lon1) * .pi / 180
    let a = sin(Δφ / 2) * sin(Δφ / 2) + cos(φ1) * cos(φ2) * sin(Δλ / 2) * sin(Δλ / 2)
    return 2 * meanEarthRadiusMiles * atan2(sqrt(a), sqrt(1 - a))
  }

  static func vincentyMetres(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double? {
    let a = semiMajorAxisMetres, b = semiMinorAxisMetres, f = flattening
    let L = (lon2 - lon1) * .pi / 180
    let U1 = atan((1 - f) * tan(lat1 * .pi / 180))
    let U2 = atan((1 - f) * tan(lat2 * .pi / 180))
    let sinU1 = sin(U1), cosU1 = cos(U1), sinU2 = sin(U2), cosU2 = cos(U2)
    var λ = L
    for _ in 0..<200 {
      let sinλ = sin(λ), cosλ = cos(λ)
      let sinσ = sqrt((cosU2 * sinλ) * (cosU2 * sinλ) + (cosU1 * sinU2 - sinU1 * cosU2 * cosλ) * (cosU1 * sinU2 - sinU1 * cosU2 * cosλ))
      if sinσ == 0 { return 0 }
      let cosσ = sinU1 * sinU2 + cosU1 * cosU2 * cosλ
      let σ = atan2(sinσ, cosσ)
      let sinα = cosU1 * cosU2 * sinλ / sinσ
      let cos2α = 1 - sinα * sinα
      let cos2σm = cos2α == 0 ? 0 : cosσ - 2 * sinU1 * sinU2 / cos2α
      let C = f / 16 * cos2α * (4 + f * (4 - 3 * cos2α))
      let previous = λ
      λ = L + (1 - C) * f * sinα * (σ + C * sinσ * (cos2σm + C * cosσ * (-1 + 2 * cos2σm * cos2σm)))
      if abs(λ - previous) < 1e-12 {
        let u2 = cos2α * (a * a - b * b) / (b * b)
        let A = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)))
        let B = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)))
        let Δσ = B * sinσ * (cos2σm + B / 4 * (cosσ * (-1 + 2 * cos2σm * cos2σm) - B / 6 * cos2σm * (-3 + 4 * sinσ * sinσ) * (-3 + 4 * cos2σm * cos2σm)))
        return b * A * (σ - Δσ)
      }
    }
    return nil
  }
}
