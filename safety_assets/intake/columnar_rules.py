"""Pass 1 for the rows SQL can prove valid, in one columnar statement over the staged rows.

The rules of a row live in :mod:`safety_assets.intake.validation` (pass 1 in Python); this
module accepts, in DuckDB, exactly the rows those rules accept *and* whose every field is of a
shape the SQL here reads the way Python reads it: plain strings, JSON booleans, names already
in ASCII, ids that Python quotes as ``'id'``. For those rows it writes the same candidate
record that Python would (tested against it on generated rows). Every other row, including
every row that is refused, goes on to the Python rules, so each refusal keeps its reason.

SQL only ever accepts here: a rule SQL is unsure of sends the row to Python. That keeps the
rules' one source in Python, with this module as a proven shortcut for the common case.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from safety_assets import taxonomy
from safety_assets.intake import repairs
from safety_assets.intake.records import DEMONSTRATION, PREFERENCE, PROMPT
from safety_assets.intake.staging import RECORD_FIELDS, SEQ_STRIDE

# Python's str.isspace() characters (what str.strip() and str.split() cut), as an RE2 class;
# a test compares it with Python over every code point.
PYTHON_SPACE = (r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}"
                r"\x{2029}\x{202f}\x{205f}\x{3000}]")
_FIELDS = ("kind", "id", "text", "history", "risk_category", "subcategory", "attack_vector",
           "language", "annotator", "prompt_id", "response", "chosen", "rejected", "strength",
           "axis", "chosen_safe", "rejected_safe", "task_id", "rating", repairs.REPAIR_KEY)


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values)) + ")"


def _t(field: str) -> str:
    return f"t_{field}"


def _s(field: str) -> str:
    return f"s_{field}"


def _visible_ascii(expr: str) -> str:
    """The first character of ``expr`` is printable ASCII other than the space: never one
    that str.strip() cuts. A code-point test, far cheaper than a regex on every field."""
    return f"unicode({expr}) BETWEEN 33 AND 126"


def _blank(expr: str) -> str:
    # The regex only runs on a field that starts with anything else: a space, a control
    # character or any non-ASCII character (text in most other scripts).
    return (f"CASE WHEN {_visible_ascii(expr)} THEN FALSE "
            f"ELSE regexp_full_match({expr}, '{PYTHON_SPACE}*') END")


def _strip(expr: str) -> str:
    # A field that starts and ends with a visible ASCII character is its own strip().
    return (f"CASE WHEN {_visible_ascii(expr)} AND {_visible_ascii(f'right({expr}, 1)')} "
            f"THEN {expr} "
            f"ELSE regexp_replace({expr}, '^{PYTHON_SPACE}+|{PYTHON_SPACE}+$', '', 'g') END")


def _missing(field: str) -> str:
    """records.is_missing: absent, null or blank text (a NaN is a double: not proven)."""
    t = _t(field)
    return f"({t} IS NULL OR {t} = 'NULL' OR ({t} = 'VARCHAR' AND {_blank(_s(field))}))"


def _present(field: str) -> str:
    # coalesce: an absent field (NULL type) is not present, rather than unknown
    return f"coalesce({_t(field)} = 'VARCHAR' AND NOT {_blank(_s(field))}, FALSE)"


def _text(field: str, limit: int) -> str:
    return f"({_present(field)} AND length({_s(field)}) <= {limit})"


def _id(field: str, limit: int) -> str:
    """An id string Python would keep, stripped, and quote as 'id' in a reason."""
    return (f"({_text(field, limit)} AND "
            f"regexp_full_match({_strip(_s(field))}, '[ -&(-\\[\\]-~]*'))")


def _ascii(field: str) -> str:
    return f"regexp_full_match({_s(field)}, '[ -~]*')"


def _words(expr: str, cut: str, join: str) -> str:
    """' '.join / '_'.join of str.split() after lower() and replacing ``cut`` by a space,
    for printable ASCII (where the only split character is the space)."""
    return (f"array_to_string(list_filter(string_split(replace(lower({expr}), '{cut}', ' '), "
            f"' '), lambda x: x <> ''), '{join}')")


def _name(field: str) -> str:
    """taxonomy.normalize_name"""
    return _words(_s(field), "-", "_")


def _enum(field: str, limit: int, allowed: Iterable[str]) -> str:
    return (f"({_text(field, limit)} AND {_ascii(field)} AND {_name(field)} IN {_in(allowed)})")


def _optional_id(field: str, limit: int) -> str:
    return f"({_missing(field)} OR {_id(field, limit)})"


def _optional_name_field(field: str, limit: int) -> str:
    """An optional annotator: any text within the limit (it is kept stripped)."""
    return f"({_missing(field)} OR {_text(field, limit)})"


def _boolean(field: str) -> str:
    t = _t(field)
    return f"({t} IS NULL OR {t} = 'NULL' OR {t} = 'BOOLEAN')"


def _kind() -> str:
    """validation.detect_kind, for the kinds proven here (others: NULL, left to Python)."""
    return (f"CASE WHEN t_kind IS NOT NULL AND t_kind <> 'NULL' THEN "
            f"CASE WHEN t_kind = 'VARCHAR' AND {_ascii('kind')} THEN lower(trim(s_kind)) END "
            "WHEN t_task_id IS NOT NULL AND t_rating IS NOT NULL THEN 'rating' "
            "WHEN t_chosen IS NOT NULL OR t_rejected IS NOT NULL THEN 'preference' "
            "WHEN t_response IS NOT NULL THEN 'demonstration' "
            "WHEN t_text IS NOT NULL THEN 'prompt' END")


def _proven_sql(max_text: int, max_id: int) -> str:
    subcategories = " OR ".join(
        f"({_name('risk_category')} = '{category}' AND {_name('subcategory')} IN {_in(names)})"
        for category, names in sorted(taxonomy.SUBCATEGORIES.items()) if names) or "FALSE"
    strengths = _in(taxonomy.STRENGTH_ALIASES)
    common = (f"{_missing(repairs.REPAIR_KEY)} "
              # hh_rlhf.looks_like_hh may hold: Python decides
              "AND NOT coalesce(t_chosen = 'VARCHAR' AND t_rejected = 'VARCHAR' "
              "AND t_prompt_id IS NULL, FALSE) "
              f"AND {_optional_name_field('annotator', max_id)}")
    prompt = (f"{_id('id', max_id)} AND {_text('text', max_text)} "
              f"AND {_enum('risk_category', max_text, taxonomy.RISK_CATEGORY_NAMES)} "
              f"AND ({_missing('subcategory')} OR ({_text('subcategory', max_text)} "
              f"AND {_ascii('subcategory')} AND ({subcategories}))) "
              f"AND {_enum('attack_vector', max_text, taxonomy.ATTACK_VECTOR_NAMES)} "
              f"AND {_missing('history')} "
              f"AND ({_missing('language')} OR ({_text('language', max_id)} "
              f"AND regexp_full_match({_strip(_s('language'))}, '[ -~]*')))")
    demonstration = (f"{_id('prompt_id', max_id)} AND {_text('response', max_text)} "
                     f"AND {_optional_id('id', max_id)}")
    preference = (f"{_id('prompt_id', max_id)} AND {_text('chosen', max_text)} "
                  f"AND {_text('rejected', max_text)} "
                  f"AND {_strip(_s('chosen'))} <> {_strip(_s('rejected'))} "
                  f"AND {_text('strength', max_text)} AND {_ascii('strength')} "
                  f"AND {_words(_s('strength'), '_', ' ')} IN {strengths} "
                  f"AND {_enum('axis', max_text, taxonomy.PREFERENCE_AXES)} "
                  f"AND {_boolean('chosen_safe')} AND {_boolean('rejected_safe')} "
                  f"AND {_optional_id('id', max_id)}")
    return (f"{common} AND CASE kind WHEN '{PROMPT}' THEN {prompt} "
            f"WHEN '{DEMONSTRATION}' THEN {demonstration} "
            f"WHEN '{PREFERENCE}' THEN {preference} ELSE FALSE END")


def _record_sql() -> dict[str, str]:
    """Each candidate column of a proven row, as validation.normalize_record makes it."""
    def stripped_or(field: str, default: str) -> str:
        return f"CASE WHEN {_missing(field)} THEN '{default}' ELSE {_strip(_s(field))} END"

    given_id = f"CASE WHEN {_missing('id')} THEN NULL ELSE {_strip(_s('id'))} END"
    prompt_id = _strip(_s("prompt_id"))
    content_id = (f"CASE kind WHEN '{DEMONSTRATION}' THEN 'd-' || left(sha1({prompt_id} || "
                  f"chr(0) || s_response), 16) ELSE 'r-' || left(sha1({prompt_id} || chr(0) || "
                  "s_chosen || chr(0) || s_rejected), 16) END")
    strength = "CASE " + " ".join(
        f"WHEN {_words(_s('strength'), '_', ' ')} = '{alias}' THEN '{canonical}'"
        for alias, canonical in sorted(taxonomy.STRENGTH_ALIASES.items())) + " END"
    by_kind = {
        PROMPT: {"text": "s_text", "history": "'[]'", "risk_category": _name("risk_category"),
                 "subcategory": f"CASE WHEN {_missing('subcategory')} THEN NULL "
                                f"ELSE {_name('subcategory')} END",
                 "attack_vector": _name("attack_vector"),
                 "language": f"lower({stripped_or('language', 'en')})"},
        DEMONSTRATION: {"prompt_id": prompt_id, "response": "s_response"},
        PREFERENCE: {"prompt_id": prompt_id, "chosen": "s_chosen", "rejected": "s_rejected",
                     "strength": strength, "axis": _name("axis"),
                     "chosen_safe": "CASE WHEN t_chosen_safe = 'BOOLEAN' "
                                    "THEN s_chosen_safe = 'true' END",
                     "rejected_safe": "CASE WHEN t_rejected_safe = 'BOOLEAN' "
                                      "THEN s_rejected_safe = 'true' END"},
    }
    columns = {"id": f"CASE WHEN kind = '{PROMPT}' THEN {_strip(_s('id'))} "
                     f"ELSE coalesce({given_id}, {content_id}) END",
               "annotator": stripped_or("annotator", "unknown")}
    for name in RECORD_FIELDS:
        if name in columns:
            continue
        cases = " ".join(f"WHEN '{kind}' THEN {fields[name]}"
                         for kind, fields in by_kind.items() if name in fields)
        columns[name] = f"CASE kind {cases} END" if cases else "NULL"
    return columns


def _typed_fields() -> str:
    """Each field's JSON type (``t_``: 'VARCHAR', 'BOOLEAN', 'NULL', another type name, or
    NULL when absent) and, for a string or a boolean, its text (``s_``: the string's
    characters, or 'true' / 'false'), from the lists ``ty`` and ``st`` that one
    ``json_type`` and one ``json_extract_string`` over every path make (one parse each).
    Indexing a list is cheap, which matters because the rules name these columns many times
    and DuckDB inlines each of them where it is named."""
    return ", ".join(
        f"ty[{i}] AS {_t(f)}, CASE WHEN ty[{i}] IN ('VARCHAR', 'BOOLEAN') THEN st[{i}] END "
        f"AS {_s(f)}" for i, f in enumerate(_FIELDS, start=1))


def stage_proven_rows(con: duckdb.DuckDBPyConnection, max_text_chars: int,
                      max_id_chars: int) -> int:
    """Append a candidate for every row of ``raw`` (arrival, row_number, payload) that SQL
    proves valid, and list their arrivals in table ``proven``; returns how many."""
    paths = "[" + ", ".join(f"'$.\"{field}\"'" for field in _FIELDS) + "]"
    record = _record_sql()
    columns = ", ".join(f"{expr} AS {name}" for name, expr in record.items())
    con.execute(f"""
        INSERT INTO candidates BY NAME
        WITH objects AS MATERIALIZED (
            SELECT arrival, row_number, json_type(payload, {paths}) AS ty,
                   json_extract_string(payload, {paths}) AS st FROM raw
            WHERE row_number IS NOT NULL AND payload IS NOT NULL AND parse_error IS NULL
              AND json_valid(payload) AND NOT contains(payload, '\\u0000')
              AND CASE WHEN json_valid(payload) THEN json_type(payload) = 'OBJECT' END),
        typed AS (SELECT arrival, row_number, {_typed_fields()} FROM objects),
        kinded AS (SELECT *, {_kind()} AS kind FROM typed),
        records AS (SELECT arrival, row_number, kind, {columns} FROM kinded
                    WHERE {_proven_sql(max_text_chars, max_id_chars)})
        SELECT arrival * {SEQ_STRIDE} AS seq, kind, row_number, FALSE AS derived,
               NULL AS payload, '''' || id || '''' AS id_repr,
               CASE WHEN prompt_id IS NOT NULL THEN '''' || prompt_id || '''' END
                   AS prompt_id_repr,
               NULL AS task_id_repr, {", ".join(RECORD_FIELDS)}
        FROM records""")
    # Python's candidates always carry their payload: a NULL one was proven here.
    con.execute(f"CREATE OR REPLACE TABLE proven AS SELECT seq // {SEQ_STRIDE} AS arrival "
                "FROM candidates WHERE payload IS NULL")
    return int(con.sql("SELECT count(*) FROM proven").fetchall()[0][0])
