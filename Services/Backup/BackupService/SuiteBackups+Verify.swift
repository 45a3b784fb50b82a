import BackupCore
import Foundation

/// What `verify` found.
public struct VerificationReport: Sendable {
  public var objectsChecked = 0
  public var bytesChecked: Int64 = 0
  /// One line per problem, naming the object.
  public var problems: [String] = []
  /// One line per service: restorable up to which point, or why not.
  public var restorable: [String] = []

  public var isSound: Bool { problems.isEmpty }
}

extension SuiteBackups {
  /// Reads back every catalogued object of `services` from `source`: each is decrypted and
  /// its SHA-256 compared with the catalog's (segments are also checked against their
  /// entries), the segments after each service's oldest snapshot must follow each other
  /// without a hole, and the newest point must plan.
  public func verify(services names: [String], source: BackupSourceChoice) async throws -> VerificationReport {
    let chosen = try services(named: names)
    let origin = try await recoverySource(source)
    var report = VerificationReport()
    report.problems += origin.notes
    let scratch = config.scratchDirectory.appendingPathComponent("verify-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }

    for service in chosen {
      let snapshots = try await origin.catalog.snapshots(service: service.name)
      let segments = try await origin.catalog.segments(service: service.name)
      for snapshot in snapshots {
        let file = scratch.appendingPathComponent("\(snapshot.id).sqlite")
        do {
          try await origin.archive.fetchSnapshot(snapshot, to: file)
          report.bytesChecked += snapshot.sealedSizeBytes
        } catch {
          report.problems.append("\(service.name) snapshot \(snapshot.id) (\(snapshot.objectKey)): \(error)")
        }
        report.objectsChecked += 1
        try? FileManager.default.removeItem(at: file)
      }
      for segment in segments {
        do {
          _ = try await origin.archive.fetchSegment(segment)
          report.bytesChecked += segment.sealedSizeBytes
        } catch {
          report.problems.append("\(service.name) segment \(segment.range) (\(segment.objectKey)): \(error)")
        }
        report.objectsChecked += 1
      }
      report.problems += Self.continuityProblems(service: service.name, snapshots: snapshots, segments: segments)
      do {
        let plan = try await origin.catalog.plan(service: service.name, target: .latest)
        report.restorable.append(
          "\(service.name): restorable from \(MicrosFormat.iso8601(plan.window.earliestMicros)) to \(MicrosFormat.iso8601(plan.window.latestMicros))")
      } catch {
        report.restorable.append("\(service.name): not restorable: \(error)")
        if !snapshots.isEmpty { report.problems.append("\(service.name): the newest point cannot be planned: \(error)") }
      }
    }
    return report
  }

  /// Holes and overlaps among the segments that follow the oldest snapshot.
  static func continuityProblems(service: String, snapshots: [SnapshotEntry], segments: [SegmentEntry]) -> [String] {
    guard let base = snapshots.map(\.lastSeq).min() else { return [] }
    var problems: [String] = []
    var expected = base + 1
    var continuing = false
    for segment in segments.sorted(by: { ($0.firstSeq, $0.lastSeq) < ($1.firstSeq, $1.lastSeq) }) where segment.lastSeq >= expected {
      if segment.firstSeq > expected {
        problems.append("\(service): journal sequences \(expected)–\(segment.firstSeq - 1) are in no stored segment")
      } else if segment.firstSeq < expected, continuing {
        problems.append("\(service): segment \(segment.range) overlaps sequences already stored up to \(expected - 1)")
      }
      expected = segment.lastSeq + 1
      continuing = true
    }
    return problems
  }
}
