import Foundation
import IngestionCore
import Testing

/// Bytes become text in the encoding the document has, or are refused with the reason; plain
/// text comes out clean.
@Suite struct TextDecodingTests {
  private func refusal(_ data: Data, as type: DocumentType = .text, contentType: String? = nil) -> String {
    do {
      let text = try TextDecoding.decode(data, as: type, declaredContentType: contentType)
      Issue.record("decoded as \(text.debugDescription)")
      return ""
    } catch {
      #expect(error.kind == .invalid)
      return error.message
    }
  }

  private func utf16(_ text: String, bigEndian: Bool, byteOrderMark: Bool = true) -> Data {
    var data = Data()
    if byteOrderMark { data.append(contentsOf: bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) }
    for unit in text.utf16 {
      let (high, low) = (UInt8(unit >> 8), UInt8(unit & 0xFF))
      data.append(contentsOf: bigEndian ? [high, low] : [low, high])
    }
    return data
  }

  @Test func byteOrderMarksComeFirst() throws {
    #expect(try TextDecoding.decode(Data([0xEF, 0xBB, 0xBF]) + Data("Caf\u{E9}".utf8)) == "Caf\u{E9}")
    #expect(try TextDecoding.decode(utf16("Miles \u{20AC}5", bigEndian: false)) == "Miles \u{20AC}5")
    #expect(try TextDecoding.decode(utf16("Miles \u{20AC}5", bigEndian: true)) == "Miles \u{20AC}5")
    // The mark outweighs a declaration that contradicts it.
    let marked = utf16("x", bigEndian: true)
    #expect(try TextDecoding.decode(marked, declaredContentType: "text/plain; charset=windows-1252") == "x")
  }

  @Test func windows1252SmartQuotesAndEuroAreDecoded() throws {
    // “Earn 2× miles” — €5 ‘bonus’ … ™
    let bytes: [UInt8] = [0x93, 0x45, 0x61, 0x72, 0x6E, 0x20, 0x32, 0xD7, 0x20, 0x6D, 0x69, 0x6C, 0x65, 0x73, 0x94, 0x20, 0x97, 0x20,
      0x80, 0x35, 0x20, 0x91, 0x62, 0x6F, 0x6E, 0x75, 0x73, 0x92, 0x20, 0x85, 0x20, 0x99]
    let expected = "\u{201C}Earn 2\u{D7} miles\u{201D} \u{2014} \u{20AC}5 \u{2018}bonus\u{2019} \u{2026} \u{2122}"
    #expect(try TextDecoding.decode(Data(bytes), declaredContentType: "text/plain; charset=windows-1252") == expected)
    #expect(try TextDecoding.decode(Data(bytes), declaredContentType: "text/plain; charset=CP1252") == expected)
    // Pages labelled Latin-1 mean windows-1252, as browsers read them.
    #expect(try TextDecoding.decode(Data(bytes), declaredContentType: "text/html; charset=ISO-8859-1") == expected)
  }

  @Test func htmlMetaCharsetIsHonoured() throws {
    let euro = Data("<html><head><meta charset=\"windows-1252\"></head><body>".utf8) + Data([0x80, 0x35]) + Data("</body>".utf8)
    #expect(try TextDecoding.decode(euro, as: .html).contains("\u{20AC}5"))

    let httpEquiv = Data("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><p>".utf8) + Data([0xE9])
    #expect(try TextDecoding.decode(httpEquiv, as: .html).hasSuffix("<p>\u{E9}"))

    // Plain text has no <meta>: its bytes must then be UTF-8.
    #expect(refusal(euro, as: .text).contains("not valid UTF-8"))
  }

  @Test func declaredCharsetOutweighsMeta() throws {
    let data = Data("<meta charset=shift_jis><p>".utf8) + Data([0xE9])
    #expect(try TextDecoding.decode(data, as: .html, declaredContentType: "text/html; charset=latin1").hasSuffix("\u{E9}"))
  }

  @Test func declaredUTF16WithoutAByteOrderMark() throws {
    #expect(try TextDecoding.decode(utf16("Gold", bigEndian: false, byteOrderMark: false), declaredContentType: "text/plain; charset=utf-16le") == "Gold")
    #expect(try TextDecoding.decode(utf16("Gold", bigEndian: true, byteOrderMark: false), declaredContentType: "text/plain; charset=utf-16") == "Gold")
  }

  @Test func unknownEncodingIsRefusedWithItsName() {
    let message = refusal(Data("x".utf8), contentType: "text/plain; charset=koi8-r")
    #expect(message == "unsupported encoding 'koi8-r' (supported: utf-8, us-ascii, iso-8859-1, windows-1252, utf-16)")
    let meta = refusal(Data("<html><meta charset='EUC-JP'><p>x".utf8), as: .html)
    #expect(meta.hasPrefix("unsupported encoding 'euc-jp'"), "\(meta)")
  }

  @Test func invalidUTF8IsRefused() {
    let data = Data("Caf".utf8) + Data([0xE9]) + Data(" miles".utf8)
    let undeclared = refusal(data)
    #expect(undeclared.contains("not valid UTF-8 (first bad byte at offset 3) and declares no charset"), "\(undeclared)")
    let declared = refusal(data, contentType: "text/plain; charset=utf-8")
    #expect(declared.contains("declares utf-8 but is not valid UTF-8"), "\(declared)")
  }

  // MARK: Plain text extraction

  @Test func plainTextIsNormalised() async throws {
    let raw = "Aeroplan earning\r\n\r\n\r\n\r\nUnited: 50%\u{07}\rLufthansa:\t100%   \n\n\n\n\u{0B}\nEnd\n\n"
    let processed = try await TextExtractor().extract(Data(raw.utf8), as: .text)
    #expect(processed.text == "Aeroplan earning\n\nUnited: 50%\nLufthansa:\t100%\n\nEnd")
    #expect(processed.title == "Aeroplan earning")
  }

  @Test func longFirstLineIsNoTitle() async throws {
    let line = String(repeating: "miles ", count: 40)
    let processed = try await TextExtractor().extract(Data((line + "\nmore").utf8), as: .text)
    #expect(processed.title == nil)
  }

  @Test func documentWithoutTextIsRefused() async {
    await #expect(throws: DocumentInputError.invalid("no text found in the document")) {
      try await TextExtractor().extract(Data(" \n\t\r\n \u{01}".utf8), as: .text)
    }
    await #expect(throws: DocumentInputError.invalid("no text found in the document")) {
      try await TextExtractor().extract(Data("<html><head><title>Only a title</title><script>x()</script></head><body> </body>".utf8), as: .html)
    }
  }
}
