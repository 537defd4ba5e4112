"""The certificate as a PDF (사회복지자원봉사 인증서 / Certificate of Volunteer Service), in Korean or English.

A4, the NanumGothic font embedded (subset: only the glyphs used; OFL, its licence beside it in `fonts/`), and on
every page the issue number and the page's place among them. It states what the hours service issued
(`CertificateView`): the holder, every record in date order (date, time, place, activity, hours), the totals, the
issuing council and date, and a QR code to the public verification page, with the number and code to type there.
"""

from __future__ import annotations

import io
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from vms_contracts.events.hours import ActivityKind, CertificateLanguage
from vms_contracts.reference import council_of
from vms_contracts.rpc.hours import CertificateLine, CertificateView
from vms_gateway.portal.render import Say

FONT = "NanumGothic"
BOLD = "NanumGothic-Bold"


@cache
def _fonts() -> None:
    """Registered once per process: reportlab keeps each font and subsets it for every document that uses it."""
    folder = files("vms_gateway") / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "NanumGothic.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "NanumGothicBold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "base": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=8.5, leading=11, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=20, leading=26, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, alignment=TA_CENTER, textColor=colors.grey),
        "statement": ParagraphStyle("statement", parent=base, fontSize=11, leading=16, alignment=TA_CENTER),
        "issuer": ParagraphStyle("issuer", parent=base, fontName=BOLD, fontSize=14, leading=18, alignment=TA_CENTER),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _day(day: date, say: Say) -> str:
    return say("WEB_CERT_DATE", year=day.year, month=day.month, day=day.day, iso=day.isoformat())


class _Qr(Flowable):
    """The verification page's address as a QR code, `size` wide."""

    def __init__(self, url: str, size: float) -> None:
        super().__init__()
        self.url = url
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        widget = QrCodeWidget(self.url, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(self.size, self.size, transform=[self.size / (x1 - x0), 0, 0, self.size / (y1 - y0), 0, 0])
        drawing.add(widget)
        drawing.drawOn(self.canv, 0, 0)


def _activity(line: CertificateLine, say: Say) -> str:
    if line.kind is ActivityKind.BLOOD_DONATION:
        kind = say(f"WEB_BLOOD_{line.donation_type.value}") if line.donation_type else ""
        return f"{say('WEB_CERT_BLOOD_DONATION')} {kind}".strip()
    what = ""
    if line.activity_type is not None:
        what = say.activity_type(line.activity_type.value)
        if line.sub_field:
            what += f" · {say.sub_field(line.activity_type.value, line.sub_field)}"
    return f"{what}\n{line.description}".strip() if what else line.description


def _time(line: CertificateLine) -> str:
    """A blood donation counts by the donation, not by the clock: no time is shown for it."""
    if line.kind is ActivityKind.BLOOD_DONATION:
        return "–"
    return f"{line.start_time:%H:%M}–{line.end_time:%H:%M}"


def _place(line: CertificateLine, say: Say) -> str:
    return say("WEB_CERT_RED_CROSS") if line.kind is ActivityKind.BLOOD_DONATION else line.place


def render(certificate: CertificateView, verification_page: str) -> bytes:
    """The certificate as PDF bytes, in its language; `verification_page` is the public page's address (without its
    query): the QR code opens it with the number and code filled in."""
    verification_url = (
        f"{verification_page}?{urlencode({'number': certificate.number, 'code': certificate.verification_code})}"
    )
    _fonts()
    say = Say("ko" if certificate.language is CertificateLanguage.KO else "en")
    style = _styles()
    council = council_of(certificate.council_region)
    story: list[Any] = [
        _p(say("WEB_CERT_TITLE"), style["title"]),
        _p(say("WEB_CERT_SUBTITLE"), style["subtitle"]),
        Spacer(1, 6 * mm),
    ]
    period = (
        say(
            "WEB_CERT_PERIOD_RANGE",
            start=_day(certificate.period_from, say) if certificate.period_from else "…",
            end=_day(certificate.period_to, say) if certificate.period_to else "…",
        )
        if certificate.period_from or certificate.period_to
        else say("WEB_CERT_PERIOD_ALL")
    )
    facts = [
        (say("WEB_CERT_NUMBER"), certificate.number),
        (say("WEB_CERT_NAME"), certificate.holder.name),
        (say("WEB_CERT_BIRTH_DATE"), _day(certificate.holder.birth_date, say)),
        (say("WEB_CERT_PERIOD"), period),
    ]
    holder = Table(
        [[_p(k, style["head"]), _p(v, style["base"])] for k, v in facts],
        colWidths=[32 * mm, 138 * mm],
    )
    holder.setStyle(_grid(header_rows=0, label_column=True))
    story += [holder, Spacer(1, 5 * mm)]

    head = [
        say("WEB_CERT_COL_DATE"),
        say("WEB_CERT_COL_TIME"),
        say("WEB_CERT_COL_PLACE"),
        say("WEB_CERT_COL_ACTIVITY"),
        say("WEB_CERT_COL_HOURS"),
    ]
    rows: list[list[Any]] = [[_p(h, style["head"]) for h in head]]
    for line in certificate.lines:
        rows.append(
            [
                _p(line.activity_date.isoformat(), style["cell"]),
                _p(_time(line), style["cell"]),
                _p(
                    say("WEB_CERT_RED_CROSS") if line.kind is ActivityKind.BLOOD_DONATION else line.place, style["cell"]
                ),
                Paragraph(escape(_activity(line, say)).replace("\n", "<br/>"), style["cell"]),
                _p(say.minutes(line.minutes), style["cell"]),
            ]
        )
    records = Table(rows, colWidths=[22 * mm, 22 * mm, 40 * mm, 64 * mm, 22 * mm], repeatRows=1)
    records.setStyle(_grid(header_rows=1))
    story += [records, Spacer(1, 4 * mm)]

    totals = [
        (
            say("WEB_CERT_TOTAL_ACTIVITIES", count=certificate.activities),
            say.minutes(certificate.minutes),
        ),
        (
            say("WEB_CERT_TOTAL_BLOOD", count=certificate.blood_donations),
            say.minutes(certificate.blood_minutes),
        ),
        (say("WEB_CERT_TOTAL"), say.minutes(certificate.minutes + certificate.blood_minutes)),
    ]
    summary = Table([[_p(k, style["head"]), _p(v, style["base"])] for k, v in totals], colWidths=[70 * mm, 100 * mm])
    summary.setStyle(_grid(header_rows=0, label_column=True))
    story += [summary, Spacer(1, 8 * mm)]

    issued = certificate.issued_at.date()
    story += [
        _p(say("WEB_CERT_STATEMENT"), style["statement"]),
        Spacer(1, 5 * mm),
        _p(_day(issued, say), style["statement"]),
        Spacer(1, 4 * mm),
        _p(
            say("WEB_CERT_ISSUER", council=say.council(council.region)),
            style["issuer"],
        ),
        _p(f"{council.homepage} · {council.phone}", style["subtitle"]),
        Spacer(1, 6 * mm),
    ]
    check = Table(
        [
            [
                _Qr(verification_url, 26 * mm),
                _p(
                    say(
                        "WEB_CERT_VERIFY",
                        url=verification_page,
                        number=certificate.number,
                        code=certificate.verification_code,
                    ),
                    style["small"],
                ),
            ]
        ],
        colWidths=[30 * mm, 140 * mm],
    )
    check.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(check)

    buffer = io.BytesIO()
    footer = say("WEB_CERT_FOOTER", number=certificate.number)

    def page(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(20 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"{doc.page}")
        canvas.restoreState()

    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{say('WEB_CERT_TITLE')} {certificate.number}",
        author=say.council(council.region),
        lang=certificate.language.value,
    ).build(story, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def _grid(*, header_rows: int, label_column: bool = False) -> TableStyle:
    commands: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a8f98")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#e8edf4")))
    if label_column:
        commands.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8edf4")))
    return TableStyle(commands)
