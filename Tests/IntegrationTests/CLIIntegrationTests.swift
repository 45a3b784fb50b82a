import Foundation
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import Testing

@Suite struct CLIIntegrationTests {
  let loyalty = executablesDirectory.appendingPathComponent("loyalty")

  @Test func healthProbeExitCodesFollowTheServingState() async throws {
    try await withRunningProfileServer { service in
      let serving = try await runCommand(loyalty, ["health", "--target", "127.0.0.1:\(service.ports.grpc)"])
      #expect(serving.status == 0, "\(serving.output)")
      #expect(serving.output.contains("SERVING"))
      let unknown = try await runCommand(loyalty, ["health", "--target", "127.0.0.1:\(service.ports.grpc)", "--service", "no.Such"])
      #expect(unknown.status == 1)
      await service.stop()
      let down = try await runCommand(loyalty, ["health", "--target", "127.0.0.1:\(service.ports.grpc)", "--timeout", "1"])
      #expect(down.status == 2, "\(down.output)")
    }
  }

  @Test func profilesCanBeManagedFromTheCommandLine() async throws {
    try await withRunningProfileServer { service in
      let common = ["--target", "127.0.0.1:\(service.ports.grpc)", "--internal-secret-file", service.secretFile.path]
      let created = try await runCommand(loyalty, ["profile", "create", "cli-user", "--name", "CLI User", "--home", "ord", "--alliance", "star-alliance"] + common)
      #expect(created.status == 0, "\(created.output)")
      #expect(created.output.contains("ORD"))
      let added = try await runCommand(loyalty, ["membership", "add", "cli-user", "ua-mileageplus", "--balance", "500", "--as", "traveler:cli-user"] + common)
      #expect(added.status == 0, "\(added.output)")
      let redeemed = try await runCommand(loyalty, ["balance", "adjust", "cli-user", "ua-mileageplus", "--delta", "-200", "--request-id", "cli-1"] + common)
      #expect(redeemed.output.contains("balance: 300"), "\(redeemed.output)")
      let json = try await runCommand(loyalty, ["profile", "get", "cli-user", "--json"] + common)
      let profile = try Loyalty_Profile_V1_Profile(jsonString: json.output)
      #expect(profile.memberships.first?.balance == 300)
      let denied = try await runCommand(loyalty, ["profile", "get", "cli-user", "--as", "traveler:someone-else"] + common)
      #expect(denied.status == 1)
      #expect(denied.output.contains("permissionDenied"))
    }
  }
}
