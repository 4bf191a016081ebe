"""The dense index through a real Chroma server on loopback (``chroma run``), selected by URL."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.services import build_services
from tests.conftest import CORPUS, make_settings


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        pytest.skip("the chroma command is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("chroma server did not start")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


def test_ingest_and_answer_through_a_chroma_server(tmp_path: Path, chroma_url: str, embeddings, clock) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(CORPUS / "mee-order-17-incident-info-reporting.md", docs)
    settings = make_settings(tmp_path / "data", chroma_url=chroma_url)
    svc = build_services(settings, clock=clock, embeddings=embeddings)
    try:
        report = svc.knowledge.ingest([docs])
        assert len(report.added) == 1 and report.chunks_embedded > 0
        assert svc.knowledge.vectors.count() == report.chunks_embedded
        assert not (tmp_path / "data" / "chroma").exists()  # nothing written to the embedded directory
        answer = svc.knowledge.ask("初报应当报告哪些内容？")
        assert not answer.abstained
        assert any(c.section == "第十三条" for c in answer.citations[:3])
    finally:
        svc.close()
