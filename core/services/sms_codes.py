"""Six-digit codes by SMS that prove a phone: 单位注册's HR phone today, any act that needs a phone's proof tomorrow.

`sms_code_send(phone, purpose=…, address=…)` sends one (`core.sms.send_sms`) and keeps only its HMAC; a phone gets
a new code at most every `WANGQIAN_SMS_CODE_RESEND_SECONDS` and `WANGQIAN_SMS_CODES_PER_PHONE_PER_HOUR` an hour, a
client address asks for at most `WANGQIAN_SMS_CODES_PER_ADDRESS_PER_HOUR` an hour. `sms_code_use(phone, code,
purpose=…)` accepts the newest code of that phone and purpose once, within `WANGQIAN_SMS_CODE_TTL_SECONDS`; after
`WANGQIAN_SMS_CODE_MAX_ATTEMPTS` wrong tries it is void. A wrong try is counted in its own transaction, so a caller
that then fails does not give the try back. Purposes keep codes apart: a registration's code proves nothing else.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.errors import DomainError, InvalidInput
from core.masking import mask_phone
from core.models import SmsCode
from core.sms import send_sms, sms_enabled
from core.validators import validate_phone

PURPOSE_EMPLOYER_REGISTER = "employer_register"
TEXTS = {
    PURPOSE_EMPLOYER_REGISTER: (
        "您正在注册用人单位账号，验证码{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。"
    ),
}


class SmsCodeThrottled(DomainError):
    status = 429
    code = "too_many_attempts"


def _hash(phone: str, purpose: str, code: str) -> str:
    return salted_hmac("core.sms_codes", f"{purpose}:{phone}:{code}").hexdigest()


def sms_code_send(phone: str, *, purpose: str, address: str | None = None, field: str = "mobile") -> SmsCode:
    """Send a new code to `phone` for `purpose`; refusals are Chinese sentences naming the field or the wait."""
    phone = validate_phone(phone, field="手机号")
    if purpose not in TEXTS:
        raise ValueError(purpose)
    if not sms_enabled():
        message = "本平台尚未开通短信服务，无法发送验证码，请联系学校就业指导中心"
        raise InvalidInput(message, errors={field: message})
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    with transaction.atomic():
        recent = SmsCode.objects.select_for_update().filter(phone=phone, created_at__gte=hour_ago)
        sent = list(recent.order_by("-created_at").values_list("created_at", flat=True))
        resend = settings.WANGQIAN_SMS_CODE_RESEND_SECONDS
        if sent and (now - sent[0]).total_seconds() < resend:
            wait = int(resend - (now - sent[0]).total_seconds()) + 1
            raise SmsCodeThrottled(f"验证码已发送至{mask_phone(phone)}，请{wait}秒后再重新获取")
        if len(sent) >= settings.WANGQIAN_SMS_CODES_PER_PHONE_PER_HOUR:
            limit = settings.WANGQIAN_SMS_CODES_PER_PHONE_PER_HOUR
            raise SmsCodeThrottled(f"该手机号1小时内获取验证码已达{limit}次，请稍后再试")
        if address and (
            SmsCode.objects.filter(address=address, created_at__gte=hour_ago).count()
            >= settings.WANGQIAN_SMS_CODES_PER_ADDRESS_PER_HOUR
        ):
            raise SmsCodeThrottled("当前网络获取验证码次数过多，请1小时后再试")
        code = f"{secrets.randbelow(1_000_000):06d}"
        row = SmsCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_hash(phone, purpose, code),
            address=address or None,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.WANGQIAN_SMS_CODE_TTL_SECONDS),
        )
    minutes = max(1, settings.WANGQIAN_SMS_CODE_TTL_SECONDS // 60)
    send_sms(phone, TEXTS[purpose].format(code=code, minutes=minutes))
    return row


def sms_code_use(phone: str, code: str, *, purpose: str, field: str = "sms_code") -> SmsCode:
    """Accept `code` for `phone` once; InvalidInput naming `field` otherwise. Call it outside the caller's
    transaction: a wrong try is counted in its own and must stay counted when the caller then fails."""
    code = (code or "").strip()
    if not code:
        raise InvalidInput("请填写短信验证码", errors={field: "请填写短信验证码"})
    now = timezone.now()
    # Only the newest code counts: asking for a new one voids the ones before.
    latest = SmsCode.objects.filter(phone=phone, purpose=purpose).order_by("-created_at", "-pk").first()
    if latest is None or latest.used_at is not None or latest.expires_at <= now:
        message = "短信验证码已失效，请重新获取"
        raise InvalidInput(message, errors={field: message})
    limit = settings.WANGQIAN_SMS_CODE_MAX_ATTEMPTS
    # Every try is counted before the comparison, by a conditional update: parallel guesses cannot exceed the limit.
    with transaction.atomic():
        counted = SmsCode.objects.filter(pk=latest.pk, used_at__isnull=True, attempts__lt=limit).update(
            attempts=F("attempts") + 1
        )
    if not counted:
        message = "短信验证码错误次数过多，请重新获取"
        raise InvalidInput(message, errors={field: message})
    if not hmac.compare_digest(latest.code_hash, _hash(phone, purpose, code)):
        left = limit - latest.attempts - 1
        message = "短信验证码不正确" + (f"，还可尝试{left}次" if left > 0 else "，请重新获取")
        raise InvalidInput(message, errors={field: message})
    # Once: of two requests with the same code, one wins.
    if not SmsCode.objects.filter(pk=latest.pk, used_at__isnull=True).update(used_at=now):
        message = "短信验证码已使用，请重新获取"
        raise InvalidInput(message, errors={field: message})
    latest.used_at = now
    return latest
