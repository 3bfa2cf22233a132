"""TOTP two-factor sign-in (RFC 6238, what authenticator apps speak), through pyotp."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
import segno

ISSUER = "nearmiss"
# Codes from the step before and after the current one are accepted: phone clocks drift.
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh random base32 secret (160 bits)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads (as a link or typed as the secret)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_code_svg(uri: str, title: str) -> str:
    """The URI as an inline SVG QR code, for the app's camera; `title` names it for screen
    readers."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, title=title)


def is_secret(value: str) -> bool:
    """True when `value` is a base32 secret new_secret() could have made."""
    return len(value) == 32 and all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in value)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code `code` is (within the allowed drift), or None."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
