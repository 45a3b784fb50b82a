import Testing
@testable import LoyaltyRuntime

@Suite struct HealthRegistryTests {
  @Test func servicesStartNotServingAndUnknownServicesAreNil() {
    let registry = HealthRegistry(services: ["a.Service"])
    #expect(registry.status(of: "a.Service") == .notServing)
    #expect(registry.overallStatus == .notServing)
    #expect(registry.status(of: "b.Service") == nil)
  }

  @Test func watchersSeeTheCurrentStatusThenEveryChange() async {
    let registry = HealthRegistry(services: ["a.Service"])
    var iterator = registry.watch("a.Service").makeAsyncIterator()
    #expect(await iterator.next() == .some(.notServing))
    registry.setAll(.serving)
    #expect(await iterator.next() == .some(.serving))
    registry.set(.notServing, for: "a.Service")
    #expect(await iterator.next() == .some(.notServing))
  }

  @Test func shutdownReportsNotServingAndEndsWatches() async {
    let registry = HealthRegistry(services: ["a.Service"])
    registry.setAll(.serving)
    let stream = registry.watch("")
    registry.shutDown()
    var seen: [HealthRegistry.Status?] = []
    for await status in stream { seen.append(status) }
    #expect(seen == [.serving, .notServing])
    registry.setAll(.serving)
    #expect(registry.overallStatus == .notServing)
  }
}
