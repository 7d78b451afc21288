"""Appointment QR codes through the real server: only a code signed with this branch's secret, for this
branch, for the booking's own day is accepted; forged, altered, other-day and other-branch codes are refused
with a stable code and nothing is journaled."""

from __future__ import annotations

from datetime import timedelta

from server.core.appointments import sign_booking_qr
from server.testing import SyncClient
from tests.faults.helpers import QR_SECRET


def test_forged_altered_replayed_and_foreign_codes_are_refused(target):
    files, secret = target.files, QR_SECRET.encode()
    with SyncClient(target.server.url) as admin:
        admin.login("adam", files.passwords["adam"])
        now = admin.request("ping")["data"]["now"]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    local = datetime.fromisoformat(now).astimezone(ZoneInfo(files.zone))
    today, yesterday = local.date(), (local - timedelta(days=1)).date()
    slot = (local + timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M")
    old_slot = (local - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    csv = (
        "reference,national_id,name,phone,service,branch,slot\n"
        f"QR-1,850101231,Maryam,33334441,mazaya,hq,{slot}\n"
        f"QR-2,850101232,Yusuf,33334442,mazaya,hq,{old_slot}\n"
        f"QR-3,850101233,Huda,33334443,mazaya,seef,{slot}\n"
    )
    with SyncClient(target.server.url) as admin:
        admin.login("adam", files.passwords["adam"])
        assert admin.request("import_appointments", csv=csv)["type"] == "result"

    genuine = sign_booking_qr(secret, "hq", "QR-1", today)
    body, signature = genuine.rsplit(":", 1)
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    refused = {
        "forged with another secret": (
            sign_booking_qr(b"guessed-secret-0123456789", "hq", "QR-1", today),
            {"appointment_forged"},
        ),
        "signature altered": (f"{body}:{flipped}", {"appointment_forged"}),
        "reference altered": (genuine.replace("QR-1", "QR-9"), {"appointment_forged"}),
        "day altered": (
            genuine.replace(today.strftime("%Y%m%d"), yesterday.strftime("%Y%m%d")),
            {"appointment_forged"},
        ),
        "replayed from another day": (
            sign_booking_qr(secret, "hq", "QR-2", yesterday),
            {"appointment_expired", "appointment_not_found"},
        ),
        "today's code of yesterday's booking": (
            sign_booking_qr(secret, "hq", "QR-2", today),
            {"appointment_forged", "appointment_expired", "appointment_not_found"},
        ),
        "other branch": (sign_booking_qr(secret, "seef", "QR-3", today), {"appointment_wrong_branch"}),
        "truncated": (genuine[:-5], {"appointment_forged"}),
        "not a code": ("https://evil.example/?q=1", {"appointment_forged"}),
    }
    with SyncClient(target.server.url) as kiosk:
        kiosk.login_device(files.tokens["kiosk-3"])
        before = target.seq()
        for n, (name, (payload, codes)) in enumerate(refused.items()):
            reply = kiosk.request("check_in", qr_payload=payload, idempotency_key=f"qr-attack-{n:04d}")
            assert reply["type"] == "error" and reply["code"] in codes, (name, reply)
        assert target.seq() == before
        accepted = kiosk.request("check_in", qr_payload=genuine, idempotency_key="qr-genuine-0001")
        assert accepted["type"] == "result" and accepted["data"]["ticket"]["kind"] == "appointment"
        again = kiosk.request("check_in", qr_payload=genuine, idempotency_key="qr-genuine-0002")
        assert again["type"] == "error" and again["code"] == "appointment_already_checked_in"
