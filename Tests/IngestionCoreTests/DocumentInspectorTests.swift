import Foundation
import IngestionCore
import Testing

/// What curators upload is judged by its content, and what cannot be read is refused with a
/// reason they can act on.
@Suite struct DocumentInspectorTests {
  private func inspect(_ data: Data, contentType: String? = nil, fileName: String? = nil) throws(DocumentInputError) -> DocumentType {
    try DocumentInspector.inspect(data, declaredContentType: contentType, fileName: fileName)
  }

  private func refusal(_ data: Data, contentType: String? = nil, fileName: String? = nil) -> DocumentInputError? {
    do {
      let type = try inspect(data, contentType: contentType, fileName: fileName)
      Issue.record("accepted as \(type)")
      return nil
    } catch {
      #expect(error.kind == .invalid)
      return error
    }
  }

  @Test func pdfMagicIsPDF() throws {
    #expect(try inspect(Data("%PDF-1.7\n%\u{E2}\u{E3}\n1 0 obj".utf8)) == .pdf)
    #expect(try inspect(Data("%PDF-1.4\n".utf8), contentType: "application/pdf", fileName: "chart.pdf") == .pdf)
  }

  @Test(arguments: [
    "<!DOCTYPE html><html><body><p>Hi</p></body></html>",
    "\u{FEFF}  <!-- saved from example.com -->\n<!doctype HTML>\n<title>x</title>",
    "<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"x\"><html>",
    "<html lang=en><p>Earn miles</p>",
    "<body>Earn miles</body>",
    "<div class=chart><table><tr><td>J</td><td>150%</td></tr></table></div>",
    "Earning chart\n<p>Business</p><p>First</p><br>",
  ])
  func htmlIsRecognisedByContent(_ document: String) throws {
    #expect(try inspect(Data(document.utf8)) == .html)
  }

  @Test func plainTextIsText() throws {
    #expect(try inspect(Data("Star Alliance earning\r\n\tJ, C: 150%\n".utf8)) == .text)
    #expect(try inspect(Data("Compare 1 < 2 and 3 > 2.".utf8), fileName: "notes.txt") == .text)
    #expect(try inspect(Data("Caf\u{E9} miles".utf8), contentType: "text/plain; charset=utf-8") == .text)
  }

  @Test func htmlInUTF16WithAByteOrderMarkIsHTML() throws {
    var data = Data([0xFF, 0xFE])
    for unit in "<html><p>Hi</p></html>".utf16 { data.append(contentsOf: [UInt8(unit & 0xFF), UInt8(unit >> 8)]) }
    #expect(try inspect(data) == .html)
  }

  @Test func emptyFileIsRefused() {
    #expect(refusal(Data())?.message == "the file is empty")
  }

  @Test func pngBytesAreRefused() {
    let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52])
    let message = refusal(png)?.message ?? ""
    #expect(message.contains("PNG image"), "\(message)")
    #expect(refusal(png, fileName: "earning.png")?.message.contains("PNG image") == true)
  }

  @Test func knownBinaryFormatsAreNamed() {
    #expect(refusal(Data([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]), fileName: "chart.docx")?.message.contains("ZIP archive") == true)
    #expect(refusal(Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]))?.message.contains("JPEG") == true)
    #expect(refusal(Data([0x1F, 0x8B, 0x08, 0x00]))?.message.contains("gzip") == true)
    #expect(refusal(Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01]))?.message.contains("ELF") == true)
    #expect(refusal(Data("GIF89a\u{01}\u{00}".utf8))?.message.contains("GIF") == true)
  }

  @Test func binaryJunkNamedHTMLIsRefusedAsNotHTML() {
    let junk = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
    let message = refusal(junk, fileName: "programs/ac/earning-united.html")?.message ?? ""
    #expect(message.contains("'earning-united.html' is not HTML"), "\(message)")
    #expect(message.contains("binary"), "\(message)")

    let declared = refusal(junk, contentType: "text/html; charset=utf-8")?.message ?? ""
    #expect(declared.contains("text/html") && declared.contains("not HTML"), "\(declared)")
  }

  @Test func controlCharactersWithoutNULsAreBinary() {
    let data = Data((0..<400).map { $0.isMultiple(of: 3) ? UInt8(0x01 + $0 % 7) : 0x41 })
    #expect(refusal(data)?.message.contains("control characters") == true)
  }

  @Test func declaredTypeContradictedByContentIsRefused() {
    let html = Data("<!doctype html><html><body><p>Earn</p></body></html>".utf8)
    let declared = refusal(html, contentType: "application/pdf")?.message ?? ""
    #expect(declared == "the file is declared as application/pdf but its content is HTML")

    let named = refusal(html, fileName: "rates.pdf")?.message ?? ""
    #expect(named == "'rates.pdf' is named as a PDF but its content is HTML")

    let pdf = Data("%PDF-1.4\n".utf8)
    #expect(refusal(pdf, contentType: "text/html; charset=utf-8")?.message == "the file is declared as text/html but its content is a PDF")
    #expect(refusal(html, contentType: "text/plain")?.message == "the file is declared as text/plain but its content is HTML")
  }

  @Test func textDeclaredAsHTMLIsReadAsHTML() throws {
    #expect(try inspect(Data("Earn 5 miles per dollar".utf8), contentType: "text/html", fileName: "partner.htm") == .html)
  }

  @Test func contentTypeParametersAndUnknownTypesAreAccepted() throws {
    #expect(try inspect(Data("<html><p>x</p>".utf8), contentType: "Text/HTML; charset=\"UTF-8\"") == .html)
    #expect(try inspect(Data("plain".utf8), contentType: "application/octet-stream", fileName: "README") == .text)
  }

  @Test func undecodableTextIsRefused() {
    let latin1 = Data([0x43, 0x61, 0x66, 0xE9, 0x20, 0x6D, 0x69, 0x6C, 0x65, 0x73])
    let message = refusal(latin1)?.message ?? ""
    #expect(message.contains("not valid UTF-8") && message.contains("declares no charset"), "\(message)")
    #expect(throws: Never.self) { try inspect(latin1, contentType: "text/plain; charset=iso-8859-1") }
  }

  @Test func unsupportedDeclaredEncodingIsRefused() {
    let message = refusal(Data("<html><p>x</p>".utf8), contentType: "text/html; charset=Shift_JIS")?.message ?? ""
    #expect(message.hasPrefix("unsupported encoding 'Shift_JIS'"), "\(message)")
  }
}
