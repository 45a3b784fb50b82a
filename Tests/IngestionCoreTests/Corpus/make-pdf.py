#!/usr/bin/env python3
"""Writes asia-miles-award-chart.pdf, the corpus's PDF page: a two-page Asia Miles award chart
in Helvetica, as a curator would save it from the programme's website.

Pure Python, no third-party modules. Run from anywhere:

    python3 make-pdf.py

The output is deterministic (no creation date), so re-running it leaves the committed PDF
unchanged unless this script changed.
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "asia-miles-award-chart.pdf")

# Columns of the chart: x positions in points on an A4 page (595 x 842).
COLUMNS = [56, 215, 290, 395, 480]

PAGE_1 = [
    ("F2", 18, 56, 780, "Asia Miles Award Chart"),
    ("F1", 11, 56, 760, "Standard awards on flights operated by Cathay Pacific"),
    ("F1", 10, 56, 736, "Asia Miles required for a one-way award ticket for one passenger. The price depends on"),
    ("F1", 10, 56, 722, "the distance flown and the cabin. Flights operated by other airlines are priced on the"),
    ("F1", 10, 56, 708, "partner award chart, which is published separately."),
    ("F1", 10, 56, 688, "Prices in this chart apply to awards booked on or after 1 April 2025."),
    ("F2", 10, COLUMNS[0], 656, "Distance band (miles flown)"),
    ("F2", 10, COLUMNS[1], 656, "Economy"),
    ("F2", 10, COLUMNS[2], 656, "Premium Economy"),
    ("F2", 10, COLUMNS[3], 656, "Business"),
    ("F2", 10, COLUMNS[4], 656, "First"),
]

ROWS = [
    ("Ultra-short: 1 - 750", "7,500", "12,500", "17,500", "Not offered"),
    ("Short: 751 - 2,750", "12,500", "20,000", "30,000", "45,000"),
    ("Medium: 2,751 - 5,000", "20,000", "30,000", "50,000", "70,000"),
    ("Long: 5,001 - 7,500", "27,000", "40,000", "75,000", "110,000"),
    ("Ultra-long: 7,501 and above", "38,000", "58,000", "88,000", "125,000"),
]

y = 634
for row in ROWS:
    for x, cell in zip(COLUMNS, row):
        PAGE_1.append(("F1", 10, x, y, cell))
    y -= 20

PAGE_1 += [
    ("F1", 9, 56, y - 12, "The distance band is the great-circle distance between the departure and arrival airports of each flight."),
    ("F1", 9, 56, y - 26, "First is not offered on ultra-short flights."),
    ("F1", 8, 56, 60, "Page 1 of 2"),
]

PAGE_2 = [
    ("F2", 14, 56, 780, "Terms and conditions"),
    ("F1", 10, 56, 756, "1. Taxes, fees and surcharges are payable in addition to the Asia Miles shown, from HK$120 per ticket."),
    ("F1", 10, 56, 740, "2. Asia Miles are valid for 3 years from the date they are credited."),
    ("F1", 10, 56, 724, "3. Changes to award tickets cost HK$200 or 1,500 Asia Miles per change; refunds cost 2,000 Asia Miles."),
    ("F1", 10, 56, 708, "4. Award seats are limited and may not be available on all flights or dates."),
    ("F1", 10, 56, 692, "5. Redemption groups may include up to 5 nominated people in addition to the member."),
    ("F1", 10, 56, 660, "Asia Miles Limited, 33/F One Pacific Place, 88 Queensway, Hong Kong. Service: +852 2747 3838"),
    ("F1", 10, 56, 644, "Cathay Pacific Airways Limited. All rights reserved. Document ref. AM-AC-2025-04."),
    ("F1", 8, 56, 60, "Page 2 of 2"),
]


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def content_stream(lines) -> bytes:
    parts = []
    for font, size, x, y, text in lines:
        parts.append(f"BT /{font} {size} Tf {x} {y} Td ({escape(text)}) Tj ET")
    return ("\n".join(parts) + "\n").encode("latin-1")


def build(pages) -> bytes:
    # Object numbers: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, then a page and its
    # content stream for each page.
    objects = {}
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects[4] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    kids = []
    number = 5
    for lines in pages:
        page_number, content_number = number, number + 1
        number += 2
        kids.append(f"{page_number} 0 R")
        objects[page_number] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {content_number} 0 R >>"
        ).encode("ascii")
        stream = content_stream(lines)
        objects[content_number] = (
            f"<< /Length {len(stream)} >>\nstream\n".encode("ascii") + stream + b"endstream"
        )
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode("ascii")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for n in sorted(objects):
        offsets[n] = len(out)
        out += f"{n} 0 obj\n".encode("ascii") + objects[n] + b"\nendobj\n"
    xref = len(out)
    count = max(objects) + 1
    out += f"xref\n0 {count}\n".encode("ascii")
    out += b"0000000000 65535 f \n"
    for n in range(1, count):
        out += f"{offsets[n]:010d} 00000 n \n".encode("ascii")
    out += f"trailer\n<< /Size {count} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out)


if __name__ == "__main__":
    with open(OUTPUT, "wb") as f:
        f.write(build([PAGE_1, PAGE_2]))
    print(f"wrote {OUTPUT}")
