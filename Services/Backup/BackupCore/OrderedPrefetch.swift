/// Runs `fetch` on `inputs` with up to `width` fetches in flight, and hands each outcome to
/// `consume` in input order, so slow round trips to a target overlap while results are still
/// processed one by one. A failed fetch is handed over as a failure rather than thrown, so
/// that a failure after the point where `consume` stops (by returning false) does not matter.
func forEachPrefetched<Input: Sendable, Output: Sendable>(
  _ inputs: [Input], width: Int,
  fetch: @escaping @Sendable (Input) async -> Result<Output, any Error>,
  consume: (Input, Result<Output, any Error>) async throws -> Bool
) async throws {
  try await withThrowingTaskGroup(of: (Int, Result<Output, any Error>).self) { group in
    var ready: [Int: Result<Output, any Error>] = [:]
    var nextToStart = 0
    var nextToConsume = 0
    func startNext() {
      guard nextToStart < inputs.count else { return }
      let index = nextToStart
      let input = inputs[index]
      group.addTask { (index, await fetch(input)) }
      nextToStart += 1
    }
    for _ in 0..<max(1, width) { startNext() }
    while let (index, outcome) = try await group.next() {
      ready[index] = outcome
      startNext()
      while let outcome = ready.removeValue(forKey: nextToConsume) {
        guard try await consume(inputs[nextToConsume], outcome) else {
          group.cancelAll()
          return
        }
        nextToConsume += 1
      }
    }
  }
}

extension Result where Failure == any Error {
  /// The outcome of an async throwing call.
  static func capturing(_ body: () async throws -> Success) async -> Self {
    do {
      return .success(try await body())
    } catch {
      return .failure(error)
    }
  }
}
