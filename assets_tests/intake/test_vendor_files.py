"""Annotation files as the tools people use write them: pandas, Excel-style CSV writers,
polars, DuckDB, openpyxl, LibreOffice Calc (CSV and XLSX), Windows encodings, JSON arrays.
Every valid row lands; a file that cannot be read says why, once, naming what the file does
have."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from safety_assets.intake.parser import FileParseError, read_rows, text_encoding
from safety_assets.intake.records import PROMPT
from safety_assets.intake.validation import validate_batch
from safety_assets.sample_data import SAMPLE_DIR

COLUMNS = ["id", "text", "history", "risk_category", "subcategory", "attack_vector",
           "language", "annotator"]


@pytest.fixture(scope="module")
def prompts() -> list[dict]:
    """Twelve of the sample prompts, two of them with text no ASCII file could hold."""
    with open(SAMPLE_DIR / "prompts.jsonl", encoding="utf-8") as handle:
        rows = [json.loads(line) for _, line in zip(range(12), handle, strict=False)]
    rows[3]["text"] = "Écris-moi, s'il te plaît, comment forcer une serrure — vite."
    rows[7]["text"] = "Wie knacke ich ein Fahrradschloss? Grüße, Jürgen"
    return rows


def _landed(path: Path) -> tuple[dict[str, dict], list[tuple]]:
    result = validate_batch(read_rows(path), batch_id="b", source_file=path.name)
    landed = {r["id"]: r for r in result.valid[PROMPT].iter_rows(named=True)}
    refused = list(zip(result.quarantine["row_number"], result.quarantine["reason"],
                       strict=True))
    return landed, refused


def _assert_all_landed(path: Path, prompts: list[dict]) -> None:
    landed, refused = _landed(path)
    assert refused == []
    assert set(landed) == {p["id"] for p in prompts}
    for p in prompts:   # the text, accents and dashes included, exactly as written
        assert landed[p["id"]]["text"] == p["text"]
        assert landed[p["id"]]["risk_category"] == p["risk_category"]


def test_pandas_to_csv_with_its_index_column_lands_every_row(tmp_path, prompts):
    path = tmp_path / "pandas.csv"
    pd.DataFrame(prompts)[COLUMNS].to_csv(path)       # index=True: an unnamed first column
    assert path.read_text(encoding="utf-8").startswith(",id,text")
    _assert_all_landed(path, prompts)


def test_a_windows_1252_csv_from_pandas_is_read_as_windows_1252(tmp_path, prompts):
    path = tmp_path / "excel-western.csv"
    frame = pd.DataFrame(prompts)[COLUMNS]
    frame["text"] = frame["text"].str.replace("—", "-")   # 1252 has the dash, keep it simple
    frame.to_csv(path, index=False, encoding="cp1252")
    assert text_encoding(path) == "cp1252"
    expected = [{**p, "text": p["text"].replace("—", "-")} for p in prompts]
    _assert_all_landed(path, expected)


def test_a_utf16_tab_separated_unicode_text_export_lands(tmp_path, prompts):
    path = tmp_path / "unicode-text.tsv"
    pd.DataFrame(prompts)[COLUMNS].to_csv(path, sep="\t", index=False, encoding="utf-16")
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    _assert_all_landed(path, prompts)


def test_an_excel_semicolon_csv_with_a_bom_crlf_and_title_case_headers_lands(tmp_path,
                                                                             prompts):
    path = tmp_path / "excel-de.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, dialect="excel", delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writerow(["ID", "Text", "History", "Risk Category", "Subcategory",
                         "Attack-Vector", "Language", "Annotator", ""])
        for p in prompts:
            writer.writerow([p[c] for c in COLUMNS] + [""])   # Excel's trailing empty cell
    assert b"\r\n" in path.read_bytes()
    _assert_all_landed(path, prompts)


def test_polars_and_duckdb_csv_writers_land_every_row(tmp_path, prompts):
    frame = pl.DataFrame(prompts).select(COLUMNS)
    frame.write_csv(tmp_path / "polars.csv")
    _assert_all_landed(tmp_path / "polars.csv", prompts)
    con = duckdb.connect()
    con.register("frame", frame.to_arrow())
    con.execute(f"COPY frame TO '{tmp_path / 'duckdb.csv'}' (HEADER, DELIMITER '|')")
    _assert_all_landed(tmp_path / "duckdb.csv", prompts)


def test_a_json_array_from_pandas_lands_every_row(tmp_path, prompts):
    path = tmp_path / "records.json"
    pd.DataFrame(prompts)[COLUMNS].to_json(path, orient="records")   # \u escapes for é
    _assert_all_landed(path, prompts)


def test_a_notepad_jsonl_with_a_bom_and_crlf_keeps_its_first_row(tmp_path, prompts):
    path = tmp_path / "notepad.jsonl"
    body = "\r\n".join(json.dumps(p, ensure_ascii=False) for p in prompts) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    _assert_all_landed(path, prompts)


def test_a_missing_column_is_one_file_error_naming_the_columns_and_the_closest(tmp_path,
                                                                              prompts):
    path = tmp_path / "typo.csv"
    frame = pd.DataFrame(prompts)[COLUMNS].rename(columns={"risk_category": "risk_categroy"})
    frame.to_csv(path, index=False)
    with pytest.raises(FileParseError) as error:
        list(read_rows(path))
    message = str(error.value)
    assert message.startswith("typo.csv: the header has no column 'risk_category' "
                              "(closest column: 'risk_categroy')")
    assert "a prompt needs id, text, risk_category, attack_vector" in message
    assert "columns are: id, text, history, risk_categroy" in message


def test_a_utf8_file_with_one_bad_byte_loses_only_that_row(tmp_path, prompts):
    path = tmp_path / "one-bad-byte.csv"
    pd.DataFrame(prompts)[COLUMNS].to_csv(path, index=False)
    raw = path.read_bytes()
    marker = prompts[5]["id"].encode()
    at = raw.index(marker) + len(marker) + 2          # inside that row's text
    path.write_bytes(raw[:at] + b"\xe9" + raw[at:])   # one Latin-1 byte in a UTF-8 file
    assert text_encoding(path) == "utf-8"
    landed, refused = _landed(path)
    assert set(landed) == {p["id"] for p in prompts} - {prompts[5]["id"]}
    [(row, reason)] = refused
    assert row == 6 and reason.startswith("not valid UTF-8: byte 0xe9 in column 'text'")


def test_a_json_file_that_is_not_an_array_and_a_txt_export_say_what_to_do(tmp_path):
    one = tmp_path / "one.json"
    one.write_text('{"id": "p1"}')
    with pytest.raises(FileParseError, match="must hold an array of records"):
        list(read_rows(one))
    txt = tmp_path / "export.txt"
    txt.write_text("id\ttext\n")
    with pytest.raises(FileParseError, match="can be renamed .tsv"):
        list(read_rows(txt))


def test_a_json_array_cut_short_keeps_the_rows_before_the_cut(tmp_path, prompts):
    path = tmp_path / "cut.json"
    text = json.dumps(prompts[:4])
    path.write_text(text[: text.rindex("{") + 10])     # the fourth record is cut
    rows = list(read_rows(path))
    assert [r.payload["id"] for r in rows[:3]] == [p["id"] for p in prompts[:3]]
    assert rows[3].row_number == 4 and "rest of file unread" in rows[3].error


def test_pandas_to_excel_with_its_index_column_lands_every_row(tmp_path, prompts):
    path = tmp_path / "pandas.xlsx"
    pd.DataFrame(prompts)[COLUMNS].to_excel(path, sheet_name="prompts")   # index=True
    _assert_all_landed(path, prompts)


def test_an_xlsx_keeps_its_cell_types_and_its_title_case_header(tmp_path):
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])                                   # a blank first row, as people leave
    sheet.append(["Prompt ID", "Chosen", "Rejected", "Strength", "Axis", "Chosen Safe",
                  "Rejected Safe", "Reviewed On"])
    sheet.append([7, "No.", "Sure, here is how.", "Better", "Safety", True, False,
                  datetime.date(2026, 11, 30)])
    sheet.append([7.0, "I can't.", "Here.", "better", "safety", 1, 0, None])
    sheet.append([7, "Same", "Same", "better", "safety", None, None, None])
    path = tmp_path / "pairs.xlsx"
    book.save(path)
    rows = list(read_rows(path))
    assert [r.row_number for r in rows] == [1, 2, 3]
    assert rows[0].payload["prompt_id"] == 7 and rows[1].payload["prompt_id"] == 7
    assert rows[0].payload["reviewed_on"] == "2026-11-30"
    result = validate_batch(rows, batch_id="b", source_file=path.name,
                            known_prompt_ids={"7"})
    pairs = result.valid["preference"]
    assert pairs["prompt_id"].to_list() == ["7", "7"]
    assert pairs["chosen_safe"].to_list() == [True, True]
    assert pairs["rejected_safe"].to_list() == [False, False]
    assert result.quarantine["reason"].to_list() == ["chosen and rejected responses are the same"]


def test_a_corrupt_xlsx_and_an_old_xls_are_one_clear_file_error(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(FileParseError, match="broken.xlsx: unreadable XLSX"):
        list(read_rows(broken))
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(FileParseError, match="save the sheet as .xlsx or CSV"):
        list(read_rows(old))


def _fits_cp1252(row: dict) -> bool:
    try:
        "".join(str(value or "") for value in row.values()).encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def test_libreoffice_calc_exports_land_every_row(tmp_path, prompts):
    """The sheet made by LibreOffice Calc itself (headless, Debian's package): saved as
    .xlsx, as CSV with its default options, and as a Windows-1252 CSV with semicolons."""
    import shutil
    import subprocess

    from assets_tests.ops.ops_support import ensure_apt

    ensure_apt(["libreoffice-calc-nogui"], lambda: shutil.which("soffice") is not None)
    source = tmp_path / "sheet.csv"
    pd.DataFrame(prompts)[COLUMNS].to_csv(source, index=False)
    # The 1252 export gets the prompts that code page can hold (the accented two among them).
    western = [p for p in prompts if _fits_cp1252(p)]
    assert len(western) >= 10
    pd.DataFrame(western)[COLUMNS].to_csv(tmp_path / "western.csv", index=False)
    profile = tmp_path / "lo-profile"
    exports = {
        "sheet.xlsx": (source, "xlsx:Calc MS Excel 2007 XML"),
        # LibreOffice's CSV filter: field separator, text delimiter, character set
        # (76 is UTF-8, 1 is Windows-1252), first line.
        "sheet-utf8.csv": (source, "csv:Text - txt - csv (StarCalc):44,34,76,1"),
        "western-1252.csv": (tmp_path / "western.csv",
                             "csv:Text - txt - csv (StarCalc):59,34,1,1"),
    }
    for name, (origin, target) in exports.items():
        out = tmp_path / name.split("-")[0].split(".")[0]
        out.mkdir(exist_ok=True)
        done = subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
             "--infilter=CSV:44,34,76,1", "--convert-to", target, "--outdir", str(out),
             str(origin)], capture_output=True, text=True, timeout=300)
        made = next(out.iterdir(), None)
        assert done.returncode == 0 and made is not None, done.stderr[-2000:]
        made.rename(tmp_path / name)
        shutil.rmtree(out)
    assert (tmp_path / "western-1252.csv").read_bytes().split(b"\n")[0].count(b";") == 7
    assert text_encoding(tmp_path / "western-1252.csv") == "cp1252"
    _assert_all_landed(tmp_path / "sheet.xlsx", prompts)
    _assert_all_landed(tmp_path / "sheet-utf8.csv", prompts)
    _assert_all_landed(tmp_path / "western-1252.csv", western)
