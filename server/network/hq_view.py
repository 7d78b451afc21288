"""``dawr hq``: the HQ live view, a web page served at HQ from HQ's database (docs/network.md).

    dawr hq --db HQ_URL [--host 127.0.0.1] [--port 8470] [--config BRANCH_TOML ...]

Read-only: it rebuilds every branch from HQ's replicated copy of its journal (``server.network.hq``) and
pushes the picture to the page by server-sent events (``GET /feed``); the page updates itself without
reloading. Arabic first (``dir="rtl"``, Arabic headings with English under them; ``?lang=en`` gives the
English page with Arabic under the headings). Staff log in with their HQ staff account
(``server.store.staff``): supervisors and administrators only; a counter clerk is refused (403), a wrong
password too (401). The session is a random token in an HttpOnly, SameSite=Strict cookie, stored only as
its SHA-256 in ``staff_sessions``. Every request that cannot be served gets a status code and a short
bilingual page — never a traceback.

    GET  /            the view (303 to /login without a session)
    GET  /login       the login form              POST /login   username, password, lang
    POST /logout      end the session              GET  /feed    text/event-stream of the picture (JSON)
    GET  /hq.js, /hq.css, /healthz

``register(subparsers)`` adds ``dawr hq`` to the ``dawr`` parser; ``main(argv)`` runs it alone
(``python -m server.network.hq_view``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from html import escape
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.engine import Engine

from server.core.config import BranchConfig
from server.core.errors import ConfigError, JournalError
from server.i18n import LANGUAGES, text
from server.network.hq import HqLive, Refresher
from server.network.hq_assets import PAGE_CSS, PAGE_JS
from server.store.staff import Session, StaffError, StaffStore

log = logging.getLogger("dawr.hq")

DEFAULT_PORT = 8470
COOKIE = "dawr_hq_session"
ALLOWED_ROLES = ("supervisor", "admin")
SESSION_HOURS = 12
SESSION_CHECK_SECONDS = 10.0
"""How often an open feed checks that its session is still valid (logged out, disabled at HQ...)."""
MAX_FORM_BYTES = 4096
LOGIN_FAILURES = 10
LOGIN_WINDOW_SECONDS = 300.0
"""After this many failed logins for one account from one address within the window, they wait (429)."""
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
DOMAIN = "network"

# Every wording the page's script shows, sent to it once in the page (both languages).
PAGE_WORDS = (
    "hq.status.live",
    "hq.status.reconnecting",
    "hq.status.logged_out",
    "hq.updated",
    "hq.no_branches",
    "hq.branch.live",
    "hq.branch.stale",
    "hq.branch.problem",
    "hq.data_age",
    "hq.data_age_minutes",
    "hq.no_data",
    "hq.heading.counters",
    "hq.counters",
    "hq.heading.waiting",
    "hq.waiting.nobody",
    "hq.heading.longest",
    "hq.heading.mean",
    "hq.minutes",
    "hq.heading.served",
    "hq.heading.cap",
    "hq.percent",
    "hq.cap.detail",
    "hq.heading.appointments",
    "hq.appointments.detail",
    "hq.heading.devices",
    "hq.devices.not_at_hq",
    "hq.devices.none",
    "hq.device.part.connection",
    "hq.device.part.printer",
    "hq.device.part.scanner",
    "hq.device.part.display",
    "hq.device.part.announcer",
    "hq.device.state.disconnected",
    "hq.device.state.silent",
    "hq.device.state.error",
    "hq.device.state.warning",
    "hq.none",
    "hq.error.unavailable",
)

SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
)


def _t(key: str, lang: str, **values: object) -> str:
    return text(DOMAIN, key, lang, **values)


def _other(lang: str) -> str:
    return "en" if lang == "ar" else "ar"


def _dir(lang: str) -> str:
    return "rtl" if lang == "ar" else "ltr"


def _heading(key: str, lang: str, tag: str = "h1") -> str:
    """The wording in the page's language, the other language under it (Arabic first on the Arabic page)."""
    other = _other(lang)
    return (
        f'<{tag} class="primary">{escape(_t(key, lang))}</{tag}>'
        f'<p class="secondary" lang="{other}" dir="{_dir(other)}">{escape(_t(key, other))}</p>'
    )


def _document(lang: str, title_key: str, body: str, *, script: bool = False) -> bytes:
    head_script = '<script src="/hq.js" defer></script>' if script else ""
    return (
        f'<!doctype html>\n<html lang="{lang}" dir="{_dir(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex"><link rel="stylesheet" href="/hq.css">'
        f"<title>{escape(_t(title_key, lang))}</title>{head_script}</head>"
        f'<body data-lang="{lang}">{body}</body></html>\n'
    ).encode()


def _top(lang: str, *, logged_in: bool) -> str:
    other = _other(lang)
    switch = f'<a class="lang" href="?lang={other}" lang="{other}" hreflang="{other}">{escape(_t("hq.lang.name", other))}</a>'
    logout = (
        f'<form method="post" action="/logout"><input type="hidden" name="lang" value="{lang}">'
        f'<button type="submit">{escape(_t("hq.logout", lang))}</button></form>'
        if logged_in
        else ""
    )
    return (
        f'<header class="top"><div class="titles">{_heading("hq.title", lang)}'
        f'<p class="subtitle">{escape(_t("hq.subtitle", lang))}</p></div>'
        f"<nav>{switch}{logout}</nav></header>"
    )


def view_html(lang: str) -> bytes:
    """The live view's page: the top bar and an empty grid the script fills from ``/feed``."""
    words = {code: {key: _t(key, code) for key in PAGE_WORDS} for code in LANGUAGES}
    data = json.dumps(words, ensure_ascii=False).replace("<", "\\u003c")
    body = (
        _top(lang, logged_in=True)
        + '<p id="status" class="status" role="status" aria-live="polite"></p>'
        + '<main id="branches" class="branches" aria-live="polite"></main>'
        + f'<script type="application/json" id="words">{data}</script>'
    )
    return _document(lang, "hq.title", body, script=True)


def login_html(lang: str, message_key: str | None = None, username: str = "") -> bytes:
    message = f'<p class="error" role="alert">{escape(_t(message_key, lang))}</p>' if message_key else ""
    body = (
        _top(lang, logged_in=False)
        + '<main class="login"><form method="post" action="/login" class="card">'
        + _heading("hq.login.heading", lang, "h2")
        + message
        + f'<input type="hidden" name="lang" value="{lang}">'
        + f'<label for="username">{escape(_t("hq.login.username", lang))}</label>'
        + f'<input id="username" name="username" dir="ltr" autocomplete="username" required maxlength="40" value="{escape(username)}">'
        + f'<label for="password">{escape(_t("hq.login.password", lang))}</label>'
        + '<input id="password" name="password" type="password" dir="ltr" autocomplete="current-password" required maxlength="200">'
        + f'<button type="submit" id="login">{escape(_t("hq.login.submit", lang))}</button>'
        + f'<p class="who">{escape(_t("hq.login.who", lang))}</p></form></main>'
    )
    return _document(lang, "hq.login.heading", body)


def error_html(lang: str, key: str) -> bytes:
    body = (
        _top(lang, logged_in=False)
        + f'<main class="login"><div class="card">{_heading(key, lang, "h2")}'
        + f'<p><a href="/?lang={lang}">{escape(_t("hq.back", lang))}</a></p></div></main>'
    )
    return _document(lang, "hq.error.title", body)


class BadRequest(Exception):
    """A request the view answers with ``status`` and the error page ``key``."""

    def __init__(self, status: HTTPStatus, key: str = "hq.error.bad_request") -> None:
        super().__init__(key)
        self.status = status
        self.key = key


class HqHttpServer(ThreadingHTTPServer):
    """The HQ view's HTTP server: one thread per connection (the feeds are long-lived)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        refresher: Refresher,
        staff: StaffStore,
        *,
        secure_cookie: bool = False,
    ) -> None:
        super().__init__(address, HqHandler)
        self.refresher = refresher
        self.staff = staff
        self.cookie_flags = "; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure_cookie else "")
        self._failures: dict[str, deque[float]] = {}
        self._failures_lock = threading.Lock()

    def throttled(self, address: str) -> float:
        """Seconds ``address`` must still wait before its next login attempt (0: it may try)."""
        with self._failures_lock:
            marks = self._failures.get(address)
            if not marks:
                return 0.0
            now = time.monotonic()
            while marks and now - marks[0] > LOGIN_WINDOW_SECONDS:
                marks.popleft()
            if len(marks) < LOGIN_FAILURES:
                return 0.0
            return max(1.0, LOGIN_WINDOW_SECONDS - (now - marks[0]))

    def failed_login(self, address: str) -> None:
        with self._failures_lock:
            if len(self._failures) > 10_000:  # many addresses: forget the oldest record
                self._failures.pop(next(iter(self._failures)))
            self._failures.setdefault(address, deque(maxlen=LOGIN_FAILURES)).append(time.monotonic())

    def clock(self) -> datetime:
        return datetime.now(UTC)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class HqHandler(BaseHTTPRequestHandler):
    server: HqHttpServer
    protocol_version = "HTTP/1.0"
    server_version = "dawr-hq"
    lang = "ar"

    # ----------------------------------------------------------------------------- plumbing
    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib's own refusals (malformed request line, headers too long...) as our page."""
        status = HTTPStatus(code)
        key = {
            HTTPStatus.NOT_FOUND: "hq.error.not_found",
            HTTPStatus.METHOD_NOT_ALLOWED: "hq.error.method",
            HTTPStatus.NOT_IMPLEMENTED: "hq.error.method",
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "hq.error.too_large",
            HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: "hq.error.too_large",
            HTTPStatus.REQUEST_URI_TOO_LONG: "hq.error.too_large",
        }.get(status, "hq.error.bad_request")
        self.close_connection = True
        with contextlib.suppress(OSError):
            self._send(status, "text/html; charset=utf-8", error_html(self.lang, key))

    def _send(
        self,
        status: HTTPStatus,
        content_type: str,
        body: bytes,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (*SECURITY_HEADERS, *headers):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, where: str, headers: Iterable[tuple[str, str]] = ()) -> None:
        self._send(HTTPStatus.SEE_OTHER, "text/plain; charset=utf-8", b"", [("Location", where), *headers])

    def _route(self, method: str) -> None:
        try:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, max_num_fields=10, strict_parsing=False)
            lang = query.get("lang", ["ar"])[-1]
            if lang not in LANGUAGES:
                raise BadRequest(HTTPStatus.BAD_REQUEST)
            self.lang = lang
            handler = ROUTES.get((method, parts.path))
            if handler is None:
                if any(path == parts.path for _, path in ROUTES):
                    raise BadRequest(HTTPStatus.METHOD_NOT_ALLOWED, "hq.error.method")
                raise BadRequest(HTTPStatus.NOT_FOUND, "hq.error.not_found")
            handler(self)
        except BadRequest as refusal:
            self._send(refusal.status, "text/html; charset=utf-8", error_html(self.lang, refusal.key))
        except JournalError as problem:
            log.warning("HQ view: %s", problem)
            self._send(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "text/html; charset=utf-8",
                error_html(self.lang, "hq.error.unavailable"),
            )
        except (BrokenPipeError, ConnectionResetError):
            pass
        except ValueError:
            self._send(
                HTTPStatus.BAD_REQUEST,
                "text/html; charset=utf-8",
                error_html(self.lang, "hq.error.bad_request"),
            )
        except Exception:  # a bug: logged here with its traceback, the browser gets a plain 500 page
            log.exception("HQ view: %s %s failed", method, self.path)
            with contextlib.suppress(OSError):
                self._send(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    "text/html; charset=utf-8",
                    error_html(self.lang, "hq.error.bad_request"),
                )

    def do_GET(self) -> None:
        self._route("GET")

    def do_HEAD(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    # ----------------------------------------------------------------------------- sessions
    def _token(self) -> str | None:
        raw = self.headers.get("Cookie")
        if not raw:
            return None
        try:
            cookie = SimpleCookie(raw)
        except CookieError:
            return None
        morsel = cookie.get(COOKIE)
        token = morsel.value if morsel is not None else ""
        return token if TOKEN.match(token) else None

    def _session(self, token: str | None) -> Session | None:
        """The live session of ``token`` if its role may use the view."""
        if token is None:
            return None
        session = self.server.staff.resume(token, self.server.clock())
        return session if session is not None and session.role in ALLOWED_ROLES else None

    def _session_ok(self, token: str | None) -> bool:
        return self._session(token) is not None

    def _scope(self, session: Session) -> frozenset[str] | None:
        """The branches the session may see: an admin every branch, a supervisor the branches the
        account is granted (None: every branch)."""
        if session.role == "admin":
            return None
        account = self.server.staff.account(session.username)
        return frozenset() if account is None else account.branches

    def _form(self) -> dict[str, str]:
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            raise BadRequest(HTTPStatus.LENGTH_REQUIRED)
        try:
            length = int(length_text)
        except ValueError:
            raise BadRequest(HTTPStatus.BAD_REQUEST) from None
        if length < 0:
            raise BadRequest(HTTPStatus.BAD_REQUEST)
        if length > MAX_FORM_BYTES:
            raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "hq.error.too_large")
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise BadRequest(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        body = self.rfile.read(length)
        try:
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
        except (UnicodeDecodeError, ValueError):
            raise BadRequest(HTTPStatus.BAD_REQUEST) from None
        form = {key: values[-1] for key, values in fields.items()}
        lang = form.get("lang", self.lang)
        if lang not in LANGUAGES:
            raise BadRequest(HTTPStatus.BAD_REQUEST)
        self.lang = lang
        return form

    # ----------------------------------------------------------------------------- routes
    def get_view(self) -> None:
        if not self._session_ok(self._token()):
            self._redirect(f"/login?lang={self.lang}")
            return
        self._send(HTTPStatus.OK, "text/html; charset=utf-8", view_html(self.lang))

    def get_login(self) -> None:
        self._send(HTTPStatus.OK, "text/html; charset=utf-8", login_html(self.lang))

    def post_login(self) -> None:
        form = self._form()
        username = form.get("username", "").strip()
        password = form.get("password", "")
        if not username or not password or len(username) > 40 or len(password) > 200:
            self._send(
                HTTPStatus.BAD_REQUEST, "text/html; charset=utf-8", login_html(self.lang, "hq.login.failed")
            )
            return
        address = f"{self.client_address[0]} {username}"  # per address and account: one guesser
        wait = self.server.throttled(address)  # cannot lock everybody out through a proxy
        if wait:
            self._send(
                HTTPStatus.TOO_MANY_REQUESTS,
                "text/html; charset=utf-8",
                login_html(self.lang, "hq.login.throttled", username),
                [("Retry-After", str(round(wait)))],
            )
            return
        store = self.server.staff
        now = self.server.clock()
        try:
            session = store.login(username, password, None, timedelta(hours=SESSION_HOURS), now)
        except StaffError:  # not granted at a branch: the HQ store checks no grant; kept for safety
            session = None
        if session is None:
            self.server.failed_login(address)
            self._send(
                HTTPStatus.UNAUTHORIZED,
                "text/html; charset=utf-8",
                login_html(self.lang, "hq.login.failed", username),
            )
            return
        if session.role not in ALLOWED_ROLES:
            store.revoke(session.digest)
            self._send(
                HTTPStatus.FORBIDDEN,
                "text/html; charset=utf-8",
                login_html(self.lang, "hq.login.not_allowed", username),
            )
            return
        cookie = f"{COOKIE}={session.token}{self.server.cookie_flags}; Max-Age={SESSION_HOURS * 3600}"
        self._redirect(f"/?lang={self.lang}", [("Set-Cookie", cookie)])

    def post_logout(self) -> None:
        self._form()
        token = self._token()
        if token is not None:
            session = self.server.staff.resume(token, self.server.clock())
            if session is not None:
                self.server.staff.revoke(session.digest)
        gone = f"{COOKIE}={self.server.cookie_flags}; Max-Age=0"
        self._redirect(f"/login?lang={self.lang}", [("Set-Cookie", gone)])

    def get_feed(self) -> None:
        token = self._token()
        session = self._session(token)
        if session is None:
            self._send(HTTPStatus.UNAUTHORIZED, "text/plain; charset=utf-8", b"log in first\n")
            return
        scope = self._scope(session)
        refresher = self.server.refresher
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        for name, value in SECURITY_HEADERS:
            self.send_header(name, value)
        self.send_header("X-Accel-Buffering", "no")
        self.end_headers()
        self.close_connection = True
        checked = time.monotonic()
        serial = 0
        self.wfile.write(b"retry: 2000\n\n")
        while not refresher.stopped:
            serial, snapshot, data = refresher.wait(serial, 15.0)
            if scope is not None:
                mine = [branch for branch in data["branches"] if branch["id"] in scope]
                snapshot = json.dumps({**data, "branches": mine}, ensure_ascii=False).encode()
            self.wfile.write(b"event: state\ndata: " + snapshot + b"\n\n")
            self.wfile.flush()
            if time.monotonic() - checked >= SESSION_CHECK_SECONDS:
                checked = time.monotonic()
                session = self._session(token)
                if session is None:
                    self.wfile.write(b"event: logout\ndata: {}\n\n")
                    self.wfile.flush()
                    return
                scope = self._scope(session)

    def get_js(self) -> None:
        self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", PAGE_JS.encode())

    def get_css(self) -> None:
        self._send(HTTPStatus.OK, "text/css; charset=utf-8", PAGE_CSS.encode())

    def get_health(self) -> None:
        healthy = self.server.refresher.healthy
        status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
        self._send(status, "text/plain; charset=utf-8", b"ok\n" if healthy else b"hq database unavailable\n")


ROUTES = {
    ("GET", "/"): HqHandler.get_view,
    ("GET", "/login"): HqHandler.get_login,
    ("POST", "/login"): HqHandler.post_login,
    ("POST", "/logout"): HqHandler.post_logout,
    ("GET", "/feed"): HqHandler.get_feed,
    ("GET", "/hq.js"): HqHandler.get_js,
    ("GET", "/hq.css"): HqHandler.get_css,
    ("GET", "/healthz"): HqHandler.get_health,
}


# ------------------------------------------------------------------------------------------ running
class HqView:
    """The view running in threads (for ``dawr hq`` and the tests): ``start()``, ``url``, ``stop()``."""

    def __init__(
        self,
        engine: Engine,
        configs: Iterable[BranchConfig] = (),
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        interval: float = 0.2,
        scrypt_n: int | None = None,
        secure_cookie: bool = False,
    ) -> None:
        self.live = HqLive(engine, configs)
        self.refresher = Refresher(self.live, interval=interval)
        self.staff = StaffStore(engine, scrypt_n=scrypt_n)
        try:
            self.http = HqHttpServer((host, port), self.refresher, self.staff, secure_cookie=secure_cookie)
        except OSError as problem:
            raise ConfigError(f"cannot listen on {host}:{port}: {problem.strerror or problem}") from None
        self._thread = threading.Thread(target=self.http.serve_forever, name="hq-http", daemon=True)

    @property
    def url(self) -> str:
        return self.http.url

    def start(self) -> HqView:
        self.refresher.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self.refresher.stop()
        self.http.shutdown()
        self.http.server_close()
        self._thread.join(timeout=10)


def _cmd_hq(args: argparse.Namespace) -> int:
    from sqlalchemy import text as sql_text
    from sqlalchemy.exc import SQLAlchemyError

    from server.core.config import load_branch_config
    from server.network.replication import libpq_url, safe_url
    from server.store.journal import make_engine

    configs = [load_branch_config(path) for path in args.config or []]
    engine = make_engine(libpq_url(args.db))
    try:
        with engine.connect() as connection:
            connection.execute(sql_text("SELECT 1 FROM journal_events LIMIT 1"))
    except SQLAlchemyError as problem:
        engine.dispose()
        first = str(problem.orig if hasattr(problem, "orig") else problem).strip().splitlines()[0]
        raise JournalError(f"the HQ database at {safe_url(args.db)} cannot be read: {first}") from None
    view = HqView(engine, configs, host=args.host, port=args.port, secure_cookie=args.secure_cookie)
    view.start()

    def _terminate(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (systemd stop) ends it like Ctrl+C

    signal.signal(signal.SIGTERM, _terminate)
    print(f"HQ live view on {view.url}/ (log in as a supervisor or admin of HQ; Ctrl+C stops)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        view.stop()
        engine.dispose()


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``dawr hq`` to the ``dawr`` parser."""
    hq = sub.add_parser("hq", help="at HQ: the live web view of every branch (read-only)")
    hq.add_argument("--db", required=True, help="PostgreSQL URL of the HQ database")
    hq.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    hq.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    hq.add_argument(
        "--config",
        action="append",
        help="a branch TOML file: its services and counters (repeat; default: the shipped hall)",
    )
    hq.add_argument(
        "--secure-cookie",
        action="store_true",
        help="mark the session cookie Secure (when a TLS reverse proxy serves the view)",
    )
    hq.set_defaults(func=_cmd_hq)


def main(argv: Sequence[str] | None = None) -> int:
    """``dawr hq`` on its own; returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    parser = argparse.ArgumentParser(prog="dawr")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(["hq", *(sys.argv[1:] if argv is None else argv)])
    try:
        code: int = args.func(args)
    except (ConfigError, JournalError) as error:
        print(f"dawr: {error}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
