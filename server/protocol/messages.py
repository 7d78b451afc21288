"""The one message vocabulary between the hall server and its clients (protocol version 1).

Every frame is a JSON text object. A client sends **requests**: ``{"id": 7, "type": "call_next", ...}``.
The server answers each with exactly one **reply** carrying the same ``id``: ``result`` (with ``data``) or
``error`` (stable ``code``, English ``message``, Arabic ``message_ar``, ``details``). The server also
**pushes** messages without an ``id``: ``hello`` on connect, ``snapshot`` after login and on ``resync``,
then ``event``, ``queue_status``, ``counter_view`` and ``device_status``; each push carries the branch
journal sequence number ``seq`` it reflects and ``prev_seq``, the ``seq`` of the push before it on this
connection. A client keeps ``last_seq``; a push whose ``prev_seq`` differs means it missed something, so it
sends ``resync`` and waits for the fresh ``snapshot``. The full text, with an example of every type, is
``docs/protocol.md``.

Every request type is defined once below as a pydantic model with its ``type`` literal and the roles that
may send it (``roles``); ``REQUESTS`` maps type names to models and ``ALLOWED_ROLES`` is the authorization
matrix the server enforces (a ``counter`` session is further limited to its own counter).
``parse_request(text)`` turns a frame into a request or raises ``ProtocolError`` with a stable code.

The server's frames are defined here too (``Result``, ``Error``, ``Hello``, one ``Snapshot`` model per role,
``EventPush``, ``QueueStatus``, ``CounterView``, ``DeviceStatus``), their payloads in ``payloads.py``;
``parse_server_frame(raw, request_type)`` validates a frame the server sent (what the Qt client does with
each one) and ``push_text`` writes a push from a payload serialised once for all its receivers.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from server.core.lifecycle import COMMAND_ROLES, Command
from server.protocol.payloads import (
    REPLY_MODELS,
    AdminSnapshotData,
    BoardSnapshotData,
    CounterSnapshotData,
    CounterViewData,
    DeviceInfo,
    ErrorDetails,
    EventInfo,
    KioskSnapshotData,
    ReplyData,
    ServiceStatus,
    SnapshotData,
    SupervisorSnapshotData,
)
from server.protocol.payloads import (
    Role as Role,
)

PROTOCOL_VERSION = 1

ROLES: tuple[Role, ...] = ("kiosk", "board", "counter", "supervisor", "admin")
STAFF_ROLES: tuple[Role, ...] = ("counter", "supervisor", "admin")
NO_LOGIN = "none"
"""The pseudo-role of a connection that has not logged in (used in ``ALLOWED_ROLES``)."""

D = TypeVar("D")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str) -> str:
    """Refuse control characters and unpaired surrogates; NFC-normalise what is left."""
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return unicodedata.normalize("NFC", value)


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("line breaks are not allowed")
    return value


Line200 = Annotated[str, Field(max_length=200), AfterValidator(_clean), AfterValidator(_one_line)]
"""A one-line string of at most 200 characters, without control characters."""

RequestId = Annotated[int, Field(ge=0, le=2**53)] | Annotated[str, Field(min_length=1, max_length=64)]
CounterNumber = Annotated[int, Field(ge=1, le=999)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
ServiceId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
TicketRef = Annotated[str, Field(pattern=r"^(\d{8}-)?[A-Za-z]\d{3}$")]
IdempotencyKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{8,64}$")]
Username = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.-]{1,39}$")]
Secret = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_clean)]


class Message(BaseModel):
    """Base of every message: strict types (no coercion of "1" to 1), unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# ==========================================================================================================
# Requests (client -> server)
# ==========================================================================================================


class Request(Message):
    """A client request: ``id`` (echoed in the reply) and ``type``. ``roles`` lists who may send it."""

    roles: ClassVar[frozenset[str]] = frozenset()
    citizen_facing: ClassVar[bool] = False
    id: RequestId


# --- session -------------------------------------------------------------------------------------------


class LoginDevice(Request):
    """A kiosk or board logs in with its device token. Reply: ``{"role", "device_id", "branch"}``, then a
    ``snapshot`` push."""

    roles = frozenset({NO_LOGIN})
    type: Literal["login_device"]
    token: Secret
    protocol: Annotated[int, Field(ge=1, le=1000)] = PROTOCOL_VERSION


class Login(Request):
    """Staff log in with username and password; counter staff name the counter they sit at (``counter``),
    supervisors may. Reply: ``{"role", "username", "display_name", "counter", "session_token",
    "expires_at", "branch"}``, then a ``snapshot`` push."""

    roles = frozenset({NO_LOGIN})
    type: Literal["login"]
    username: Username
    password: Secret
    counter: CounterNumber | None = None
    protocol: Annotated[int, Field(ge=1, le=1000)] = PROTOCOL_VERSION


class ResumeSession(Request):
    """Staff reconnect with the session token of an earlier ``login`` (no password). ``counter`` defaults
    to the session's counter. Reply and push as for ``login`` (same token)."""

    roles = frozenset({NO_LOGIN})
    type: Literal["resume_session"]
    session_token: Secret
    counter: CounterNumber | None = None
    protocol: Annotated[int, Field(ge=1, le=1000)] = PROTOCOL_VERSION


class Logout(Request):
    """End the session (a staff session token is revoked). Reply: ``{}``; the connection stays open,
    logged out."""

    roles = frozenset(ROLES)
    type: Literal["logout"]


class Resync(Request):
    """Ask for a fresh ``snapshot`` (after a gap in ``prev_seq``). Reply: ``{"seq"}``, then the snapshot."""

    roles = frozenset(ROLES)
    type: Literal["resync"]


class Ping(Request):
    """Keep the connection alive and read the server clock. Reply: ``{"now", "seq"}``."""

    roles = frozenset({NO_LOGIN, *ROLES})
    type: Literal["ping"]


# --- kiosk and board -----------------------------------------------------------------------------------


class ListServices(Request):
    """Services with people waiting and estimated wait. Reply: ``{"open", "services": [...]}``."""

    roles = frozenset({"kiosk", "board", "counter", "supervisor"})
    citizen_facing = True
    type: Literal["list_services"]


class IssueTicket(Request):
    """A walk-in (or priority) ticket. ``idempotency_key`` is chosen by the kiosk per citizen press: a
    retry with the same key returns the same ticket. Reply: ``{"ticket": TicketInfo, "duplicate"}``."""

    roles = COMMAND_ROLES[Command.ISSUE_TICKET]
    citizen_facing = True
    type: Literal["issue_ticket"]
    service_id: ServiceId
    priority: bool = False
    idempotency_key: IdempotencyKey


class CheckIn(Request):
    """Check in a booked appointment by exactly one of ``qr_payload``, ``reference``, ``national_id``.
    Reply as for ``issue_ticket``."""

    roles = COMMAND_ROLES[Command.CHECK_IN]
    citizen_facing = True
    type: Literal["check_in"]
    qr_payload: Line200 | None = None
    reference: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,32}$")] | None = None
    national_id: Annotated[str, Field(pattern=r"^[0-9A-Za-z-]{1,20}$")] | None = None
    idempotency_key: IdempotencyKey


class DeviceHealth(Request):
    """A device reports its peripherals: ``printer``/``scanner``/``display``/``announcer`` each "ok",
    "warning", "error" or "unknown" (omit what the device lacks), ``detail`` free text. Reply: ``{}``."""

    roles = frozenset({"kiosk", "board"})
    type: Literal["device_health"]
    printer: Literal["ok", "warning", "error", "unknown"] | None = None
    scanner: Literal["ok", "warning", "error", "unknown"] | None = None
    display: Literal["ok", "warning", "error", "unknown"] | None = None
    announcer: Literal["ok", "warning", "error", "unknown"] | None = None
    detail: Line200 = ""


class Heartbeat(Request):
    """A device says it is alive (boards every ~30 s). Reply: ``{"now"}``."""

    roles = frozenset({"kiosk", "board"})
    type: Literal["heartbeat"]


# --- counter commands ----------------------------------------------------------------------------------


class CounterRequest(Request):
    """A command for one counter. A ``counter`` session may omit ``counter`` (its own is used) and may not
    name another; a supervisor names any (or omits it when logged in at one)."""

    counter: CounterNumber | None = None


class OpenCounter(CounterRequest):
    """Open the counter (the logged-in staff member is recorded). Reply: ``{"counter"}``."""

    roles = COMMAND_ROLES[Command.OPEN_COUNTER]
    type: Literal["open_counter"]


class PauseCounter(CounterRequest):
    """Pause an open counter with nobody at it; ``reason`` is a code of the branch's pause reasons."""

    roles = COMMAND_ROLES[Command.PAUSE_COUNTER]
    type: Literal["pause_counter"]
    reason: Code


class ResumeCounter(CounterRequest):
    """Resume a paused counter."""

    roles = COMMAND_ROLES[Command.RESUME_COUNTER]
    type: Literal["resume_counter"]


class CloseCounter(CounterRequest):
    """Close the counter (nobody may be at it)."""

    roles = COMMAND_ROLES[Command.CLOSE_COUNTER]
    type: Literal["close_counter"]


class CallNext(CounterRequest):
    """Call the next ticket by the branch's policy. Reply: ``{"ticket": TicketInfo}``; boards get the call
    as an ``event``; the ``counter_view`` shows why this ticket."""

    roles = COMMAND_ROLES[Command.CALL_NEXT]
    type: Literal["call_next"]


class CallTicket(CounterRequest):
    """Call one waiting ticket by number (``A012``) or id (``20261122-A012``)."""

    roles = COMMAND_ROLES[Command.CALL_TICKET]
    type: Literal["call_ticket"]
    ticket: TicketRef


class Recall(CounterRequest):
    """Call the current ticket again (boards announce it again)."""

    roles = COMMAND_ROLES[Command.RECALL]
    type: Literal["recall"]


class StartService(CounterRequest):
    """The called customer arrived: the service (and the cap timer) starts."""

    roles = COMMAND_ROLES[Command.START_SERVICE]
    type: Literal["start_service"]


class NoShow(CounterRequest):
    """The called customer did not come (after the required recalls)."""

    roles = COMMAND_ROLES[Command.NO_SHOW]
    type: Literal["no_show"]


class Reinstate(Request):
    """Put a no-show ticket back in its queue (within the branch's window)."""

    roles = COMMAND_ROLES[Command.REINSTATE]
    type: Literal["reinstate"]
    ticket: TicketRef


class Park(CounterRequest):
    """Set the current customer aside (e.g. fetching a document); the counter is free."""

    roles = COMMAND_ROLES[Command.PARK]
    type: Literal["park"]


class ResumeParked(CounterRequest):
    """Bring a parked customer back to this counter."""

    roles = COMMAND_ROLES[Command.RESUME_PARKED]
    type: Literal["resume_parked"]
    ticket: TicketRef


class Transfer(CounterRequest):
    """Send the current customer to another service and/or one counter (e.g. ``to_service="supervisor"``);
    ``position`` "keep" (place by arrival) or "end"."""

    roles = COMMAND_ROLES[Command.TRANSFER]
    type: Literal["transfer"]
    to_service: ServiceId | None = None
    to_counter: CounterNumber | None = None
    position: Literal["keep", "end"] | None = None


class Finish(CounterRequest):
    """Finish the current customer with an outcome code; past the cap an ``overrun_reason`` is required."""

    roles = COMMAND_ROLES[Command.FINISH]
    type: Literal["finish"]
    outcome: Code
    overrun_reason: Code | None = None


class Cancel(Request):
    """Cancel a ticket. A counter session may cancel only the ticket at or parked by its counter."""

    roles = COMMAND_ROLES[Command.CANCEL]
    type: Literal["cancel"]
    ticket: TicketRef
    reason: Code = "cancelled"


# --- admin ---------------------------------------------------------------------------------------------


class ImportAppointments(Request):
    """Import bookings: ``csv`` in the format of ``dawr admin import-appointments`` (header
    ``reference,national_id,name,phone,service,branch,slot``). Reply: ``{"imported", "own", "others"}``."""

    roles = COMMAND_ROLES[Command.IMPORT_APPOINTMENTS]
    type: Literal["import_appointments"]
    csv: Annotated[str, Field(min_length=1, max_length=4 * 2**20), AfterValidator(_clean)]


REQUEST_MODELS: tuple[type[Request], ...] = (
    LoginDevice,
    Login,
    ResumeSession,
    Logout,
    Resync,
    Ping,
    ListServices,
    IssueTicket,
    CheckIn,
    DeviceHealth,
    Heartbeat,
    OpenCounter,
    PauseCounter,
    ResumeCounter,
    CloseCounter,
    CallNext,
    CallTicket,
    Recall,
    StartService,
    NoShow,
    Reinstate,
    Park,
    ResumeParked,
    Transfer,
    Finish,
    Cancel,
    ImportAppointments,
)


def _type_name(model: type[Request]) -> str:
    field = model.model_fields["type"]
    args: tuple[str, ...] = getattr(field.annotation, "__args__", ())
    return args[0]


REQUESTS: dict[str, type[Request]] = {_type_name(m): m for m in REQUEST_MODELS}
"""Request type name -> model."""

ALLOWED_ROLES: dict[str, frozenset[str]] = {name: model.roles for name, model in REQUESTS.items()}
"""The authorization matrix: request type -> roles (and ``"none"`` for no login) that may send it."""


# ==========================================================================================================
# Replies and pushes (server -> client)
# ==========================================================================================================


class Result(Message, Generic[D]):
    """The request succeeded; ``data`` is the request's reply payload (``payloads.REPLY_MODELS``).
    ``Result[LoginReply]`` validates a login's reply; the server sends ``Result(id=..., data=payload)``."""

    id: RequestId | None
    type: Literal["result"] = "result"
    data: D


class Error(Message):
    """The request was refused and nothing changed. ``code`` is stable (see ``docs/protocol.md``)."""

    id: RequestId | None
    type: Literal["error"] = "error"
    code: Code
    message: str
    message_ar: str = ""
    details: ErrorDetails = ErrorDetails()


class Hello(Message):
    """First frame on every connection: protocol version, branch, server time."""

    type: Literal["hello"] = "hello"
    protocol: int = PROTOCOL_VERSION
    server: str
    branch: str
    now: str


class Push(Message):
    """A server push after login: the journal ``seq`` it reflects and ``prev_seq`` (see module docstring)."""

    seq: int
    prev_seq: int


class Snapshot(Message):
    """Everything the role may see, as of journal ``seq``; resets the client's ``last_seq`` to ``seq``.
    One subclass per role (``KioskSnapshot`` ... ``AdminSnapshot``) says what ``data`` holds."""

    type: Literal["snapshot"] = "snapshot"
    seq: int
    role: Role
    data: SnapshotData


class KioskSnapshot(Snapshot):
    role: Literal["kiosk"]
    data: KioskSnapshotData


class BoardSnapshot(Snapshot):
    role: Literal["board"]
    data: BoardSnapshotData


class CounterSnapshot(Snapshot):
    role: Literal["counter"]
    data: CounterSnapshotData


class SupervisorSnapshot(Snapshot):
    role: Literal["supervisor"]
    data: SupervisorSnapshotData


class AdminSnapshot(Snapshot):
    role: Literal["admin"]
    data: AdminSnapshotData


SNAPSHOTS: dict[str, type[Snapshot]] = {
    "kiosk": KioskSnapshot,
    "board": BoardSnapshot,
    "counter": CounterSnapshot,
    "supervisor": SupervisorSnapshot,
    "admin": AdminSnapshot,
}
"""Role -> its snapshot model."""


class EventPush(Push):
    """One journal event, projected for the role (no tokens, no personal data)."""

    type: Literal["event"] = "event"
    event: EventInfo


class QueueStatus(Push):
    """Waiting counts and estimated waits per service changed."""

    type: Literal["queue_status"] = "queue_status"
    open: bool
    services: list[ServiceStatus]


class CounterView(Push):
    """A counter's state, current ticket (with why it was called), queue and parked tickets."""

    type: Literal["counter_view"] = "counter_view"
    counter: CounterViewData


class DeviceStatus(Push):
    """A kiosk's or board's connection or health changed (supervisors only)."""

    type: Literal["device_status"] = "device_status"
    device: DeviceInfo


PUSH_MODELS: tuple[type[Message], ...] = (Hello, Snapshot, EventPush, QueueStatus, CounterView, DeviceStatus)

AnySnapshot = Annotated[
    KioskSnapshot | BoardSnapshot | CounterSnapshot | SupervisorSnapshot | AdminSnapshot,
    Field(discriminator="role"),
]
ServerPush = Annotated[
    Hello | AnySnapshot | EventPush | QueueStatus | CounterView | DeviceStatus,
    Field(discriminator="type"),
]
"""Every frame the server sends unasked (``hello`` and the pushes), told apart by ``type``."""

AnyReply = Result[Any] | Error
ServerFrame = AnyReply | Hello | Snapshot | EventPush | QueueStatus | CounterView | DeviceStatus
"""What ``parse_server_frame`` returns."""

_PUSH_ADAPTER: TypeAdapter[Hello | Snapshot | EventPush | QueueStatus | CounterView | DeviceStatus] = (
    TypeAdapter(ServerPush)
)
_RESULTS: dict[str, type[Result[Any]]] = {kind: Result[model] for kind, model in REPLY_MODELS.items()}  # type: ignore[valid-type]


def parse_server_frame(raw: dict[str, Any], request_type: str | None = None) -> ServerFrame:
    """Validate one frame the server sent (its JSON already read into ``raw``) into its model: a
    ``Result`` whose ``data`` is the reply model of ``request_type`` (the type of the request with that
    ``id``; a plain dict when not given), an ``Error``, ``Hello`` or a push (a snapshot as the model of
    its role). Raises ``pydantic.ValidationError`` for a frame that does not match the protocol."""
    kind = raw.get("type")
    if kind == "result":
        model: type[Result[Any]] = _RESULTS.get(request_type or "", Result[dict[str, Any]])
        return model.model_validate(raw)
    if kind == "error":
        return Error.model_validate(raw)
    return _PUSH_ADAPTER.validate_python(raw)


def reply_data(request_type: str, data: dict[str, Any]) -> ReplyData:
    """The ``data`` of a result to a ``request_type`` request as its reply model."""
    reply: ReplyData = REPLY_MODELS[request_type].model_validate(data)  # type: ignore[assignment]
    return reply


# ==========================================================================================================
# Errors
# ==========================================================================================================


class ProtocolError(Exception):
    """A frame that is not a valid request; ``code`` is stable, ``request_id`` echoes the id if readable."""

    def __init__(self, code: str, message: str, request_id: Any = None, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.details = details


ERROR_CODES: tuple[str, ...] = (
    # protocol and session
    "invalid_json",
    "invalid_message",
    "unknown_type",
    "message_too_large",
    "rate_limited",
    "not_authenticated",
    "forbidden",
    "forbidden_counter",
    "already_authenticated",
    "login_failed",
    "branch_not_granted",
    "session_expired",
    "counter_required",
    "counter_taken",
    "unsupported_protocol",
    "database_unavailable",
    "internal_error",
    "invalid_csv",
    # what a citizen can meet at the kiosk
    "unknown_service",
    "service_not_walk_in",
    "priority_not_allowed",
    "branch_closed",
    "numbers_exhausted",
    "checkin_needs_one_key",
    "appointment_forged",
    "appointment_wrong_branch",
    "appointment_not_found",
    "appointment_already_checked_in",
    "appointment_too_early",
    "appointment_expired",
    "appointment_too_late",
    "day_not_started",
)
"""Error codes with their own wording for screens (the ``server`` catalogue's ``error.<code>``; other
codes get ``error.generic``). Every one is documented in ``docs/protocol.md``."""


def error(request_id: Any, code: str, message: str, message_ar: str = "", **details: Any) -> Error:
    """An error reply (``message_ar``: the Arabic wording of ``code``, filled in by the server from its
    catalogue)."""
    rid = request_id if _valid_id(request_id) else None
    return Error(id=rid, code=code, message=message, message_ar=message_ar, details=ErrorDetails(**details))


def _valid_id(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value <= 2**53
    return isinstance(value, str) and 1 <= len(value) <= 64


def parse_request(text: str | bytes) -> Request:
    """The request a text frame carries; raises ProtocolError ("invalid_json", "invalid_message",
    "unknown_type") with the request id when one could be read."""
    if isinstance(text, bytes):
        raise ProtocolError("invalid_message", "Binary frames are not supported; send JSON text.")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("invalid_json", "The frame is not valid JSON.") from None
    if not isinstance(raw, dict):
        raise ProtocolError("invalid_message", "A request must be a JSON object with 'id' and 'type'.")
    request_id = raw.get("id")
    if not _valid_id(request_id):
        raise ProtocolError("invalid_message", "'id' must be an integer (0..2^53) or a string of 1-64 chars.")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("invalid_message", "'type' must be a string.", request_id)
    model = REQUESTS.get(kind)
    if model is None:
        raise ProtocolError("unknown_type", f"Unknown request type {kind[:40]!r}.", request_id)
    try:
        return model.model_validate(raw)
    except ValidationError as problem:
        fields = [
            {"field": ".".join(str(p) for p in item["loc"]), "problem": item["msg"][:120]}
            for item in problem.errors(include_url=False, include_input=False)[:5]
        ]
        raise ProtocolError(
            "invalid_message", f"Invalid {kind} request.", request_id, fields=fields
        ) from None


def dump(message: Message) -> str:
    """The JSON text frame of a reply or push."""
    return message.model_dump_json(exclude_none=False)


def body(key: str, payload: BaseModel | str) -> str:
    """``"key":<payload JSON>``: a push's payload serialised once for every connection it goes to."""
    text = payload if isinstance(payload, str) else payload.model_dump_json()
    return f'"{key}":{text}'


def push_text(kind: str, seq: int, prev_seq: int, body: str) -> str:
    """The text frame of a push (``event``, ``queue_status``, ``counter_view``, ``device_status``) from its
    serialised payload: the same text as ``dump`` of the push model."""
    return f'{{"seq":{seq},"prev_seq":{prev_seq},"type":"{kind}",{body}}}'


EXAMPLE_REQUESTS: dict[str, dict[str, Any]] = {
    "login_device": {"id": 1, "type": "login_device", "token": "3q2-7wEXAMPLEtokenEXAMPLEtokenEXAMPLEtok"},
    "login": {"id": 1, "type": "login", "username": "alice", "password": "correct horse", "counter": 3},
    "resume_session": {
        "id": 1,
        "type": "resume_session",
        "session_token": "Zx9EXAMPLEsessionTOKEN",
        "counter": 3,
    },
    "logout": {"id": 9, "type": "logout"},
    "resync": {"id": 8, "type": "resync"},
    "ping": {"id": 7, "type": "ping"},
    "list_services": {"id": 2, "type": "list_services"},
    "issue_ticket": {
        "id": 3,
        "type": "issue_ticket",
        "service_id": "inquiry",
        "priority": False,
        "idempotency_key": "k1-20261122-000042",
    },
    "check_in": {
        "id": 4,
        "type": "check_in",
        "reference": "BK-1001",
        "idempotency_key": "k1-20261122-000043",
    },
    "device_health": {
        "id": 5,
        "type": "device_health",
        "printer": "warning",
        "scanner": "ok",
        "detail": "paper low",
    },
    "heartbeat": {"id": 6, "type": "heartbeat"},
    "open_counter": {"id": 10, "type": "open_counter", "counter": 3},
    "pause_counter": {"id": 11, "type": "pause_counter", "counter": 3, "reason": "prayer"},
    "resume_counter": {"id": 12, "type": "resume_counter", "counter": 3},
    "close_counter": {"id": 13, "type": "close_counter", "counter": 3},
    "call_next": {"id": 14, "type": "call_next", "counter": 3},
    "call_ticket": {"id": 15, "type": "call_ticket", "counter": 3, "ticket": "C012"},
    "recall": {"id": 16, "type": "recall", "counter": 3},
    "start_service": {"id": 17, "type": "start_service", "counter": 3},
    "no_show": {"id": 18, "type": "no_show", "counter": 3},
    "reinstate": {"id": 19, "type": "reinstate", "ticket": "C012"},
    "park": {"id": 20, "type": "park", "counter": 3},
    "resume_parked": {"id": 21, "type": "resume_parked", "counter": 3, "ticket": "C012"},
    "transfer": {"id": 22, "type": "transfer", "counter": 3, "to_service": "supervisor", "position": "keep"},
    "finish": {"id": 23, "type": "finish", "counter": 3, "outcome": "completed", "overrun_reason": None},
    "cancel": {"id": 24, "type": "cancel", "ticket": "C012", "reason": "cancelled"},
    "import_appointments": {
        "id": 25,
        "type": "import_appointments",
        "csv": "reference,national_id,name,phone,service,branch,slot\n"
        "BK-1001,850101234,Fatima,33334444,mazaya,hq,2026-11-22 09:10\n",
    },
}
"""One valid example of every request type (used by the docs and the authorization-matrix test)."""
