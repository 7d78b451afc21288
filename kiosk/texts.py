"""Every word the kiosk shows, Arabic first, English second, plus the few phrases that need Arabic grammar.

``TEXTS`` is a ``qtkit.i18n.Texts`` table; ``people(n, lang)``, ``minutes(m, lang)``, ``clock(t, lang)``
and ``hours_lines(hours, lang)`` build the phrases whose form depends on the number (Arabic dual and
plural agreement) or on the direction (times written "من … إلى …" rather than with a dash, so a
right-to-left line never reorders a range). Digits are localised by the caller's ``digits`` setting.
"""

from __future__ import annotations

import math
from datetime import datetime

from hardware.arabic import (
    AR_MONTHS,
    AR_WEEKDAYS,
    arabic_count,
    arabic_minutes,
    format_time_ar,
    format_time_en,
)
from qtkit.i18n import Language, Texts, localize_digits

TABLE: dict[str, tuple[str, str]] = {
    # home
    "welcome": ("أهلًا وسهلًا", "Welcome"),
    "home_prompt": ("اختر الخدمة لتأخذ رقمًا", "Choose a service to take a number"),
    "appointment_button": ("لديّ موعد", "I have an appointment"),
    "appointment_button_hint": ("امسح رمز الموعد أو أدخل رقمك", "Scan your booking code or type your number"),
    "priority_button": (
        "تذكرة أولوية لكبار السن وذوي الإعاقة",
        "Priority ticket: elderly and people with disabilities",
    ),
    "language_switch": ("English", "العربية"),
    "no_services": (
        "لا توجد خدمات متاحة الآن. يرجى مراجعة موظف الاستقبال.",
        "No service can be taken right now. Please ask at the reception desk.",
    ),
    "printer_banner": (
        "الطابعة متوقفة: سيظهر رقمك على الشاشة لتعرضه عند الشباك.",
        "The printer is not working: your number will be shown on the screen.",
    ),
    # priority
    "priority_title": ("تذكرة أولوية", "Priority ticket"),
    "priority_prompt": (
        "لكبار السن وذوي الإعاقة. اختر الخدمة:",
        "For the elderly and people with disabilities. Choose the service:",
    ),
    # navigation
    "back": ("رجوع", "Back"),
    "done": ("تم", "Done"),
    "try_again": ("حاول مرة أخرى", "Try again"),
    "take_walk_in": ("أخذ رقم بدون موعد", "Take a number without appointment"),
    # check-in
    "checkin_title": ("تسجيل الحضور للموعد", "Appointment check-in"),
    "checkin_scan": (
        "ضع رمز QR الخاص بموعدك أمام الماسح",
        "Hold your booking QR code in front of the scanner",
    ),
    "checkin_or": ("أو", "or"),
    "type_id": ("أدخل رقمك الشخصي", "Type my ID (CPR) number"),
    "type_reference": ("أدخل رقم الحجز", "Type my booking number"),
    "keypad_id_title": ("اكتب رقمك الشخصي", "Type your ID (CPR) number"),
    "keypad_reference_title": (
        "اكتب رقم الحجز كما في رسالة الموعد",
        "Type the booking number from your appointment message",
    ),
    "keypad_confirm": ("تأكيد", "Confirm"),
    "keypad_delete": ("حذف", "Delete"),
    "keypad_clear": ("مسح الكل", "Clear"),
    # working
    "working_issue": ("جارٍ إصدار رقمك…", "Issuing your number…"),
    "working_checkin": ("جارٍ التحقق من موعدك…", "Checking your appointment…"),
    "working_wait": ("لحظة من فضلك", "One moment, please"),
    # ticket
    "ticket_title": ("رقمك", "Your number"),
    "ticket_checked_in": ("تم تسجيل حضورك", "You are checked in"),
    "ticket_late": (
        "وصلت بعد وقت موعدك، لذلك حصلت على رقم عادي لنفس الخدمة.",
        "You arrived after your appointment time, so you have a regular number for the same service.",
    ),
    "ticket_priority": ("تذكرة أولوية", "Priority ticket"),
    "ticket_ahead": ("أمامك: {people}", "Ahead of you: {people}"),
    "ticket_next": ("أنت التالي", "You are next"),
    "ticket_wait": ("الانتظار المتوقع: {minutes}", "Expected wait: {minutes}"),
    "ticket_printing": (
        "جارٍ طباعة تذكرتك… خذها من الفتحة أسفل الشاشة.",
        "Printing your ticket… take it from the slot below the screen.",
    ),
    "ticket_printed": (
        "خذ تذكرتك وانتظر ظهور رقمك على الشاشة.",
        "Take your ticket and wait for your number on the hall screens.",
    ),
    "ticket_print_failed": (
        "تعذّرت طباعة التذكرة. صوّر هذه الشاشة واعرضها عند الشباك.",
        "Your ticket could not be printed. Take a photo of this screen and show it at the counter.",
    ),
    "ticket_qr_hint": ("امسح الرمز بهاتفك لمتابعة دورك", "Scan with your phone to follow your turn"),
    "reprinting": ("جارٍ طباعة تذكرتك مرة أخرى…", "Printing your ticket again…"),
    # check-in outcomes
    "too_early_title": ("الوقت مبكر لتسجيل الحضور", "It is too early to check in"),
    "too_early_body": ("موعدك {slot}.", "Your appointment is {slot}."),
    "too_early_come_back": ("عُد إلينا الساعة", "Please come back at"),
    "too_late_title": ("انتهى وقت تسجيل الحضور لموعدك", "The check-in time for your appointment has passed"),
    "too_late_body": (
        "كان موعدك الساعة {slot}. يمكنك أخذ رقم بدون موعد، أو حجز موعد جديد عبر مركز الاتصال الوطني {hotline}.",
        "Your appointment was at {slot}. You can take a number without appointment, or book a new "
        "appointment with the National Contact Centre on {hotline}.",
    ),
    "expired_title": ("هذا الموعد كان في يوم سابق", "This appointment was on an earlier day"),
    "expired_body": (
        "احجز موعدًا جديدًا عبر مركز الاتصال الوطني {hotline}، أو خذ رقمًا بدون موعد.",
        "Book a new appointment with the National Contact Centre on {hotline}, or take a number "
        "without appointment.",
    ),
    "wrong_branch_title": ("موعدك في فرع آخر", "Your appointment is at another branch"),
    "wrong_branch_body": ("هذا الموعد محجوز في:", "This appointment is booked at:"),
    "wrong_branch_unknown": ("فرع آخر للوزارة ({branch})", "another branch of the ministry ({branch})"),
    "wrong_branch_hint": (
        "يرجى التوجه إلى ذلك الفرع، أو الاتصال بـ {hotline} لتغيير الموعد.",
        "Please go to that branch, or call {hotline} to change the appointment.",
    ),
    "not_found_title": ("لم نجد موعدًا", "We could not find an appointment"),
    "not_found_body_id": (
        "لا يوجد موعد بهذا الرقم الشخصي. تأكد من الرقم وحاول مرة أخرى، أو اتصل بـ {hotline}.",
        "There is no appointment for this ID number. Check the number and try again, or call {hotline}.",
    ),
    "not_found_body_reference": (
        "لا يوجد موعد برقم الحجز هذا. تأكد من الرقم وحاول مرة أخرى، أو اتصل بـ {hotline}.",
        "There is no appointment with this booking number. Check it and try again, or call {hotline}.",
    ),
    "not_found_body_qr": (
        "هذا الرمز لا يطابق أي موعد في هذا الفرع. أدخل رقمك الشخصي، أو اتصل بـ {hotline}.",
        "This code matches no appointment at this branch. Type your ID number, or call {hotline}.",
    ),
    "already_title": ("تم تسجيل حضورك مسبقًا", "You are already checked in"),
    "already_body": ("رقمك هو", "Your number is"),
    "already_reprint": ("اطبع تذكرتي مرة أخرى", "Print my ticket again"),
    "unreadable_title": ("تعذّرت قراءة الرمز", "This code could not be read"),
    "unreadable_body": (
        "هذا ليس رمز موعد صالحًا. جرّب مرة أخرى، أو أدخل رقمك الشخصي.",
        "This is not a valid appointment code. Try again, or type your ID number.",
    ),
    "refused_title": ("تعذّر إصدار الرقم", "We could not give you a number"),
    "refused_hint": ("يرجى مراجعة موظف الاستقبال.", "Please ask at the reception desk."),
    "busy_title": ("النظام مشغول الآن", "The system is busy right now"),
    "busy_body": (
        "لم يصدر لك رقم بعد. حاول مرة أخرى بعد قليل.",
        "No number was issued yet. Please try again in a moment.",
    ),
    # closed / out of service
    "closed_title": ("الفرع مغلق الآن", "The branch is closed now"),
    "closed_hours": ("أوقات العمل", "Opening hours"),
    "closed_next": ("نستقبلكم {when}", "We open {when}"),
    "hotline": ("مركز الاتصال الوطني: {hotline}", "National Contact Centre: {hotline}"),
    "oos_title": ("الجهاز خارج الخدمة مؤقتًا", "This kiosk is temporarily out of service"),
    "oos_body": (
        "سيعود للعمل تلقائيًا. يرجى مراجعة موظف الاستقبال.",
        "It will come back by itself. Please ask at the reception desk.",
    ),
    "oos_pending": (
        "طلبك محفوظ، وسيظهر رقمك هنا عند عودة الاتصال.",
        "Your request is kept; your number will appear here when the connection is back.",
    ),
    "starting": ("جارٍ التشغيل…", "Starting…"),
    # admin
    "admin_pin_title": ("رمز المشرف", "Administrator PIN"),
    "admin_pin_wrong": ("رمز غير صحيح", "Wrong PIN"),
    "admin_title": ("إدارة الجهاز", "Kiosk administration"),
    "admin_exit": ("إغلاق برنامج الجهاز", "Close the kiosk program"),
    "admin_back": ("العودة إلى الخدمة", "Back to service"),
    "admin_server": ("الخادم: {value}", "Server: {value}"),
    "admin_printer": ("الطابعة: {value}", "Printer: {value}"),
    "admin_scanner": ("الماسح: {value}", "Scanner: {value}"),
    "connected": ("متصل", "connected"),
    "disconnected": ("غير متصل", "not connected"),
    # printer states (admin screen)
    "printer_ready": ("جاهزة", "ready"),
    "printer_paper_near_end": ("الورق قارب على النفاد", "paper nearly out"),
    "printer_paper_out": ("نفد الورق", "out of paper"),
    "printer_cover_open": ("الغطاء مفتوح", "cover open"),
    "printer_offline": ("غير متصلة", "offline"),
    "printer_unknown": ("غير معروفة", "unknown"),
    "printer_none": ("لا توجد", "none"),
    # time words
    "today_at": ("اليوم الساعة {time}", "today at {time}"),
    "day_at": ("يوم {day} الساعة {time}", "on {day} at {time}"),
    "wait_unknown": ("غير متاح الآن", "not available yet"),
    "wait_none": ("بلا انتظار تقريبًا", "almost none"),
    "wait_about": ("حوالي {minutes}", "about {minutes}"),
    "service_waiting": ("في الانتظار: {people}", "Waiting: {people}"),
    "service_wait": ("الانتظار: {minutes}", "Wait: {minutes}"),
    "hours_range": ("من {start} إلى {end}", "{start} to {end}"),
    "days_range": ("{first} إلى {last}", "{first} to {last}"),
}

TEXTS = Texts(TABLE)
"""The kiosk's wording with Western digits (``texts_for(digits)`` gives the branch's own digit style)."""


def texts_for(digits: str) -> Texts:
    """The kiosk's wording with the branch's digit style on Arabic screens."""
    return Texts(TABLE, digits)


def people(n: int, lang: Language) -> str:
    """``n`` people with Arabic number agreement: لا أحد، شخص واحد، شخصان، ٣ أشخاص، ١١ شخصًا، ١٠٠ شخص."""
    if lang == "en":
        return "nobody" if n == 0 else "1 person" if n == 1 else f"{n} people"
    if n == 0:
        return "لا أحد"
    return arabic_count(n, "شخص واحد", "شخصان", "أشخاص", "شخص", "شخصًا")


def minutes(value: float | None, lang: Language, texts: Texts = TEXTS) -> str:
    """An estimated wait: "about 12 minutes", "almost none" under a minute, "not available yet" for None."""
    if value is None:
        return texts.get("wait_unknown", lang)
    whole = math.ceil(value - 0.25) if value > 0 else 0
    if whole <= 0:
        return texts.get("wait_none", lang)
    phrase = (
        arabic_minutes(whole) if lang == "ar" else (f"{whole} minute" if whole == 1 else f"{whole} minutes")
    )
    return texts.get("wait_about", lang, minutes=phrase)


def clock(moment: datetime, lang: Language, digits: str = "western") -> str:
    """A local time of day: ``9:15 ص`` / ``9:15 AM``."""
    return localize_digits(format_time_ar(moment), digits) if lang == "ar" else format_time_en(moment)


def weekday(moment: datetime, lang: Language) -> str:
    """The weekday name of a local date."""
    return AR_WEEKDAYS[moment.weekday()] if lang == "ar" else moment.strftime("%A")


def date_words(moment: datetime, lang: Language, digits: str = "western") -> str:
    """``الأحد 22 نوفمبر`` / ``Sunday 22 November``."""
    if lang == "ar":
        return localize_digits(
            f"{AR_WEEKDAYS[moment.weekday()]} {moment.day} {AR_MONTHS[moment.month - 1]}", digits
        )
    return f"{moment.strftime('%A')} {moment.day} {moment.strftime('%B')}"


def when(moment: datetime, today: datetime, lang: Language, texts: Texts = TEXTS) -> str:
    """ "today at 9:15 AM" or "on Sunday 23 November at 7:30 AM" (both in the branch's local time)."""
    time_text = clock(moment, lang, texts.digits)
    if moment.date() == today.date():
        return texts.get("today_at", lang, time=time_text)
    return texts.get("day_at", lang, day=date_words(moment, lang, texts.digits), time=time_text)


WEEK_ORDER = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _span_text(span: str, lang: Language, texts: Texts) -> str:
    start, end = span.split("-")
    base = datetime(2000, 1, 1)

    def at(text: str) -> str:
        hour, minute = (int(x) for x in text.split(":"))
        moment = base.replace(hour=hour % 24, minute=minute)
        return clock(moment, lang, texts.digits)

    return texts.get("hours_range", lang, start=at(start), end=at(end))


def hours_lines(hours: dict[str, str], lang: Language, texts: Texts = TEXTS) -> list[str]:
    """The opening hours as lines, consecutive days with the same hours joined, the week starting Sunday:
    ``الأحد إلى الخميس: من 7:30 ص إلى 2:30 م``."""
    lines: list[str] = []
    group: list[str] = []

    def name(day: str) -> str:
        return AR_WEEKDAYS[_DAY_INDEX[day]] if lang == "ar" else _EN_DAYS[_DAY_INDEX[day]]

    def flush() -> None:
        if not group:
            return
        days = (
            name(group[0])
            if len(group) == 1
            else texts.get("days_range", lang, first=name(group[0]), last=name(group[-1]))
        )
        lines.append(f"{days}: {_span_text(hours[group[0]], lang, texts)}")
        group.clear()

    for day in WEEK_ORDER:
        span = hours.get(day)
        if span is None or (group and hours[group[-1]] != span):
            flush()
        if span is not None:
            group.append(day)
    flush()
    return lines
