"""Text from outside, made safe to keep, log and send back: no lone surrogates, no control characters."""

from __future__ import annotations

import re

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

REPLACEMENT = "\ufffd"
"""What a lone surrogate (half of an emoji cut in two, or a forged escape) becomes."""


def clean_text(text: str) -> str:
    """``text`` with lone UTF-16 surrogates replaced by U+FFFD and control characters (other than tab and
    line breaks) removed; encodable as UTF-8 afterwards. A string that can be encoded is only stripped
    of control characters."""
    return _CONTROL.sub("", _SURROGATE.sub(REPLACEMENT, text))


HOTLINE = "12369"
"""The environmental complaint hotline (生态环境部 12369 环保举报热线): for reporting pollution, not the duty office."""


def urgent_contact(duty_phone: str) -> str:
    """Who to phone when the bot cannot help and it is urgent (Simplified Chinese, one clause).

    Args:
        duty_phone: the bureau's duty phone from the settings ("" when not configured: the
            12369 hotline is named instead).
    """
    if duty_phone:
        return f"如情况紧急，请拨打区生态环境局值班电话 {duty_phone}"
    return f"如情况紧急，请拨打 {HOTLINE} 环保举报热线"
