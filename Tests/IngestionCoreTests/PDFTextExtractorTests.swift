import Foundation
@testable import IngestionCore
import Testing

/// PDFs read through pdftotext, their aligned columns kept as tables; a missing or failing
/// pdftotext is reported as such.
@Suite struct PDFTextExtractorTests {
  static let hasPdftotext = PDFTextExtractor.findInPath("pdftotext") != nil

  /// A one-page PDF drawing each text at its position (points from the bottom left) in
  /// Helvetica 11 pt.
  static func tinyPDF(_ texts: [(x: Int, y: Int, text: String)]) -> Data {
    var content = "BT\n/F1 11 Tf\n"
    for item in texts {
      let escaped = item.text.replacingOccurrences(of: "\\", with: "\\\\")
        .replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)")
      content += "1 0 0 1 \(item.x) \(item.y) Tm (\(escaped)) Tj\n"
    }
    content += "ET\n"
    let objects = [
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
      "<< /Length \(content.utf8.count) >>\nstream\n\(content)endstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    var pdf = "%PDF-1.4\n"
    var offsets: [Int] = []
    for (index, body) in objects.enumerated() {
      offsets.append(pdf.utf8.count)
      pdf += "\(index + 1) 0 obj\n\(body)\nendobj\n"
    }
    let xrefOffset = pdf.utf8.count
    pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
    for offset in offsets {
      let digits = String(offset)
      pdf += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
    }
    pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xrefOffset)\n%%EOF\n"
    return Data(pdf.utf8)
  }

  @Test(.enabled(if: hasPdftotext, "pdftotext is not installed (Debian package poppler-utils)"))
  func textComesOutOfATinyPDF() async throws {
    let pdf = Self.tinyPDF([
      (72, 720, "Lufthansa earning chart"),
      (72, 690, "Miles are credited after the flight (not before)."),
    ])
    #expect(try DocumentInspector.inspect(pdf, declaredContentType: "application/pdf", fileName: "chart.pdf") == .pdf)
    let processed = try await TextExtractor().extract(pdf, as: .pdf)
    #expect(processed.title == "Lufthansa earning chart")
    #expect(processed.text == "Lufthansa earning chart\n\nMiles are credited after the flight (not before).")
  }

  @Test(.enabled(if: hasPdftotext, "pdftotext is not installed (Debian package poppler-utils)"))
  func alignedColumnsBecomeATable() async throws {
    let rows = [("Fare class", "Cabin", "Earning"), ("J, C", "Business", "150%"), ("D", "Business", "125%"), ("Y, B", "Economy", "100%")]
    var texts: [(x: Int, y: Int, text: String)] = [(72, 740, "Earning on Lufthansa")]
    for (index, row) in rows.enumerated() {
      let y = 700 - index * 14
      texts += [(72, y, row.0), (230, y, row.1), (380, y, row.2)]
    }
    texts.append((72, 600, "Status miles are extra."))
    let processed = try await PDFTextExtractor().extract(Self.tinyPDF(texts))
    #expect(
      processed.text == """
        Earning on Lufthansa

        | Fare class | Cabin | Earning |
        | --- | --- | --- |
        | J, C | Business | 150% |
        | D | Business | 125% |
        | Y, B | Economy | 100% |

        Status miles are extra.
        """
    )
  }

  @Test(.enabled(if: hasPdftotext, "pdftotext is not installed (Debian package poppler-utils)"))
  func pdfThatPdftotextRejectsIsInvalid() async {
    do {
      _ = try await PDFTextExtractor().extract(Data("%PDF-1.4\nthis is not a PDF at all\n".utf8))
      Issue.record("a broken PDF was read")
    } catch {
      #expect(error.kind == .invalid)
      #expect(error.message.hasPrefix("the PDF could not be read: "), "\(error.message)")
      #expect(!error.message.contains("\n"))
    }
  }

  @Test func missingPdftotextIsUnsupported() async {
    let extractor = TextExtractor(pdftotextPath: "/nonexistent/bin/pdftotext")
    await #expect(
      throws: DocumentInputError.unsupported(
        "PDF text extraction needs pdftotext (Debian package poppler-utils); there is none at /nonexistent/bin/pdftotext"
      )
    ) {
      try await extractor.extract(Self.tinyPDF([(72, 720, "x")]), as: .pdf)
    }
  }

  @Test func pdftotextThatHangsIsStopped() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hanging-pdftotext-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let script = directory.appendingPathComponent("pdftotext")
    try "#!/bin/sh\nexec sleep 300\n".write(to: script, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)

    let clock = ContinuousClock()
    let start = clock.now
    do {
      _ = try await PDFTextExtractor(pdftotextPath: script.path, timeout: .milliseconds(300)).extract(Self.tinyPDF([(72, 720, "x")]))
      Issue.record("a hanging pdftotext returned")
    } catch {
      #expect(error.kind == .invalid)
      #expect(error.message.contains("did not finish"), "\(error.message)")
    }
    // Far below the fake's 300 s, with room for a machine busy with the whole suite.
    #expect(clock.now - start < .seconds(60))
  }

  @Test func layoutColumnsBecomeTableRows() {
    let layout = """
         Earning chart     2024

         Tier           Qualifying miles     Bonus
         Silver               25,000
         Gold                 50,000         25%
         Platinum            100,000         50% | more

      Justified text  with  some double  spaces  here
      and on the next line too.
      \u{0C}Page two   \u{07}
      """
    #expect(
      PDFTextExtractor.text(fromLayout: layout) == """
        Earning chart 2024

        | Tier | Qualifying miles | Bonus |
        | --- | --- | --- |
        | Silver | 25,000 |  |
        | Gold | 50,000 | 25% |
        | Platinum | 100,000 | 50% \\| more |

        Justified text with some double spaces here
        and on the next line too.

        Page two
        """
    )
  }

  @Test func linesThatDoNotAlignStayLines() {
    let layout = "Earn  miles  on every flight\nwith   partners   of the alliance  today"
    #expect(PDFTextExtractor.text(fromLayout: layout) == "Earn miles on every flight\nwith partners of the alliance today")
  }
}
