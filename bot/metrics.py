"""Prometheus metrics of one process (prometheus-client), served at ``/metrics``.

Each app builds its own registry (no module-level state, so tests can build many apps):
messages by channel and routing rule, turn latency, knowledge-base abstentions,
reminders by outcome, WeChat/WeCom API errors by code.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.reminders import TickReport

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """The process's counters and histograms in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages = Counter(
            "envbot_messages",
            "Messages handled, by channel and routing rule.",
            ["channel", "rule"],
            registry=self.registry,
        )
        self.turn_seconds = Histogram(
            "envbot_turn_seconds",
            "Seconds to handle one message, by routing rule.",
            ["rule"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0),
            registry=self.registry,
        )
        self.abstentions = Counter(
            "envbot_abstentions", "Questions the knowledge base could not answer.", registry=self.registry
        )
        self.reminders = Counter(
            "envbot_reminders",
            "Reminder rows by outcome (due, sent, late, retried, failed, skipped).",
            ["outcome"],
            registry=self.registry,
        )
        self.api_errors = Counter(
            "envbot_wechat_api_errors",
            "WeChat / WeCom API errors by channel and errcode.",
            ["channel", "errcode"],
            registry=self.registry,
        )

    def turn(self, channel: str, rule: str, seconds: float, abstained: bool) -> None:
        """Count one handled message (``abstained``: a question answered without citations)."""
        self.messages.labels(channel=channel, rule=rule).inc()
        self.turn_seconds.labels(rule=rule).observe(seconds)
        if abstained:
            self.abstentions.inc()

    def tick(self, report: TickReport) -> None:
        """Count what one dispatcher tick did."""
        for outcome, n in (
            ("due", report.claimed + report.skipped),
            ("sent", report.sent),
            ("late", report.late),
            ("retried", report.retried),
            ("failed", report.failed),
            ("skipped", report.skipped),
        ):
            if n:
                self.reminders.labels(outcome=outcome).inc(n)

    def api_error(self, channel: str, errcode: int) -> None:
        """Count one failed API call."""
        self.api_errors.labels(channel=channel, errcode=str(errcode)).inc()

    def render(self) -> bytes:
        """The text exposition format."""
        return bytes(generate_latest(self.registry))
