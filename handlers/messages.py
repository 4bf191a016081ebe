"""Messages that are not questions: images, voice without text, locations, links, events, other kinds."""

from __future__ import annotations

from handlers.base import Event, Inbound, Kind, Reply
from handlers.commands import Catalogue, welcome_reply


def non_text_reply(inbound: Inbound) -> list[Reply]:
    """A polite answer to a message the bot cannot read as text."""
    if inbound.kind is Kind.IMAGE:
        return [Reply("已收到您的图片。目前请用文字描述您要咨询或反映的情况；图片可在举报时作为证据一并提交。")]
    if inbound.kind is Kind.VOICE:
        return [Reply("抱歉，没能识别这段语音，请用文字把问题发给我。")]
    if inbound.kind is Kind.LOCATION:
        place = inbound.label or "您发送的位置"
        return [
            Reply(
                f"已收到位置：{place}（纬度 {inbound.latitude:.6f}，经度 {inbound.longitude:.6f}）。"
                "请用文字说明您要咨询或反映的情况。"
            )
        ]
    if inbound.kind is Kind.LINK:
        return [Reply("已收到链接。为安全起见，本助手不打开外部链接，请用文字说明您的问题。")]
    return [Reply("抱歉，暂不支持这类消息，请发送文字。回复“帮助”查看可以办理的事项。")]


def event_reply(inbound: Inbound, catalogue: Catalogue) -> list[Reply]:
    """Replies to channel events other than menu clicks and card buttons (the dialogue routes those to the
    entry they start); most events need none (the adapter then answers ``success``)."""
    if inbound.event in (Event.SUBSCRIBE, Event.ENTER):
        return [welcome_reply(inbound, catalogue)]
    return []
