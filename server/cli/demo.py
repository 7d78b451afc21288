"""``dawr demo``: a whole hall on this machine in one command.

``prepare_hall(folder)`` lays out a fresh demo hall in ``folder`` (default: ``demo/`` in the user's data
directory): the ministry's configuration open around the clock, device tokens for a kiosk and a board,
staff accounts, today's demo appointments imported into a fresh SQLite journal with their signed QR codes
written as PNG images, and a virtual printer folder. ``run_demo`` then starts the real server and the real
apps as separate processes — a kiosk, a display board and two counter clients (counter 1, an appointment
counter, and counter 3) logged in as demo staff — prints where everything is, and stops them all on Ctrl-C.

Without a screen (``--headless``, chosen by itself when there is no display) the same processes run
offscreen, the server's clock runs 60× faster, and ``play_hour`` plays an hour of the ministry's day
(``seed-day`` arrivals, services and service times) through the real protocol: citizens take tickets and
check in appointments at a kiosk, staff at eight counters call, serve, transfer to the supervisor and
finish. It ends with a summary (tickets, waits, cap overruns) and the path of the HTML report.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import itertools
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from server.cli.main import SubParsers
from server.core.appointments import sign_booking_qr
from server.core.config import BranchConfig, default_config_path, load_branch_config
from server.core.errors import ConfigError
from server.core.events import Booking
from server.core.lifecycle import Command
from server.protocol import messages as p
from server.protocol import payloads as pl

ALL_WEEK = (
    '{ sun = "00:00-24:00", mon = "00:00-24:00", tue = "00:00-24:00", wed = "00:00-24:00", '
    'thu = "00:00-24:00", fri = "00:00-24:00", sat = "00:00-24:00" }'
)
TIME_SCALE = 60.0
GUI_COUNTERS = (1, 3)
COUNTER_STAFF = {
    n: ("demo-appt" if n == 1 else "demo-counter" if n == 3 else f"demo-c{n}") for n in range(1, 9)
}
DEMO_NAMES: tuple[str, ...] = tuple(
    tomllib.loads(resources.files("server.cli").joinpath("demo_people.toml").read_text(encoding="utf-8"))[
        "names"
    ]
)
"""The demo's made-up citizens (``demo_people.toml``), named on its booked appointments."""


@dataclass
class DemoHall:
    """Where a prepared demo hall keeps everything."""

    folder: Path
    config_path: Path
    config: BranchConfig
    db_url: str
    secret_path: Path
    printer_dir: Path
    appointments_dir: Path
    logs_dir: Path
    tokens: dict[str, Path]
    passwords: dict[str, str]
    bookings: list[Booking]
    qr_payloads: dict[str, str]
    port: int = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def default_folder() -> Path:
    """``demo/`` in the user's data directory."""
    return Path(user_data_dir("dawr", appauthor=False)) / "demo"


def _private_file(path: Path, text: str) -> None:
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare_hall(folder: Path, now: datetime) -> DemoHall:
    """Lay out a fresh demo hall in ``folder`` (the journal and printouts of an earlier demo are replaced)."""
    import qrcode

    from server.core.engine import ImportAppointments
    from server.net.auth import mint_token, token_digest
    from server.store.branch_secret import load_qr_secret
    from server.store.hall import Hall
    from server.store.journal import Journal
    from server.store.staff import StaffStore

    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("hall.db", "hall.db-wal", "hall.db-shm", "report.html"):
        (folder / stale).unlink(missing_ok=True)
    for sub in ("printer", "appointments", "logs", "tokens"):
        shutil.rmtree(folder / sub, ignore_errors=True)
        (folder / sub).mkdir()

    tokens: dict[str, Path] = {}
    devices = []
    for device, role in (("kiosk-demo", "kiosk"), ("board-demo", "board"), ("kiosk-sim", "kiosk")):
        token = mint_token()
        tokens[device] = folder / "tokens" / f"{device}.token"
        _private_file(tokens[device], token + "\n")
        devices.append(
            f'\n[[devices]]\nid = "{device}"\nrole = "{role}"\nname = "{device}"\n'
            f'token_sha256 = "{token_digest(token)}"\n'
        )
    text = default_config_path().read_text(encoding="utf-8")
    start = text.index("hours = {")
    end = text.index("\n", start)
    text = text[:start] + f"hours = {ALL_WEEK}   # the demo hall never closes" + text[end:] + "".join(devices)
    config_path = folder / "branch.toml"
    config_path.write_text(text, encoding="utf-8")
    config = load_branch_config(config_path)
    secret_path = folder / "qr-secret"
    secret_path.unlink(missing_ok=True)
    secret = load_qr_secret(config.branch.id, secret_path)

    db_url = f"sqlite:///{folder / 'hall.db'}"
    journal = Journal.open(db_url)
    passwords: dict[str, str] = {}
    try:
        store = StaffStore(journal.engine)
        staff = [(name, "counter") for name in dict.fromkeys(COUNTER_STAFF.values())] + [
            ("demo-supervisor", "supervisor")
        ]
        for username, role in staff:
            passwords[username] = secrets.token_urlsafe(12)
            store.add(username, passwords[username], role, username.replace("-", " ").title())
        _private_file(folder / "staff.txt", "".join(f"{u}\t{p}\n" for u, p in passwords.items()))

        zone = config.zone
        local = now.astimezone(zone)
        first = local.replace(second=0, microsecond=0) + timedelta(minutes=10 - local.minute % 10 - 20)
        bookings = [
            Booking(
                f"HQ-{local:%m%d}-{i + 1:02d}",
                f"{880000000 + i * 1111:09d}",
                DEMO_NAMES[i % len(DEMO_NAMES)],
                f"+9733{i:07d}",
                ("mazaya", "housing")[i % 2],
                config.branch.id,
                first + timedelta(minutes=10 * i),
            )
            for i in range(12)
        ]
        hall = Hall.open(config, journal, secret)
        hall.handle(ImportAppointments(tuple(bookings)), now)
    finally:
        journal.close()

    payloads: dict[str, str] = {}
    appointments_dir = folder / "appointments"
    with open(appointments_dir / "appointments.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reference", "national_id", "name", "service", "slot", "qr_image", "qr_payload"])
        for booking in bookings:
            payload = sign_booking_qr(secret, booking.branch_id, booking.reference, booking.slot.date())
            payloads[booking.reference] = payload
            image = appointments_dir / f"{booking.reference}.png"
            qrcode.make(payload, box_size=8, border=4).save(image)
            writer.writerow(
                [
                    booking.reference,
                    booking.national_id,
                    booking.name,
                    booking.service_id,
                    f"{booking.slot.astimezone(zone):%Y-%m-%d %H:%M}",
                    image.name,
                    payload,
                ]
            )
    return DemoHall(
        folder,
        config_path,
        config,
        db_url,
        secret_path,
        folder / "printer",
        appointments_dir,
        folder / "logs",
        tokens,
        passwords,
        bookings,
        payloads,
    )


# ---------------------------------------------------------------------------------------------- processes


@dataclass
class Processes:
    """The demo's child processes, stopped together."""

    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        with open(log, "wb") as handle:  # the child keeps its own copy of the file
            self.children[name] = subprocess.Popen(
                argv,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )

    def dead(self) -> list[str]:
        return [name for name, child in self.children.items() if child.poll() is not None]

    def stop(self, timeout: float = 10.0) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _dawr(*args: str) -> list[str]:
    return [sys.executable, "-m", "server", *args]


def wait_healthy(http_url: str, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Return once ``/healthz`` answers ok; raise ConfigError if the server died or never answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ConfigError("the demo server stopped at start; see its log")
        try:
            with urllib.request.urlopen(f"{http_url}/healthz", timeout=2) as answer:
                if json.load(answer).get("status") == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise ConfigError("the demo server did not answer within 30 s; see its log")


def start_server(hall: DemoHall, processes: Processes, time_scale: float = 1.0) -> None:
    """Start the hall server as its own process (on ``hall.port``, a free one if 0) and wait until healthy."""
    hall.port = hall.port or free_port()
    server_args = [
        "server",
        "--config",
        str(hall.config_path),
        "--db",
        hall.db_url,
        "--port",
        str(hall.port),
        "--qr-secret-file",
        str(hall.secret_path),
    ]
    if time_scale != 1:
        server_args += ["--time-scale", f"{time_scale:g}"]
    processes.start("server", _dawr(*server_args), hall.logs_dir / "server.log")
    wait_healthy(hall.http_url, processes.children["server"])


def start_hall(hall: DemoHall, *, headless: bool, time_scale: float) -> Processes:
    """Start the server, then the kiosk, the board and two counter clients; returns the running set."""
    processes = Processes()
    start_server(hall, processes, time_scale)
    env = dict(os.environ)
    if headless:
        env["QT_QPA_PLATFORM"] = "offscreen"
    kiosk_env = {**env, "DAWR_KIOSK_TOKEN": hall.tokens["kiosk-demo"].read_text().strip()}
    processes.start(
        "kiosk",
        _dawr(
            "kiosk", "--server", hall.url, "--printer", f"virtual:{hall.printer_dir}", "--scanner", "keyboard"
        ),
        hall.logs_dir / "kiosk.log",
        kiosk_env,
    )
    processes.start(
        "board",
        _dawr("board", "--server", hall.url, "--token-file", str(hall.tokens["board-demo"])),
        hall.logs_dir / "board.log",
        env,
    )
    for number in GUI_COUNTERS:
        username = COUNTER_STAFF[number]
        password_file = hall.folder / "tokens" / f"{username}.password"
        if not password_file.exists():
            _private_file(password_file, hall.passwords[username] + "\n")
        processes.start(
            f"counter-{number}",
            _dawr(
                "counter",
                "--server",
                hall.url,
                "--counter",
                str(number),
                "--username",
                username,
                "--password-file",
                str(password_file),
            ),
            hall.logs_dir / f"counter-{number}.log",
            env,
        )
    return processes


# ------------------------------------------------------------------------------------------- headless play


Reply = p.Result[Any] | p.Error
"""What ``Peer.request`` answers: the typed result (``data`` is the request type's reply model) or the error."""


class Peer:
    """A minimal protocol client for the headless play: request/reply over one websocket, each reply
    validated once into the protocol's models (``server/protocol``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.ws: Any = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[str, asyncio.Future[Reply]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self.hello: p.Hello | None = None

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.url, proxy=None, open_timeout=10)
        self.hello = p.Hello.model_validate(json.loads(await self.ws.recv()))
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                raw = json.loads(frame)
                waiting = self._waiting.pop(raw["id"], None) if raw.get("id") is not None else None
                if waiting is None:
                    continue  # a push: the headless play does not follow them
                kind, future = waiting
                reply = p.parse_server_frame(raw, kind)
                if not future.done() and isinstance(reply, p.Result | p.Error):
                    future.set_result(reply)
        except Exception:  # the connection closed: fail whoever still waits
            for number, (_, future) in self._waiting.items():
                if not future.done():
                    future.set_result(p.Error(id=number, code="connection_lost", message="connection lost"))

    async def request(self, kind: Command | str, **fields: Any) -> Reply:
        number = next(self._ids)
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._waiting[number] = (str(kind), future)
        await self.ws.send(json.dumps({"id": number, "type": str(kind), **fields}))
        return await asyncio.wait_for(future, 15)

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self.ws is not None:
            await self.ws.close()


@dataclass
class PlayResult:
    """What the headless hour did, as the clients saw it."""

    issued: int = 0
    checked_in: int = 0
    called: int = 0
    finished: int = 0
    transferred: int = 0
    no_shows: int = 0
    refused: dict[str, int] = field(default_factory=dict)


async def play_hour(
    hall: DemoHall, *, time_scale: float = TIME_SCALE, minutes: float = 60.0, seed: int = 7
) -> PlayResult:
    """Play ``minutes`` of hall time through the real protocol at ``time_scale`` (see the module doc)."""
    from server.sim.simulator import load_scenario, plan_day

    scenario, base_config = load_scenario("seed-day")
    plan = plan_day(scenario, base_config, date(2026, 11, 22), random.Random(seed))
    window_start = plan.opens.replace(hour=9, minute=0)
    walk_ins = [
        c
        for c in plan.customers
        if c.booking is None and window_start <= c.arrive < window_start + timedelta(minutes=minutes)
    ]
    result = PlayResult()
    planned: dict[str, Any] = {}
    real = 1.0 / time_scale  # real seconds per hall second
    done = asyncio.Event()

    def note_refusal(reply: Reply) -> None:
        code = reply.code if isinstance(reply, p.Error) else "unexpected_reply"
        result.refused[code] = result.refused.get(code, 0) + 1

    async def kiosk() -> None:
        peer = Peer(hall.url)
        await peer.open()
        await peer.request("login_device", token=hall.tokens["kiosk-sim"].read_text().strip())
        started = time.monotonic()
        assert peer.hello is not None
        server_start = datetime.fromisoformat(peer.hello.now)
        events: list[tuple[float, str, Any]] = [
            ((c.arrive - window_start).total_seconds(), "walk_in", c) for c in walk_ins
        ]
        for booking in hall.bookings:
            offset = (booking.slot - server_start).total_seconds() - 5 * 60
            if 0 <= offset < minutes * 60:
                events.append((offset, "appointment", booking))
        events.sort(key=lambda e: e[0])
        for n, (offset, kind, who) in enumerate(events):
            delay = started + offset * real - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            key = f"demo-{seed}-{n:05d}"
            if kind == "walk_in":
                reply = await peer.request(
                    Command.ISSUE_TICKET, service_id=who.service, priority=who.priority, idempotency_key=key
                )
            else:
                reply = await peer.request(
                    Command.CHECK_IN, qr_payload=hall.qr_payloads[who.reference], idempotency_key=key
                )
            if isinstance(reply, p.Result) and isinstance(reply.data, pl.TicketReply):
                planned[reply.data.ticket.number] = who
                if kind == "walk_in":
                    result.issued += 1
                else:
                    result.checked_in += 1
            else:
                note_refusal(reply)
        await peer.close()

    async def counter(number: int) -> None:
        peer = Peer(hall.url)
        await peer.open()
        # Counters 1 and 3 have their own (offscreen) counter apps logged in as demo staff; the played
        # staff act for them as the supervisor, so the apps show what happens without being logged out.
        if number in GUI_COUNTERS:
            await peer.request(
                "login", username="demo-supervisor", password=hall.passwords["demo-supervisor"]
            )
            here: dict[str, Any] = {"counter": number}
        else:
            username = COUNTER_STAFF[number]
            await peer.request("login", username=username, password=hall.passwords[username], counter=number)
            here = {}

        async def ask(command: Command, **fields: Any) -> Reply:
            return await peer.request(command, **here, **fields)

        await ask(Command.OPEN_COUNTER)
        rng = random.Random(seed * 100 + number)
        while not done.is_set():
            reply = await ask(Command.CALL_NEXT)
            ticket = reply.data.ticket if isinstance(reply, p.Result) else None
            if ticket is None:
                if not (isinstance(reply, p.Error) and reply.code == "queue_empty"):
                    note_refusal(reply)
                await asyncio.sleep(30 * real)
                continue
            result.called += 1
            who = planned.get(ticket.number)
            minutes_here = getattr(who, "minutes", None) or rng.uniform(3, 6)
            if ticket.service_id == "supervisor":
                minutes_here = getattr(who, "transfer_minutes", 0.0) or rng.uniform(4, 8)
            await asyncio.sleep((getattr(who, "walk_s", 30.0)) * real)
            if getattr(who, "absent", False):
                await ask(Command.RECALL)
                await asyncio.sleep(60 * real)
                await ask(Command.NO_SHOW)
                result.no_shows += 1
                continue
            await ask(Command.START_SERVICE)
            await asyncio.sleep(minutes_here * 60 * real)
            if getattr(who, "transfer", False) and ticket.service_id != "supervisor":
                moved = await ask(Command.TRANSFER, to_service="supervisor")
                if isinstance(moved, p.Result):
                    result.transferred += 1
                    continue
            finished = await ask(Command.FINISH, outcome="completed")
            if isinstance(finished, p.Error) and finished.code == "overrun_reason_required":
                finished = await ask(
                    Command.FINISH,
                    outcome="completed",
                    overrun_reason=getattr(who, "overrun_reason", "complex_case"),
                )
            if isinstance(finished, p.Result):
                result.finished += 1
            else:
                note_refusal(finished)
        await peer.close()

    counters = [asyncio.create_task(counter(n)) for n in range(1, 9)]
    await kiosk()
    # let the counters serve who is still waiting, up to 30 hall minutes after the last arrival
    deadline = time.monotonic() + 30 * 60 * real
    while time.monotonic() < deadline and result.finished + result.no_shows + 1 < (
        result.issued + result.checked_in
    ):
        await asyncio.sleep(0.2)
    done.set()
    await asyncio.gather(*counters, return_exceptions=True)
    return result


# ------------------------------------------------------------------------------------------------- command


def has_display() -> bool:
    """True if a graphical session is available for real windows."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _where(hall: DemoHall) -> str:
    rows = [
        ("hall server", f"{hall.url}  (health: {hall.http_url}/healthz, metrics: {hall.http_url}/metrics)"),
        ("journal", hall.db_url),
        ("branch file", str(hall.config_path)),
        ("printed tickets", f"{hall.printer_dir}  (a PNG and the raw ESC/POS bytes per ticket)"),
        (
            "appointment QR codes",
            f"{hall.appointments_dir}  (show one to the kiosk's scanner, or type its "
            "reference on the kiosk keypad; list in appointments.csv)",
        ),
        (
            "staff passwords",
            f"{hall.folder / 'staff.txt'}  (counter 1: demo-appt, counter 3: demo-counter, "
            "supervisor: demo-supervisor)",
        ),
        ("logs", str(hall.logs_dir)),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name:<{width}}  {value}" for name, value in rows)


def _summary(hall: DemoHall, played: PlayResult) -> str:
    from server.reports.cli import build_report

    today = datetime.now(hall.config.zone).date()
    data = json.loads(
        build_report(
            hall.db_url,
            today - timedelta(days=1),
            today + timedelta(days=1),
            hall.config.branch.id,
            str(hall.config_path),
            "json",
        )
    )
    html = build_report(
        hall.db_url,
        today - timedelta(days=1),
        today + timedelta(days=1),
        hall.config.branch.id,
        str(hall.config_path),
        "html",
    )
    report = hall.folder / "report.html"
    report.write_text(html, encoding="utf-8")
    s = data["summary"]
    lines = [
        "Headless hour played through the real protocol:",
        f"  tickets          {played.issued} walk-in, {played.checked_in} appointments checked in",
        f"  served           {played.finished} finished, {played.transferred} sent to the supervisor, "
        f"{played.no_shows} no-shows",
        f"  waits            mean {s['mean_wait_min']:.1f} min, 90% within {s['p90_wait_min']:.1f} min, "
        f"longest {s['max_wait_min']:.1f} min",
        f"  7-minute cap     {s['within_cap_pct']:.1f}% within, {s['over_cap']} over",
        f"  appointments     {s['appointments_on_time_pct']:.1f}% called on time",
        f"  report           {report}",
    ]
    if played.refused:
        lines.append(
            "  refused          " + ", ".join(f"{k} ×{v}" for k, v in sorted(played.refused.items()))
        )
    return "\n".join(lines)


def _cmd_demo(args: argparse.Namespace) -> int:
    from server.store.journal import utc_now

    headless = args.headless or not has_display()
    folder = Path(args.dir).expanduser() if args.dir else default_folder()
    hall = prepare_hall(folder, utc_now())
    hall.port = args.port or 0
    time_scale = TIME_SCALE if headless else 1.0
    processes = start_hall(hall, headless=headless, time_scale=time_scale)
    try:
        print(
            f"Dawr demo hall — {'headless, the hall clock runs 60× faster' if headless else 'on this screen'}"
        )
        print(_where(hall), flush=True)
        if headless:
            played = asyncio.run(play_hour(hall, time_scale=time_scale, minutes=args.minutes))
            dead = [n for n in processes.dead() if n != "server"]
            if dead:
                print(
                    f"warning: these apps stopped early (see {hall.logs_dir}): {', '.join(dead)}",
                    file=sys.stderr,
                )
            print(_summary(hall, played))
            return 0 if not dead else 1
        print("Stop the whole hall with Ctrl-C.", flush=True)
        while True:
            dead = processes.dead()
            if dead:
                print(f"stopped: {', '.join(dead)} (see {hall.logs_dir}); stopping the demo", file=sys.stderr)
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        processes.stop()


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not 1 <= value <= 240:
        raise argparse.ArgumentTypeError("play between 1 and 240 minutes")
    return value


def register(subparsers: SubParsers) -> None:
    """Register ``dawr demo``."""
    demo = subparsers.add_parser("demo", help="start a whole demo hall: server, kiosk, board, two counters")
    demo.add_argument(
        "--headless",
        action="store_true",
        help="no screen: run the apps offscreen and play an hour of citizens and staff "
        "(chosen by itself when there is no display)",
    )
    demo.add_argument("--dir", help="where the demo hall lives (default: demo/ in the user's data directory)")
    demo.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    demo.add_argument(
        "--minutes",
        type=_minutes,
        default=60.0,
        help="headless: hall minutes to play (default 60, i.e. one minute of real time)",
    )
    demo.set_defaults(func=_cmd_demo)
