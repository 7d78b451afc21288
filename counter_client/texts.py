"""Every word the counter client and the supervisor view show, Arabic first, English second."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qtkit.i18n import Language, Texts

TABLE: dict[str, tuple[str, str]] = {
    # window and login
    "title_counter": ("دور — {counter}", "Dawr — {counter}"),
    "title_supervisor": ("دور — المشرف", "Dawr — Supervisor"),
    "login_title": ("تسجيل دخول الموظف", "Staff login"),
    "login_server": ("الخادم", "Server"),
    "login_counter": ("الشباك", "Counter"),
    "login_counter_none": ("— بدون شباك —", "— no counter —"),
    "login_username": ("اسم المستخدم", "User name"),
    "login_password": ("كلمة المرور", "Password"),
    "login_button": ("دخول", "Log in"),
    "login_cancel": ("إلغاء", "Cancel"),
    "login_connecting": ("جارٍ الاتصال…", "Connecting…"),
    "login_busy": ("جارٍ تسجيل الدخول…", "Logging in…"),
    "login_need_counter": ("موظفو الشبابيك يختارون رقم الشباك.", "Counter staff choose their counter."),
    "language": ("English", "العربية"),
    # connection
    "conn_online": ("متصل — {user}", "Connected — {user}"),
    "conn_offline": (
        "انقطع الاتصال — إعادة المحاولة… العميل الحالي محفوظ على الخادم",
        "Connection lost — reconnecting… the current customer is kept on the server",
    ),
    "conn_connecting": ("جارٍ الاتصال بالخادم…", "Connecting to the server…"),
    "branch_closed": ("الفرع مغلق الآن", "The branch is closed now"),
    # actions (button text)
    "act_call_next": ("النداء التالي", "Call next"),
    "act_call_ticket": ("نداء تذكرة محددة", "Call specific ticket"),
    "act_recall": ("إعادة النداء", "Recall"),
    "act_start": ("حضر العميل — ابدأ", "Customer arrived — start"),
    "act_no_show": ("لم يحضر", "No-show"),
    "act_transfer": ("تحويل", "Transfer"),
    "act_park": ("تعليق مؤقت", "Park"),
    "act_resume_parked": ("استئناف معلّق", "Resume parked"),
    "act_finish": ("إنهاء", "Finish"),
    "act_pause": ("استراحة", "Pause"),
    "act_resume_counter": ("استئناف العمل", "Resume counter"),
    "act_open": ("فتح الشباك", "Open counter"),
    "act_close": ("إغلاق الشباك", "Close counter"),
    "act_cancel_ticket": ("إلغاء التذكرة", "Cancel ticket"),
    # why an action is disabled
    "why_offline": ("غير متصل بالخادم", "Not connected to the server"),
    "why_paused": ("الشباك في استراحة — استأنف العمل أولًا", "The counter is paused — resume it first"),
    "why_closed": ("الشباك مغلق — افتحه أولًا", "The counter is closed — open it first"),
    "why_busy": (
        "العميل {number} عند الشباك — أنهِ خدمته أو علّقها أو حوّله أولًا",
        "Customer {number} is at the counter — finish, park or transfer first",
    ),
    "why_queue_empty": ("لا يوجد من ينتظر هذا الشباك", "Nobody is waiting for this counter"),
    "why_none_parked": ("لا يوجد عملاء معلّقون", "No parked customers"),
    "why_no_customer": ("لا يوجد عميل عند الشباك", "No customer at the counter"),
    "why_ticket_state": (
        "التذكرة {number} {state}؛ متاح فقط عندما تكون {allowed}",
        "Ticket {number} is {state}; only possible when it is {allowed}",
    ),
    "why_counter_state": (
        "الشباك {state}؛ متاح فقط عندما يكون {allowed}",
        "The counter is {state}; only possible when it is {allowed}",
    ),
    "why_pick_counter": ("اختر شباكًا من الجدول", "Pick a counter in the table"),
    "or": (" أو ", " or "),
    # ticket and counter states
    "ts_waiting": ("في الانتظار", "waiting"),
    "ts_called": ("منادى عليها", "called"),
    "ts_serving": ("قيد الخدمة", "being served"),
    "ts_parked": ("معلّقة", "parked"),
    "ts_transferred": ("محوّلة", "transferred"),
    "ts_done": ("منتهية", "done"),
    "ts_no_show": ("لم يحضر", "no-show"),
    "ts_cancelled": ("ملغاة", "cancelled"),
    "cs_open": ("مفتوح", "open"),
    "cs_paused": ("في استراحة", "paused"),
    "cs_closed": ("مغلق", "closed"),
    # current customer panel
    "panel_current": ("العميل الحالي", "Current customer"),
    "no_customer": ("لا يوجد عميل — اضغط F1 للنداء التالي", "No customer — press F1 to call the next"),
    "no_customer_closed": ("الشباك مغلق — اضغط F10 لفتحه", "Counter closed — press F10 to open it"),
    "no_customer_paused": ("استراحة: {reason} — اضغط F9 للاستئناف", "Paused: {reason} — press F9 to resume"),
    "field_service": ("الخدمة", "Service"),
    "field_state": ("الحالة", "State"),
    "field_waited": ("مدة الانتظار", "Waited"),
    "field_kind": ("النوع", "Kind"),
    "field_appointment": ("الموعد", "Appointment"),
    "field_why": ("لماذا هذه التذكرة", "Why this ticket"),
    "field_recalls": ("مرات إعادة النداء", "Recalls"),
    "kind_walk_in": ("بدون موعد", "Walk-in"),
    "kind_appointment": ("موعد مسبق", "Appointment"),
    "kind_priority": ("أولوية", "Priority"),
    "kind_transferred": ("محوّل ({count})", "Transferred ({count})"),
    "appointment_line": (
        "الحجز \u2068{ref}\u2069 — الساعة \u2068{slot}\u2069",
        "Booking {ref} — slot {slot}",
    ),
    "appointment_late": (" (حضر متأخرًا)", " (arrived late)"),
    "appointment_name_missing": ("الاسم غير متاح من الخادم", "name not provided by the server"),
    "rule_transferred_to_counter": ("حُوّل إلى هذا الشباك", "Transferred to this counter"),
    "rule_appointment_due": ("موعد مستحق الساعة {slot}", "Appointment due at {slot}"),
    "rule_weighted_wait": ("أطول انتظار موزون", "Longest weighted wait"),
    "rule_specific": ("نُودي يدويًا", "Called by hand"),
    "rule_weighted_detail": (
        "انتظر {minutes} دقيقة × الوزن {weight}",
        "waited {minutes} min × weight {weight}",
    ),
    "rule_scores": ("المقارنة: {scores}", "Compared: {scores}"),
    # timer
    "timer_title": ("وقت الخدمة", "Service time"),
    "timer_none": ("—", "—"),
    "timer_called": ("بانتظار حضور العميل", "Waiting for the customer"),
    "timer_left": ("متبقٍ {time} من {cap}", "{time} left of {cap}"),
    "timer_over": ("تجاوز الحد بـ {time}", "Over the cap by {time}"),
    "timer_cap": ("الحد {cap} دقائق", "Cap {cap} min"),
    # my day and queue
    "panel_day": ("يومي", "My day"),
    "day_served": ("تمت خدمتهم", "Served"),
    "day_average": ("متوسط وقت الخدمة", "Average service time"),
    "day_overruns": ("تجاوز الحد", "Overruns"),
    "day_transferred": ("حُوّلوا", "Transferred"),
    "panel_queue": ("قائمة الانتظار", "Queue"),
    "queue_service": ("الخدمة", "Service"),
    "queue_waiting": ("ينتظرون", "Waiting"),
    "queue_longest": ("أطول انتظار", "Longest wait"),
    "queue_total": ("المجموع {count} — أطول انتظار {wait}", "Total {count} — longest wait {wait}"),
    "panel_parked": ("عملاء معلّقون", "Parked customers"),
    "minutes": ("{n} د", "{n} min"),
    # dialogs
    "dlg_call_ticket": ("نداء تذكرة محددة", "Call a specific ticket"),
    "dlg_ticket_number": ("رقم التذكرة (مثل C012)", "Ticket number (e.g. C012)"),
    "dlg_transfer": ("تحويل العميل {number}", "Transfer customer {number}"),
    "dlg_to_supervisor": ("إلى المشرف", "To the supervisor"),
    "dlg_to_service": ("إلى خدمة", "To a service"),
    "dlg_to_counter": ("إلى شباك", "To a counter"),
    "dlg_position": ("الترتيب", "Place in line"),
    "dlg_keep": ("يحتفظ بدوره حسب وقت الوصول", "Keep their place (by arrival)"),
    "dlg_end": ("في آخر الطابور", "At the end of the line"),
    "dlg_finish": ("إنهاء خدمة {number}", "Finish {number}"),
    "dlg_outcome": ("النتيجة", "Outcome"),
    "dlg_overrun": (
        "تجاوزت الخدمة الحد ({cap} دقائق) — اختر السبب",
        "The service went over the cap ({cap} min) — choose a reason",
    ),
    "dlg_pause": ("سبب الاستراحة", "Pause reason"),
    "dlg_resume_parked": ("استئناف عميل معلّق", "Resume a parked customer"),
    "dlg_ok": ("تأكيد", "OK"),
    "dlg_cancel": ("إلغاء", "Cancel"),
    # supervisor
    "sv_counters": ("الشبابيك", "Counters"),
    "sv_counter": ("الشباك", "Counter"),
    "sv_state": ("الحالة", "State"),
    "sv_staff": ("الموظف", "Staff"),
    "sv_ticket": ("التذكرة", "Ticket"),
    "sv_timer": ("وقت الخدمة", "Service time"),
    "sv_note": ("ملاحظة", "Note"),
    "sv_waiting": ("الانتظار حسب الخدمة", "Waiting per service"),
    "sv_referred": ("محوّلون إلى المشرف", "Transferred to the supervisor"),
    "sv_referred_from": ("{number} من {counter}", "{number} from {counter}"),
    "sv_devices": ("الأجهزة", "Devices"),
    "sv_devices_ok": ("كل الأجهزة تعمل", "All devices are fine"),
    "sv_act_for": ("العمل نيابة عن: {counter}", "Acting for: {counter}"),
    "sv_pick": ("اختر شباكًا من الجدول للعمل نيابة عنه", "Pick a counter in the table to act for it"),
    "sv_call_referred": ("نداء المحوّل إلى الشباك المختار", "Call to the selected counter"),
    "sv_over": ("تجاوز الحد", "over the cap"),
    "sv_paused": ("استراحة: {reason}", "Paused: {reason}"),
    "sv_none": ("لا أحد", "Nobody"),
    "alert_disconnected": ("غير متصل", "disconnected"),
    "alert_silent": ("لا يستجيب", "not responding"),
    "alert_error": ("عطل", "fault"),
    "alert_warning": ("تحذير", "warning"),
    "sv_waited": ("ينتظر منذ {wait}", "waiting {wait}"),
    "part_printer": ("الطابعة", "printer"),
    "part_scanner": ("الماسح", "scanner"),
    "part_display": ("الشاشة", "display"),
    "part_announcer": ("النداء الصوتي", "announcer"),
    "health_ok": ("تعمل", "ok"),
    "health_warning": ("تحذير", "warning"),
    "health_error": ("عطل", "error"),
    "health_unknown": ("غير معروف", "unknown"),
    "device_ok": ("يعمل", "ok"),
    "device_line": ("{name}: {state} {detail}", "{name}: {state} {detail}"),
    # errors
    "err_generic": ("تعذّر تنفيذ الطلب: {message}", "Could not do that: {message}"),
    "done_ok": ("تم: {what}", "Done: {what}"),
}

TEXTS = Texts(TABLE)


def text(key: str, lang: Language, **values: Any) -> str:
    """The wording of ``key`` in ``lang``."""
    return TEXTS.get(key, lang, **values)


def state_name(state: str, lang: Language, kind: str = "ts") -> str:
    """A ticket (``ts``) or counter (``cs``) state's name."""
    key = f"{kind}_{state}"
    return text(key, lang) if key in TABLE else state


def reason_text(reason: str, values: Mapping[str, Any], lang: Language) -> str:
    """A disabled action's reason (``model.Availability``) as a sentence."""
    filled = dict(values)
    if reason in ("why_ticket_state", "why_counter_state"):
        kind = "ts" if reason == "why_ticket_state" else "cs"
        filled["state"] = state_name(str(values.get("state", "")), lang, kind)
        filled["allowed"] = text("or", lang).join(
            state_name(s, lang, kind) for s in values.get("allowed", ())
        )
    return text(reason, lang, **filled)


def clock_text(seconds: float) -> str:
    """``m:ss`` of a non-negative number of seconds."""
    whole = int(abs(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def minutes_text(seconds: float | None, lang: Language) -> str:
    """Whole minutes ("12 min"), or a dash when unknown."""
    if seconds is None:
        return "—"
    return text("minutes", lang, n=int(seconds // 60))
