"""Plain HTTP on the websocket port: ``/healthz``, ``/metrics`` and the citizen's ticket page ``/t/<token>``.

``respond(server, path)`` gives ``(status, content type, body bytes)`` for a GET, or None when the path is
the websocket endpoint (``/`` or ``/ws``) and the handshake should go on. The ticket page is bilingual
(Arabic right-to-left first, English second), refreshes itself every 15 seconds and shows only that one
ticket; an unknown or malformed token gets the same "not found" page as any unknown path.
"""

from __future__ import annotations

import json
import re
import time
from html import escape
from typing import TYPE_CHECKING

from server.i18n import has, text
from server.protocol.payloads import TicketPage

if TYPE_CHECKING:
    from server.net.app import HallServer

TOKEN = re.compile(r"^/t/([A-Za-z0-9_-]{16,64})/?$")
WEBSOCKET_PATHS = ("/", "/ws")
REFRESH_SECONDS = 15

STYLE = """
body{font-family:"Noto Sans Arabic","Noto Sans",Tahoma,Arial,sans-serif;margin:0;background:#f4f6f8;color:#1b1f23}
main{max-width:30rem;margin:0 auto;padding:1rem}
section{background:#fff;border-radius:.75rem;padding:1rem 1.25rem;margin:.75rem 0;box-shadow:0 1px 3px #0002}
h1{font-size:1.1rem;margin:.25rem 0 .75rem}
.number{font-size:3.5rem;font-weight:700;letter-spacing:.1rem;text-align:center;margin:.25rem 0}
.state{font-size:1.4rem;font-weight:600;text-align:center}
.called{color:#0a7d32}
dl{display:grid;grid-template-columns:auto 1fr;gap:.35rem 1rem;margin:.75rem 0 0}
dt{color:#57606a}dd{margin:0;font-weight:600}
footer{font-size:.8rem;color:#57606a;text-align:center;margin:1rem 0}
"""


def _minutes(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    return text("server", "page.minutes", lang, minutes=max(0, round(float(value))))


def _page(title: str, body: str, refresh: bool) -> bytes:
    meta = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">' if refresh else ""
    return (
        '<!doctype html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex">{meta}<title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><main>{body}</main></body></html>\n"
    ).encode()


def _state(state: str, lang: str) -> str:
    key = f"state.{state}"
    return text("server", key, lang) if has("server", key, lang) else state


def ticket_html(data: TicketPage) -> bytes:
    """The status page of one ticket (``views.ticket_page`` data)."""
    called = data.state in ("called", "serving") and data.counter is not None
    waiting = data.state in ("waiting", "transferred")
    css = "state called" if called else "state"

    def block(lang: str) -> str:
        arabic = lang == "ar"
        rows: list[tuple[str, str | None]] = [
            (text("server", "page.service", lang), data.service_ar if arabic else data.service_en)
        ]
        if waiting:
            rows.append((text("server", "page.people_ahead", lang), str(data.people_ahead)))
            rows.append((text("server", "page.estimated_wait", lang), _minutes(data.wait_minutes, lang)))
        if called:
            rows.append((text("server", "page.go_to", lang), data.counter_ar if arabic else data.counter_en))
        items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
        branch = data.branch_ar if arabic else data.branch_en
        return (
            f'<section lang="{lang}" dir="{"rtl" if arabic else "ltr"}"><h1>{escape(branch)}</h1>'
            f'<div class="number" dir="ltr">{escape(data.number)}</div>'
            f'<div class="{css}">{escape(_state(data.state, lang))}</div><dl>{items}</dl></section>'
        )

    footer = (
        f"<footer>{text('server', 'page.refreshes', 'ar', seconds=REFRESH_SECONDS)} · "
        f'<span lang="en" dir="ltr">{text("server", "page.refreshes", "en", seconds=REFRESH_SECONDS)}</span>'
        "</footer>"
    )
    final = data.state in ("done", "cancelled")
    title = text("server", "page.title", "ar", number=data.number)
    return _page(title, block("ar") + block("en") + footer, refresh=not final)


def not_found_html() -> bytes:
    """The page for an unknown ticket or path: says nothing about any ticket."""
    body = "".join(
        f'<section lang="{lang}" dir="{direction}"><h1>{text("server", "not_found.heading", lang)}</h1>'
        f"<p>{text('server', 'not_found.text', lang)}</p></section>"
        for lang, direction in (("ar", "rtl"), ("en", "ltr"))
    )
    title = f"{text('server', 'not_found.title', 'ar')} — {text('server', 'not_found.title', 'en')}"
    return _page(title, body, refresh=False)


async def respond(server: HallServer, path: str) -> tuple[int, str, bytes] | None:
    """The HTTP answer for GET ``path`` (query string ignored), or None for the websocket endpoint."""
    path = path.split("?", 1)[0]
    if path in WEBSOCKET_PATHS:
        return None
    if path == "/healthz":
        database = await server.database_ok()
        body = {
            "status": "ok" if database else "degraded",
            "database": database,
            "uptime_seconds": round(time.monotonic() - server.started, 3),
            "clients": server.clients_by_role(),
            "branch": server.config.branch.id,
            "seq": server.hall.last_seq,
        }
        return (200 if database else 503), "application/json", json.dumps(body).encode("utf-8")
    if path == "/metrics":
        text = server.metrics.render(
            await server.waiting_by_service(),
            server.clients_by_role(),
            server.hall.last_seq,
            time.monotonic() - server.started,
        )
        return 200, "text/plain; version=0.0.4; charset=utf-8", text.encode("utf-8")
    match = TOKEN.match(path)
    if match:
        data = await server.ticket_page(match[1])
        if data is not None:
            return 200, "text/html; charset=utf-8", ticket_html(data)
    return 404, "text/html; charset=utf-8", not_found_html()
