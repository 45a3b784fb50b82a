import ArgumentParser

@main
struct LoyaltyCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "loyalty",
    abstract: "Command line for Loyalty Maximizer: the advisor, the knowledge graph, ingestion of source pages, profiles, backups and recovery, the gateway's API keys and routing, health probes and the local suite.",
    subcommands: [
      AdvisorCommand.self,
      AskCommand.self,
      GraphCommand.self,
      IngestCommand.self,
      HealthCommand.self,
      ProfileCommand.self,
      MembershipCommand.self,
      BalanceCommand.self,
      BackupCommand.self,
      RecoverCommand.self,
      KeysCommand.self,
      GatewayAdminCommand.self,
      SuiteCommand.self,
    ]
  )
}
