import GraphService
import LoyaltyRuntime
import Testing

@Suite struct GraphConfigTests {
  @Test func defaultPortsAreTheArchitecturesOnes() {
    #expect(graphServiceDefaults.grpcPort == 50051)
    #expect(graphServiceDefaults.adminPort == 9051)
  }
}
