"""The report as files: incomplete sections stated, the same bytes when regenerated, HTML when Chromium is
missing, kept and indexed, and the command line for a past date."""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.db.engine import make_engine
from dashboard.db.migrate import upgrade
from dashboard.kpis.registry import load_registry
from dashboard.queries.reports import reports
from dashboard.report import render as render_module
from dashboard.report.model import build_report
from dashboard.report.periods import report_period
from dashboard.report.render import render
from dashboard.report.service import generate
from dashboard.report.store import keep, reports_dir
from tests.report.conftest import TZ, collect

DAY = date(2026, 11, 16)
#: The air feed's last good run: 10:00 local on DAY; an hour later it fails, and never runs again.
AIR_DOWN_AT = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


def _report(engine, day=DAY, kind="daily"):
    return build_report(engine, load_registry(), report_period(kind, day, TZ), city=("澄江市", "Chengjiang"))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def air_down_city(tmp_path_factory):
    """The demo city whose air-quality feed went down on DAY at 10:00 local and stayed down."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('air-down') / 'city.db'}")
    upgrade(engine)
    collect(engine, tmp_path_factory, stop_at={"air-ngsi": AIR_DOWN_AT})
    yield engine
    engine.dispose()


def test_a_day_with_a_feed_down_says_which_sections_are_incomplete(air_down_city):
    report = _report(air_down_city)
    air = next(f for f in report.feeds if f.name == "air-ngsi")
    assert (air.down, air.runs, air.failed) == (True, 2, 1)
    assert [f.name for f in report.feeds if f.down] == ["air-ngsi"]
    # air data up to its last run at 10:00 local (the readings of 00:00 … 10:00, 11 hours): 13 of the day's 24
    # hours without; the traffic feed's one run stopped days before (its backfill is capped per run), so none
    # of the day's traffic hours is there either
    assert report.gaps == {"environment": 13, "traffic": 24}
    assert report.incomplete == ["environment", "traffic"]
    for lang, expected in (
        ("zh", ["本部分数据不完整：air-ngsi 自本期结束前起未成功运行。",
                "本部分数据不完整：24 个小时中有 13 个无数据。", "生态环境、交通部分的数字不完整"]),
        ("en", ["Incomplete: air-ngsi has not run successfully since before the period ended.",
                "Incomplete: no data in 13 of 24 hours.", "The environment, traffic figures are incomplete"]),
    ):
        text = _text(render(report, load_registry(), lang, "html").content.decode())
        for sentence in expected:
            assert sentence in text, (lang, sentence)


def test_a_complete_day_says_so(demo_city):
    engine, _, _ = demo_city
    report = _report(engine, date(2026, 11, 14))  # the first simulated day: every feed has all of it
    assert report.incomplete == [] and report.gaps == {"environment": 0, "traffic": 0}
    # The city was collected after its days, by a backfill: no run falls in the day, which the report says
    # instead of "every feed ran normally".
    assert report.feeds and all(f.runs == 0 for f in report.feeds)
    for lang, sentence in (
        ("en", "No feed ran during the period: its data was collected by later runs (a backfill); every section is "
               "complete."),
        ("zh", "本期内各数据源没有运行记录：本期数据由之后的运行补采；各部分数据完整。"),
    ):
        text = _text(render(report, load_registry(), lang, "html").content.decode())
        assert sentence in text and "ran normally" not in text and "运行正常" not in text
        assert "Incomplete" not in text and "不完整" not in text


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_regenerating_a_report_gives_the_same_bytes(demo_city, fmt):
    engine, _, settings = demo_city
    first = generate(engine, settings, "daily", DAY, "zh", fmt).rendered
    second = generate(engine, settings, "daily", DAY, "zh", fmt).rendered
    assert first.format == fmt, first.note
    assert first.content == second.content
    if fmt == "pdf":
        assert first.content.startswith(b"%PDF-")
        assert 1 <= len(re.findall(rb"/Type /Page\b", first.content)) <= 2  # one A4 page, two at most
        assert b"/CreationDate (D:20261116160000+00'00')" in first.content


def _pdf(settings, engine, kind, lang) -> bytes:
    rendered = generate(engine, settings, kind, DAY, lang, "pdf").rendered
    if rendered.format != "pdf":
        pytest.skip(rendered.note)
    return rendered.content


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_daily_report_is_one_a4_page(demo_city, lang):
    engine, _, settings = demo_city
    pdf = _pdf(settings, engine, "daily", lang)
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
    assert re.search(rb"/MediaBox \[0 0 59[45](\.\d+)? 84[12](\.\d+)?\]", pdf)  # A4: 595 x 842 pt


@pytest.mark.parametrize("kind", ["daily", "weekly"])
def test_the_pdf_embeds_the_cjk_font_as_a_cid_font_subset_not_type_3(demo_city, kind, tmp_path):
    """Every font of the PDF, as poppler's pdffonts lists it: the Noto CJK subset, embedded as a CID TrueType
    font (regular and bold), and no Type 3 font (glyphs as drawing procedures: blurred, not searchable)."""
    pdffonts = shutil.which("pdffonts")
    if pdffonts is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    engine, _, settings = demo_city
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf(settings, engine, kind, "zh"))
    listing = subprocess.run([pdffonts, str(path)], capture_output=True, text=True, check=True).stdout
    fonts = [line.split() for line in listing.splitlines()[2:]]
    assert "Type 3" not in listing, listing
    assert sorted(f[0].split("+")[1] for f in fonts) == ["NotoSansCJKsc-Bold", "NotoSansCJKsc-Regular"], listing
    for _name, kind_a, kind_b, _encoding, embedded, subset, *_ in fonts:
        assert (kind_a, kind_b, embedded, subset) == ("CID", "TrueType", "yes", "yes"), listing


def test_without_chromium_the_pdf_falls_back_to_html_and_says_why(demo_city, monkeypatch):
    engine, _, settings = demo_city
    monkeypatch.setenv("CITYOPS_REPORT_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(render_module, "CHROMIUM", ())
    rendered = generate(engine, settings, "daily", DAY, "en", "pdf").rendered
    assert rendered.format == "html"
    assert rendered.content.startswith(b"<!DOCTYPE html>")
    assert rendered.note.startswith("PDF rendering is not available (Chromium not found")


def test_the_html_is_self_contained_with_the_font_embedded(demo_city):
    engine, _, settings = demo_city
    html = generate(engine, settings, "daily", DAY, "zh", "html").rendered.content.decode()
    assert html.count("@font-face{font-family:ReportSans;src:url(data:font/ttf;base64,") == 2  # regular, bold
    assert "format('truetype')" in html and "font-synthesis: none" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched from elsewhere
    assert html.count("<svg") == 3 and "本期无数据" in html  # the day without traffic: a stated empty figure


def test_chromium_draws_the_report_with_the_embedded_font(demo_city):
    """The page's text is drawn with the embedded face, not a font the machine happens to have."""
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    try:
        executable = render_module.chromium_path()
    except render_module.PdfUnavailable as exc:
        pytest.skip(str(exc))
    engine, _, settings = demo_city
    html = generate(engine, settings, "daily", DAY, "zh", "html").rendered.content.decode()

    def loaded_faces() -> list:
        with sync_playwright() as playwright:  # in a thread of its own, beside the browser tests' session
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            page.evaluate("document.fonts.ready")
            faces = page.evaluate("Array.from(document.fonts).map(f => [f.family, f.status])")
            browser.close()
            return faces

    with ThreadPoolExecutor(max_workers=1) as worker:
        faces = worker.submit(loaded_faces).result()
    assert faces == [["ReportSans", "loaded"], ["ReportSans", "loaded"]]  # regular and bold


def test_kept_reports_are_indexed_and_replaced_when_regenerated(demo_city, tmp_path):
    engine, _, settings = demo_city
    generated = generate(engine, settings, "weekly", DAY, "en", "html")
    folder = reports_dir(tmp_path)
    first = keep(engine, folder, generated.report.period, "en", generated.rendered, generated.report.incomplete,
                 datetime(2026, 11, 24, tzinfo=UTC))
    again = keep(engine, folder, generated.report.period, "en", generated.rendered, generated.report.incomplete,
                 datetime(2026, 11, 25, tzinfo=UTC))
    assert first.id == again.id and first.sha256 == again.sha256
    assert first.path == folder / "weekly" / "weekly-2026-11-16.en.html"
    assert first.path.read_bytes() == generated.rendered.content
    row = reports(engine).set_index("id").loc[first.id]
    assert (row["kind"], row["first_day"], row["last_day"], row["size"]) == (
        "weekly", "2026-11-16", "2026-11-22", len(generated.rendered.content))


def test_command_line_writes_the_report_of_a_past_date(demo_city, tmp_path, monkeypatch):
    engine, facts, _ = demo_city
    monkeypatch.setenv("CITYOPS_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("CITYOPS_VAR_DIR", str(tmp_path))
    from dashboard.settings import get_settings

    get_settings.cache_clear()
    out = tmp_path / "briefing.html"
    try:
        result = CliRunner().invoke(app, ["report", "daily", "--date", "2026-11-15", "--lang", "en", "--format",
                                          "html", "--out", str(out)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "daily report 2026-11-15..2026-11-15, html" in result.output
    text = _text(out.read_text(encoding="utf-8"))
    period = report_period("daily", date(2026, 11, 15), TZ)
    received = int(facts.complaints["requested_at"].between(period.start, period.end, inclusive="left").sum())
    assert f"{received:,} complaints received" in text
    assert "Chengjiang city operations daily report" in text and "2026-11-15" in text
