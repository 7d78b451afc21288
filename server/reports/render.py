"""The report's three formats from ``Figures.as_dict()``: ``render_json``, ``render_csv``, ``render_html``.

JSON is the dictionary itself. CSV is the same dictionary flattened to one number per row
(``section,key,field,value``) so every figure in the JSON is in the CSV with the same value. HTML is one
self-contained file (inline CSS, inline SVG charts, no scripts, nothing fetched) in English and Arabic.
"""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

from server.core.config import label_key
from server.i18n import both, both_plural, has, text

# ------------------------------------------------------------------------------------------ JSON / CSV

ROW_KEYS = {
    "services": "service",
    "transfers": None,
    "overruns": "reason",
    "appointments": "branch",
    "counters": "counter",
    "staff": "staff",
    "hours": "hour",
    "per_day": "day",
}
"""Which field names a row in each list section (transfers use ``from>to[@counter]``)."""

BRANCH_LISTS = {"services": "branch_services", "per_day": "branch_per_day", "counters": "branch_counters"}
"""The lists of each branch's breakdown (``per_branch``) and their CSV section (key ``branch/row``)."""


def render_json(data: dict[str, Any]) -> str:
    """The report as pretty JSON (UTF-8 text, Arabic unescaped)."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _row_key(section: str, row: dict[str, Any]) -> str:
    if section == "transfers":
        return f"{row['from_service']}>{row['to_service']}" + (
            f"@{row['to_counter']}" if row["to_counter"] else ""
        )
    if section == "counters":
        return f"{row['branch']}/{row['counter']}"
    key = ROW_KEYS.get(section)
    return str(row[key]) if key else ""


def _flatten(prefix: str, value: Any, out: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out.append((prefix, value))


def csv_rows(data: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """(section, key, field, value) for every figure of the report."""
    rows: list[tuple[str, str, str, Any]] = []
    for name in ("branches", "from", "to", "days"):
        value = data[name]
        rows.append(("report", "", name, " ".join(value) if isinstance(value, list) else value))
    flat: list[tuple[str, Any]] = []
    _flatten("", data["summary"], flat)
    rows.extend(("summary", "", f, v) for f, v in flat)
    for section in ROW_KEYS:
        for row in data[section]:
            key = _row_key(section, row)
            flat = []
            _flatten("", row, flat)
            rows.extend((section, key, f, v) for f, v in flat)
    for branch, names in data.get("branch_names", {}).items():
        rows.extend(("branch_names", branch, f, v) for f, v in names.items())
    for part in data.get("per_branch", []):
        branch = part["branch"]
        flat = []
        _flatten("", {k: v for k, v in part.items() if k not in BRANCH_LISTS and k != "branch"}, flat)
        rows.extend(("branch", branch, f, v) for f, v in flat)
        for section, name in BRANCH_LISTS.items():
            for row in part[section]:
                key = f"{branch}/{_row_key(section, row).split('/')[-1]}"
                flat = []
                _flatten("", row, flat)
                rows.extend((name, key, f, v) for f, v in flat)
    return rows


def render_csv(data: dict[str, Any]) -> str:
    """The report as CSV: header ``section,key,field,value``, one figure per line (UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("section", "key", "field", "value"))
    for section, key, name, value in csv_rows(data):
        writer.writerow((section, key, name, "" if value is None else value))
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------ HTML

CSS = """
:root { --ink:#1d2b36; --muted:#5b6b78; --line:#d9e1e7; --teal:#0f766e; --sand:#c2410c; --sky:#2563eb;
        --ok:#15803d; --bad:#b91c1c; --bg:#f6f8f9; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "Noto Sans Arabic", "DejaVu Sans", Tahoma, Arial, sans-serif; color: var(--ink);
       background: var(--bg); margin: 0; padding: 24px 32px 48px; font-size: 14px; }
header { display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 3px solid var(--teal);
         padding-bottom: 12px; margin-bottom: 18px; gap: 24px; }
h1 { margin: 0; font-size: 24px; } h1 .ar { display: block; }
.sub { color: var(--muted); margin-top: 4px; }
.ar { font-family: "Noto Sans Arabic", "Noto Naskh Arabic", "DejaVu Sans", Tahoma, sans-serif; }
[dir=rtl] { text-align: right; }
h2 { display: flex; justify-content: space-between; font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px;
     border-bottom: 1px solid var(--line); }
.kpis { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; }
.kpi { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.kpi .v { font-size: 26px; font-weight: 700; color: var(--teal); }
.kpi .l { font-size: 12px; color: var(--muted); display: flex; justify-content: space-between; gap: 6px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; }
th { background: #eef3f5; font-weight: 600; vertical-align: bottom; text-align: center; }
th .ar, td .ar { display: block; color: var(--muted); font-weight: 400; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { min-width: 220px; }
tr.total td { font-weight: 700; background: #f2f6f7; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card h3 { margin: 0 0 6px; font-size: 14px; display: flex; justify-content: space-between; }
.legend { font-size: 12px; color: var(--muted); }
.legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; vertical-align: middle; }
.note { color: var(--muted); font-size: 12px; margin-top: 6px; display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.good { color: var(--ok); } .poor { color: var(--bad); }
section.branch { margin-top: 36px; padding-top: 4px; border-top: 3px solid var(--teal); }
section.branch h2.branch-title { font-size: 20px; border-bottom: none; }
section.branch h2 small { color: var(--muted); font-size: 12px; font-weight: 400; }
section.branch h3 { display: flex; justify-content: space-between; font-size: 15px; margin: 18px 0 6px; }
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _w(key: str, **values: object) -> tuple[str, str]:
    """(English, Arabic) of the report's message ``key`` (the page puts English first)."""
    ar, en = both("reports", key, **values)
    return en, ar


def _pair(key: str) -> str:
    """``English · Arabic`` of message ``key`` (chart legends and empty-table notes)."""
    en, ar = _w(key)
    return f"{_e(en)} · {_e(ar)}"


def _note(key: str) -> str:
    """A two-column footnote: the English and the Arabic of message ``key``."""
    en, ar = (html.escape(part, quote=False) for part in _w(key))
    return f'<div class="note"><div>{en}</div><div dir="rtl" lang="ar" class="ar">{ar}</div></div>'


def _bi(en: str, ar: str) -> str:
    return f'<span>{_e(en)}</span><span class="ar" dir="rtl" lang="ar">{_e(ar)}</span>'


def _h2(en: str, ar: str) -> str:
    return f"<h2>{_bi(en, ar)}</h2>"


def _num(value: Any, digits: int = 1) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return _e(value)


def _table(headers: list[tuple[str, str]], rows: list[list[str]], total: list[str] | None = None) -> str:
    head = "".join(
        f'<th>{_e(en)}<span class="ar" dir="rtl" lang="ar">{_e(ar)}</span></th>' for en, ar in headers
    )
    body = "".join("<tr>" + "".join(rows_cell for rows_cell in row) + "</tr>" for row in rows)
    if total:
        body += '<tr class="total">' + "".join(total) + "</tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _n(value: Any, digits: int = 1) -> str:
    return f'<td class="n">{_num(value, digits)}</td>'


def _name(en: str, ar: str) -> str:
    return f'<td class="name">{_e(en)}<span class="ar" dir="rtl" lang="ar">{_e(ar)}</span></td>'


def _pause_name_ar(code: str) -> str:
    """The Arabic name of a pause reason: the catalogue's wording of the default reasons, else the code."""
    key = label_key("pause_reasons", code)
    return text("common", key, "ar") if has("common", key) else code


def _nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value`` (an axis end)."""
    if value <= 0:
        return 1.0
    return min(s * 10.0**p for p in range(-2, 7) for s in (1, 2, 2.5, 5) if s * 10.0**p >= value)


def _bars_by_hour(hours: list[dict[str, Any]]) -> str:
    """Stacked columns of walk-ins and appointments per hour (per day), with mean wait as dots."""
    width, height, left, bottom, top = 560, 250, 44, 36, 14
    if not hours:
        return "<p>–</p>"
    days_factor = [h["arrivals_per_day"] / h["arrivals"] if h["arrivals"] else 0 for h in hours]
    top_value = _nice_max(max(h["arrivals_per_day"] for h in hours))
    wait_top = _nice_max(max(h["mean_wait_min"] for h in hours) or 1)
    plot_w, plot_h = width - left - 44, height - top - bottom
    step = plot_w / len(hours)
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="Arrivals by hour">']
    for i in range(5):
        y = top + plot_h * i / 4
        value = top_value * (1 - i / 4)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5eaee"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#5b6b78">'
            f"{value:g}</text>"
        )
        parts.append(
            f'<text x="{left + plot_w + 6}" y="{y + 4:.1f}" font-size="11" fill="#c2410c">'
            f"{wait_top * (1 - i / 4):g}</text>"
        )
    points = []
    for i, (row, factor) in enumerate(zip(hours, days_factor, strict=True)):
        x = left + step * i + step * 0.15
        w = step * 0.7
        walk = row["walk_ins"] * factor
        appt = row["appointments"] * factor
        h_walk = plot_h * walk / top_value
        h_appt = plot_h * appt / top_value
        y0 = top + plot_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y0 - h_walk:.1f}" width="{w:.1f}" height="{h_walk:.1f}" fill="#0f766e">'
            f"<title>{row['hour']}: {walk:.1f} walk-ins/day</title></rect>"
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{y0 - h_walk - h_appt:.1f}" width="{w:.1f}" height="{h_appt:.1f}" '
            f'fill="#2563eb"><title>{row["hour"]}: {appt:.1f} appointments/day</title></rect>'
        )
        parts.append(
            f'<text x="{x + w / 2:.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle" '
            f'fill="#5b6b78">{row["hour"][:2]}</text>'
        )
        wy = top + plot_h * (1 - row["mean_wait_min"] / wait_top)
        points.append(f"{x + w / 2:.1f},{wy:.1f}")
    parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#c2410c" stroke-width="2"/>')
    for point in points:
        cx, cy = point.split(",")
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="#c2410c"/>')
    parts.append(
        f'<text x="{left}" y="{height - 4}" font-size="11" fill="#5b6b78">{_pair("report.charts.hour_axis")}</text>'
    )
    parts.append("</svg>")
    legend = (
        f'<div class="legend"><span style="background:#0f766e"></span>{_pair("report.charts.legend_walk_ins")}'
        f'<span style="background:#2563eb"></span>{_pair("report.charts.legend_appointments")}'
        f'<span style="background:#c2410c"></span>{_pair("report.charts.legend_mean_wait")}</div>'
    )
    return "".join(parts) + legend


def _hbars(
    rows: list[tuple[str, str, list[tuple[float, str, str]]]],
    unit: str,
    stacked: bool = False,
    fixed_max: float | None = None,
) -> str:
    """Horizontal bars, one group per row: (english label, arabic label, [(value, colour, tooltip)])."""
    label_w, width, bar_h, gap = 236, 560, 12, 10
    per_row = bar_h if stacked else bar_h * max(1, max((len(r[2]) for r in rows), default=1))
    height = 24 + len(rows) * (per_row + gap)
    top_value = fixed_max or _nice_max(
        max(
            (
                sum(v for v, _, _ in r[2]) if stacked else max((v for v, _, _ in r[2]), default=0)
                for r in rows
            ),
            default=1,
        )
    )
    plot_w = width - label_w - 50
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">']
    for i in range(5):
        x = label_w + plot_w * i / 4
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="4" y2="{height - 18}" stroke="#e5eaee"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{height - 4}" font-size="11" text-anchor="middle" fill="#5b6b78">'
            f"{top_value * i / 4:g}{unit}</text>"
        )
    y = 6
    for en, ar, values in rows:
        short = en if len(en) <= 30 else en[:29].rstrip(" —-") + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + per_row / 2 + 4:.1f}" font-size="12" text-anchor="end" '
            f'fill="#1d2b36"><title>{_e(en)} · {_e(ar)}</title>{_e(short)}</text>'
        )
        x = label_w
        for j, (value, colour, tip) in enumerate(values):
            w = plot_w * value / top_value if top_value else 0
            by = y if stacked else y + j * bar_h
            parts.append(
                f'<rect x="{x:.1f}" y="{by:.1f}" width="{max(w, 0):.1f}" height="{bar_h - 1}" fill="{colour}">'
                f"<title>{_e(tip)}</title></rect>"
            )
            if not stacked and value:
                parts.append(
                    f'<text x="{x + w + 4:.1f}" y="{by + bar_h - 2:.1f}" font-size="10" fill="#5b6b78">'
                    f"{value:.1f}</text>"
                )
            if stacked:
                x += w
        y += per_row + gap
    parts.append("</svg>")
    return "".join(parts)


def _kpis(s: dict[str, Any]) -> str:
    """The six key figures of a summary."""
    kpis = [
        (*_w("report.kpi.customers"), _num(s["customers"]), ""),
        (*_w("report.kpi.mean_wait_min"), _num(s["mean_wait_min"]), ""),
        (*_w("report.kpi.p90_waited_at_most_min"), _num(s["p90_wait_min"]), ""),
        (
            *_w("report.kpi.served_within_the_cap"),
            f"{_num(s['within_cap_pct'])} %",
            "good" if s["within_cap_pct"] >= 90 else "poor",
        ),
        (
            *_w("report.kpi.appointments_called_on_time"),
            f"{_num(s['appointments_on_time_pct'])} %",
            "good" if s["appointments_on_time_pct"] >= 95 else "poor",
        ),
        (*_w("report.kpi.counters_busy"), f"{_num(s['utilization_pct'])} %", ""),
    ]
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi"><div class="v {cls}">{value}</div><div class="l">{_bi(en, ar)}</div></div>'
            for en, ar, value, cls in kpis
        )
        + "</div>"
    )


def _services_table(services: list[dict[str, Any]]) -> str:
    """The ministry's table of customers per service, with its total row."""
    headers = [
        _w("report.services.service"),
        _w("report.services.customers"),
        _w("report.services.share"),
        _w("report.services.walk_ins"),
        _w("report.services.appointments"),
        _w("report.services.transferred_in"),
        _w("report.services.finished"),
        _w("report.services.transferred_on"),
        _w("report.services.no_shows"),
        _w("report.services.cancelled"),
    ]
    rows = [
        [
            _name(r["name_en"], r["name_ar"]),
            _n(r["customers"]),
            _n(f"{r['share_pct']:.1f} %"),
            _n(r["walk_ins"]),
            _n(r["appointments"]),
            _n(r["transferred_in"]),
            _n(r["served"]),
            _n(r["transferred_out"]),
            _n(r["no_shows"]),
            _n(r["cancelled"]),
        ]
        for r in services
    ]
    tot = {
        k: sum(r[k] for r in services)
        for k in (
            "customers",
            "walk_ins",
            "appointments",
            "transferred_in",
            "served",
            "transferred_out",
            "no_shows",
            "cancelled",
        )
    }
    total = [
        _name(*_w("report.services.total")),
        _n(tot["customers"]),
        _n("100 %" if tot["customers"] else "–"),
        _n(tot["walk_ins"]),
        _n(tot["appointments"]),
        _n(tot["transferred_in"]),
        _n(tot["served"]),
        _n(tot["transferred_out"]),
        _n(tot["no_shows"]),
        _n(tot["cancelled"]),
    ]
    return _table(headers, rows, total)


def render_html(
    data: dict[str, Any],
    title: tuple[str, str] | None = None,
    branch_name: tuple[str, str] | None = None,
) -> str:
    """The report as one self-contained HTML page (English and Arabic). ``title`` and ``branch_name`` are
    (English, Arabic); the title defaults to the catalogue's ``report.title``. A report with
    ``per_branch`` (server/reports/ministry.py) is the ministry's: titled ``report.ministry.title``, with a
    table of the branches after the key figures and each branch's breakdown after the ministry-wide
    sections."""
    per_branch: list[dict[str, Any]] | None = data.get("per_branch")
    known: dict[str, dict[str, str]] = data.get("branch_names", {})
    title_en, title_ar = title or _w("report.ministry.title" if per_branch is not None else "report.title")
    s = data["summary"]
    if per_branch is not None:
        branch_ar, branch_en = both_plural("reports", "report.ministry.branches", len(per_branch))
    else:
        branch_en, branch_ar = branch_name or (
            ", ".join(known.get(b, {}).get("name_en", b) for b in data["branches"]),
            ", ".join(known.get(b, {}).get("name_ar", b) for b in data["branches"]),
        )
    period = data["from"] if data["from"] == data["to"] else f"{data['from']} – {data['to']}"
    days_en, days_ar = _w("report.header.working_days", days=data["days"])
    out = [
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(title_en)} · {_e(period)}</title>'
        f"<style>{CSS}</style></head><body>"
    ]
    out.append(
        f'<header><div><h1>{_e(title_en)} — {_e(branch_en)}</h1><div class="sub">{_e(period)} · '
        f"{_e(days_en)}</div></div>"
        f'<div dir="rtl" lang="ar" class="ar"><h1>{_e(title_ar)} — {_e(branch_ar)}</h1>'
        f'<div class="sub">{_e(period)} · {_e(days_ar)}</div></div></header>'
    )
    unknown = [b for b in data["branches"] if known.get(b, {}).get("source") == "id"]
    if unknown:
        ar, en = both_plural("reports", "report.branches.unknown_names", len(unknown), ids=", ".join(unknown))
        out.append(
            f'<div class="note"><div>{html.escape(en, quote=False)}</div>'
            f'<div dir="rtl" lang="ar" class="ar">{html.escape(ar, quote=False)}</div></div>'
        )

    out.append(_kpis(s))
    if per_branch is not None:
        out.append(_branches_table(per_branch, s))

    # customers per service (the ministry's table)
    out.append(_h2(*_w("report.services.customers_per_service")))
    out.append(_services_table(data["services"]))
    out.append(_note("report.services.note"))

    # charts
    services = [r for r in data["services"] if r["customers"]]
    wait_chart = _hbars(
        [
            (
                r["name_en"],
                r["name_ar"],
                [
                    (r["wait_min"]["mean"], "#0f766e", f"mean {r['wait_min']['mean']:.1f} min"),
                    (r["wait_min"]["p90"], "#99c7c1", f"90th percentile {r['wait_min']['p90']:.1f} min"),
                ],
            )
            for r in services
        ],
        " min",
    )
    cap_chart = _hbars(
        [
            (
                r["name_en"],
                r["name_ar"],
                [
                    (r["within_cap_pct"], "#15803d", f"{r['within_cap']} within the cap"),
                    (
                        100 - r["within_cap_pct"] if r["within_cap"] + r["over_cap"] else 0,
                        "#b91c1c",
                        f"{r['over_cap']} over the cap",
                    ),
                ],
            )
            for r in services
        ],
        "%",
        stacked=True,
        fixed_max=100,
    )
    out.append(_h2(*_w("report.charts.title")))
    out.append('<div class="charts">')
    out.append(
        f'<div class="card"><h3>{_bi(*_w("report.charts.arrivals_and_waits_by_hour"))}</h3>'
        f"{_bars_by_hour(data['hours'])}</div>"
    )
    out.append(
        f'<div class="card"><h3>{_bi(*_w("report.charts.waiting_time_by_service_minutes"))}</h3>'
        f'{wait_chart}<div class="legend"><span style="background:#0f766e"></span>{_pair("report.charts.legend_mean")}'
        f'<span style="background:#99c7c1"></span>{_pair("report.charts.legend_p90")}</div></div>'
    )
    out.append(
        f'<div class="card"><h3>{_bi(*_w("report.charts.served_within_the_7_minute_cap"))}</h3>'
        f'{cap_chart}<div class="legend"><span style="background:#15803d"></span>{_pair("report.charts.legend_within_cap")}'
        f'<span style="background:#b91c1c"></span>{_pair("report.charts.legend_over_cap")}</div></div>'
    )
    reasons = data["overruns"]
    reason_rows = [
        [_name(r["name_en"], r["name_ar"]), _n(r["count"]), _n(f"{r['share_pct']:.1f} %")] for r in reasons
    ]
    out.append(
        f'<div class="card"><h3>{_bi(*_w("report.charts.why_the_cap_was_exceeded"))}</h3>'
        + (
            _table(
                [_w("report.charts.reason"), _w("report.charts.overruns"), _w("report.charts.share")],
                reason_rows,
            )
            if reasons
            else f"<p>{_pair('report.charts.no_overruns')}</p>"
        )
        + "</div>"
    )
    out.append("</div>")

    # times per service
    out.append(_h2(*_w("report.times.waiting_and_service_time_per_service_minutes")))
    headers = [
        _w("report.times.service"),
        _w("report.times.waits"),
        _w("report.times.mean_wait"),
        _w("report.times.median"),
        _w("report.times.p90_within"),
        _w("report.times.longest"),
        _w("report.times.services"),
        _w("report.times.mean_service"),
        _w("report.times.median"),
        _w("report.times.p90_within"),
        _w("report.times.longest"),
        _w("report.times.cap"),
        _w("report.times.within_cap"),
    ]
    rows = [
        [
            _name(r["name_en"], r["name_ar"]),
            _n(r["wait_min"]["n"]),
            _n(r["wait_min"]["mean"]),
            _n(r["wait_min"]["median"]),
            _n(r["wait_min"]["p90"]),
            _n(r["wait_min"]["max"]),
            _n(r["service_min"]["n"]),
            _n(r["service_min"]["mean"]),
            _n(r["service_min"]["median"]),
            _n(r["service_min"]["p90"]),
            _n(r["service_min"]["max"]),
            _n(r["cap_minutes"], 0),
            _n(f"{r['within_cap_pct']:.1f} %"),
        ]
        for r in services
    ]
    out.append(_table(headers, rows))

    # transfers and appointments
    out.append(_h2(*_w("report.transfers.title")))
    names = {r["service"]: (r["name_en"], r["name_ar"]) for r in data["services"]}
    rows = [
        [
            _name(*names.get(t["from_service"], (t["from_service"], t["from_service"]))),
            _name(*names.get(t["to_service"], (t["to_service"], t["to_service"]))),
            _n(t["to_counter"] or "–"),
            _n(t["count"]),
        ]
        for t in data["transfers"]
    ]
    out.append(
        _table(
            [
                _w("report.transfers.from"),
                _w("report.transfers.to"),
                _w("report.transfers.to_counter"),
                _w("report.transfers.customers"),
            ],
            rows,
        )
        if rows
        else f"<p>{_pair('report.transfers.none')}</p>"
    )
    out.append(_h2(*_w("report.appointments.appointments_per_branch")))
    rows = [
        [
            _name(
                known.get(a["branch"], {}).get("name_en", a["branch"]),
                known.get(a["branch"], {}).get("name_ar", a["branch"]),
            ),
            _n(a["booked"]),
            _n(a["checked_in"]),
            _n(a["late_walk_in"]),
            _n(a["not_checked_in"]),
            _n(a["called_on_time"]),
            _n(f"{a['on_time_pct']:.1f} %" if a["on_time_pct"] is not None else None),
        ]
        for a in data["appointments"]
    ]
    out.append(
        _table(
            [
                _w("report.appointments.branch"),
                _w("report.appointments.booked"),
                _w("report.appointments.checked_in"),
                _w("report.appointments.too_late_walk_in"),
                _w("report.appointments.did_not_come"),
                _w("report.appointments.called_on_time"),
                _w("report.appointments.on_time"),
            ],
            rows,
        )
        if rows
        else f"<p>{_pair('report.appointments.none')}</p>"
    )

    # counters and staff
    pause_codes = sorted({k for r in data["counters"] + data["staff"] for k in r["paused_min"]})

    def work_rows(items: list[dict[str, Any]], first: str) -> list[list[str]]:
        result = []
        for r in items:
            label = (
                _name(r["name_en"], r["name_ar"])
                if first == "counter"
                else f'<td class="name">{_e(r["staff"])}</td>'
            )
            result.append(
                [
                    label,
                    _n(r["counters"] if first == "staff" else r["staff"]),
                    _n(r["served"]),
                    _n(r["transferred"]),
                    _n(r["no_shows"]),
                    _n(r["mean_service_min"]),
                    _n(r["open_min"], 0),
                    _n(r["busy_min"], 0),
                    _n(f"{r['utilization_pct']:.1f} %"),
                    _n(r["idle_min"], 0),
                    _n(r["idle_while_waiting_min"], 0),
                ]
                + [_n(r["paused_min"].get(code, 0.0), 0) for code in pause_codes]
            )
        return result

    work_headers = [
        _w("report.work.finished"),
        _w("report.work.transferred"),
        _w("report.work.no_shows"),
        _w("report.work.mean_service_min"),
        _w("report.work.open_min"),
        _w("report.work.busy_min"),
        _w("report.work.busy"),
        _w("report.work.idle_min"),
        _w("report.work.idle_while_customers_waited_min"),
    ] + [
        (
            _w("report.work.paused", reason=code.replace("_", " "))[0],
            _w("report.work.paused", reason=_pause_name_ar(code))[1],
        )
        for code in pause_codes
    ]
    if per_branch is None:  # the ministry's report shows each branch's counters in its own part
        out.append(_h2(*_w("report.work.counters")))
        out.append(
            _table(
                [_w("report.work.counter"), _w("report.work.staff"), *work_headers],
                work_rows(data["counters"], "counter"),
            )
        )
    out.append(_h2(*_w("report.work.staff_title")))
    out.append(
        _table(
            [_w("report.work.staff"), _w("report.work.counters"), *work_headers],
            work_rows(data["staff"], "staff"),
        )
    )
    out.append(_note("report.work.note"))

    # by hour
    out.append(_h2(*_w("report.hours.arrivals_and_waits_by_hour_of_day")))
    rows = [
        [
            _name(h["hour"], ""),
            _n(h["arrivals"]),
            _n(h["walk_ins"]),
            _n(h["appointments"]),
            _n(h["arrivals_per_day"]),
            _n(h["mean_wait_min"]),
            _n(h["p90_wait_min"]),
        ]
        for h in data["hours"]
    ]
    out.append(
        _table(
            [
                _w("report.hours.hour"),
                _w("report.hours.arrivals"),
                _w("report.hours.walk_ins"),
                _w("report.hours.appointments"),
                _w("report.hours.per_day"),
                _w("report.hours.mean_wait_min"),
                _w("report.hours.p90_within_min"),
            ],
            rows,
        )
    )
    out.append(_note("report.hours.note"))
    for part in per_branch or []:
        out.append(_branch_part(part))
    out.append("</body></html>\n")
    return "".join(out)


def _pct_cell(value: float) -> str:
    return _n(f"{value:.1f} %")


def _branches_table(per_branch: list[dict[str, Any]], total: dict[str, Any]) -> str:
    """One row per branch (named in both languages) with its key figures, and the ministry's total."""
    headers = [
        _w("report.branches.branch"),
        _w("report.services.customers"),
        _w("report.services.walk_ins"),
        _w("report.services.appointments"),
        _w("report.services.finished"),
        _w("report.services.no_shows"),
        _w("report.services.cancelled"),
        _w("report.kpi.mean_wait_min"),
        _w("report.kpi.p90_waited_at_most_min"),
        _w("report.kpi.served_within_the_cap"),
        _w("report.kpi.appointments_called_on_time"),
        _w("report.kpi.counters_busy"),
    ]

    def cells(s: dict[str, Any]) -> list[str]:
        return [
            _n(s["customers"]),
            _n(s["walk_ins"]),
            _n(s["appointments"]),
            _n(s["served"]),
            _n(s["no_shows"]),
            _n(s["cancelled"]),
            _n(s["mean_wait_min"]),
            _n(s["p90_wait_min"]),
            _pct_cell(s["within_cap_pct"]),
            _pct_cell(s["appointments_on_time_pct"]),
            _pct_cell(s["utilization_pct"]),
        ]

    rows = [[_name(part["name_en"], part["name_ar"]), *cells(part["summary"])] for part in per_branch]
    return (
        _h2(*_w("report.branches.title"))
        + _table(headers, rows, [_name(*_w("report.branches.ministry_total")), *cells(total)])
        + _note("report.branches.note")
    )


def _branch_part(part: dict[str, Any]) -> str:
    """A branch's own breakdown: its key figures, customers per service, days and counters."""
    id_en, id_ar = ("", "") if part["name_source"] == "id" else _w("report.branch.id", id=part["branch"])
    out = [
        f'<section class="branch" id="branch-{_e(part["branch"])}">'
        f'<h2 class="branch-title"><span>{_e(part["name_en"])} <small>{_e(id_en)}</small></span>'
        f'<span class="ar" dir="rtl" lang="ar">{_e(part["name_ar"])} <small>{_e(id_ar)}</small></span></h2>',
        _kpis(part["summary"]),
        f"<h3>{_bi(*_w('report.branch.services'))}</h3>",
        _services_table(part["services"]),
        f"<h3>{_bi(*_w('report.branch.days'))}</h3>",
        _table(
            [
                _w("report.branch.day"),
                _w("report.services.customers"),
                _w("report.hours.mean_wait_min"),
                _w("report.hours.p90_within_min"),
            ],
            [
                [_name(d["day"], ""), _n(d["customers"]), _n(d["mean_wait_min"]), _n(d["p90_wait_min"])]
                for d in part["per_day"]
            ],
        ),
        f"<h3>{_bi(*_w('report.branch.counters'))}</h3>",
    ]
    counters = part["counters"]
    out.append(
        _table(
            [
                _w("report.work.counter"),
                _w("report.work.staff"),
                _w("report.work.finished"),
                _w("report.work.transferred"),
                _w("report.work.no_shows"),
                _w("report.work.mean_service_min"),
                _w("report.work.open_min"),
                _w("report.work.busy_min"),
                _w("report.work.busy"),
                _w("report.work.idle_while_customers_waited_min"),
            ],
            [
                [
                    _name(r["name_en"], r["name_ar"]),
                    _n(r["staff"]),
                    _n(r["served"]),
                    _n(r["transferred"]),
                    _n(r["no_shows"]),
                    _n(r["mean_service_min"]),
                    _n(r["open_min"], 0),
                    _n(r["busy_min"], 0),
                    _pct_cell(r["utilization_pct"]),
                    _n(r["idle_while_waiting_min"], 0),
                ]
                for r in counters
            ],
        )
        if counters
        else f"<p>{_pair('report.branch.no_counters')}</p>"
    )
    out.append("</section>")
    return "".join(out)
