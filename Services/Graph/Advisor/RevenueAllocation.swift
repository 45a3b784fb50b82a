/// Splits a ticket's earning amount between its segments in proportion to their great-circle
/// miles, in whole cents: every segment but the last gets its proportional share rounded
/// down, the last gets what remains, so the shares always add up to the fare exactly.
///
/// The whole ticket is split across every segment, whichever program a segment credits to
/// and whether it earns by revenue, by distance or not at all: a segment earning under a
/// revenue-based rule earns on its own share only, and the shares of the other segments are
/// not redistributed (that part of the fare paid for flights the rule does not cover).
/// Great-circle miles are used even where a program publishes its own distance, so the split
/// is the same in every program.
enum RevenueAllocation {
  static func shares(totalCents: Int64, miles: [Int]) -> [Int64] {
    guard !miles.isEmpty else { return [] }
    let totalMiles = miles.reduce(0, +)
    var shares: [Int64] = []
    shares.reserveCapacity(miles.count)
    var allocated: Int64 = 0
    for (index, segmentMiles) in miles.enumerated() {
      if index == miles.count - 1 {
        shares.append(totalCents - allocated)
      } else {
        // Coincident airports give no distance to weigh by: split evenly instead.
        let share = totalMiles > 0 ? totalCents * Int64(segmentMiles) / Int64(totalMiles) : totalCents / Int64(miles.count)
        shares.append(share)
        allocated += share
      }
    }
    return shares
  }
}
