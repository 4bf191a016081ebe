"""The clarifying question: an uncertain report or acknowledgement is asked about, never guessed."""

from __future__ import annotations

import pytest

from bot.dialogue import Dialogue, Turn
from handlers.base import Channel, Inbound, Kind, Reply, Role
from handlers.nlu import CLARIFY_BELOW, Understanding
from store import ConversationRepo


class Bot:
    def __init__(self, services) -> None:
        self.services = services
        self.rules: list[str] = []
        self.dialogue = Dialogue(services.ctx, observe=lambda _i, rule, _s, _r: self.rules.append(rule))
        self.n = 0

    def inbound(self, text: str, role: Role, user: str) -> Inbound:
        self.n += 1
        channel = Channel.WECHAT if role is Role.CITIZEN else Channel.WECOM
        return Inbound(channel, user, role, Kind.TEXT, text, f"m{self.n}", self.services.clock.now())

    def unsure(self, text: str, role: Role, user: str, intent: str, alternative: str) -> list[Reply]:
        """Route ``text`` as if the reader were unsure it is ``intent``."""
        turn = Turn(self.inbound(text, role, user), None, self.services.rules)
        turn.__dict__["reading"] = Understanding(intent, confidence=CLARIFY_BELOW - 0.1, alternative=alternative)
        replies = self.dialogue.route(turn)
        self.rules.append(turn.rule)
        return replies

    def say(self, text: str, role: Role, user: str) -> list[Reply]:
        return self.dialogue.handle(self.inbound(text, role, user))

    def form_of(self, role: Role, user: str) -> str | None:
        channel = Channel.WECHAT if role is Role.CITIZEN else Channel.WECOM
        with self.services.session_factory() as session:
            state = ConversationRepo(session).get(channel.value, user)
            return state.form if state is not None else None


@pytest.fixture
def bot(services) -> Bot:
    return Bot(services)


def test_an_uncertain_complaint_is_asked_about_and_the_choice_routes_the_first_message(bot: Bot) -> None:
    first = "江口镇那边的河沟这两天有点不对劲，水的颜色怪怪的"
    asked = bot.unsure(first, Role.CITIZEN, "c1", "complaint", "complaint_status")
    assert bot.rules[-1] == "clarify" and "您是想" in asked[0].text
    assert asked[0].options == ["举报环境污染", "查询举报进度", "咨询法规和办事程序"]
    assert bot.form_of(Role.CITIZEN, "c1") == "clarify"  # nothing filed, no complaint form yet
    replies = bot.say("1", Role.CITIZEN, "c1")
    assert bot.form_of(Role.CITIZEN, "c1") == "complaint" and bot.rules[-1] == "complaint"
    assert "登记举报" in replies[-1].text
    summary_or_step = bot.say("取消", Role.CITIZEN, "c1")[0].text
    assert "已取消" in summary_or_step


def test_a_choice_in_words_and_an_unrelated_answer(bot: Bot) -> None:
    bot.unsure("楼下那个厂子是不是在排东西", Role.CITIZEN, "c2", "complaint", "question")
    bot.say("我是想咨询法规和办事程序", Role.CITIZEN, "c2")
    assert bot.rules[-1] == "question" and bot.form_of(Role.CITIZEN, "c2") is None
    bot.unsure("楼下那个厂子是不是在排东西", Role.CITIZEN, "c3", "complaint", "question")
    bot.say("我的举报", Role.CITIZEN, "c3")  # no choice: the question ends and the message is routed as itself
    assert bot.rules[-1] == "complaint_status" and bot.form_of(Role.CITIZEN, "c3") is None


def test_an_uncertain_incident_report_from_duty_staff(bot: Bot) -> None:
    asked = bot.unsure("白马镇那个厂好像出了点状况，气味有点大", Role.DUTY, "d1", "incident_report", "question")
    assert asked[0].options == ["报告突发环境事件", "咨询法规和办事程序"]
    replies = bot.say("报告突发环境事件", Role.DUTY, "d1")
    assert bot.rules[-1] == "incident_report" and "已登记突发环境事件 E" in replies[0].text


def test_choices_offer_only_what_the_role_has(bot: Bot) -> None:
    asked = bot.unsure("已经报了", Role.CITIZEN, "c4", "complaint", "incident_ack")
    assert asked[0].options == ["举报环境污染", "咨询法规和办事程序"]


def test_a_confident_reading_is_not_asked_about(bot: Bot) -> None:
    reading = Understanding("complaint", confidence=0.9, alternative="question")
    assert not reading.uncertain
    assert not Understanding("question", confidence=0.1).uncertain  # only what starts something is asked about
    bot.say("江口镇有个养猪场天天往乌江里排粪水，臭得很", Role.CITIZEN, "c5")
    assert bot.rules[-1] == "complaint"


def test_a_staff_question_read_as_an_acknowledgement_is_asked_about_and_2_answers_it(bot: Bot) -> None:
    """A duty officer asking about a deadline changes nothing: an acknowledgement read with less than
    :data:`handlers.nlu.ACK_CONFIRM_BELOW` is asked about, and choosing the question answers it."""
    with bot.services.session_factory.begin() as session:
        from store import StaffRepo

        StaffRepo(session).upsert(user_id="d1", role="duty", name="值班员", now=bot.services.clock.now())
    asked = bot.unsure("初报好久截止", Role.DUTY, "d1", "incident_ack", "question")
    assert bot.rules[-1] == "clarify" and asked[0].options[-1] == "咨询法规和办事程序"
    replies = bot.say(str(len(asked[0].options)), Role.DUTY, "d1")
    assert bot.rules[-1] == "question" and "您是想" not in replies[0].text
    assert bot.form_of(Role.DUTY, "d1") is None
