"""Document loaders: a file in, plain text with its title out.

Supported: ``.md``, ``.markdown``, ``.txt`` (UTF-8, or a detected Chinese
encoding such as GB18030), ``.docx`` (python-docx), ``.pdf`` (pypdf, text layer
only) and ``.html``/``.htm`` (BeautifulSoup). Headings are kept as lines so the
splitter can follow the document's structure.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import IngestError, UnsupportedFormat

PathLike = str | Path

SUPPORTED_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".docx", ".pdf", ".html", ".htm"})

_EDITION_RE = re.compile(r"(\d{4})\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?[^\n]{0,60}?(修订|修正|通过|公布|印发)")


@dataclass(frozen=True)
class LoadedDocument:
    """A document read from disk.

    Attributes:
        path: absolute path of the file.
        title: the document title (first Markdown ``#`` heading, HTML ``<title>``,
            docx core title, or the first short line; else the file stem).
        edition: e.g. ``"2024年修订"`` taken from the promulgation lines, or ``""``.
        text: the body as lines of plain text (Markdown ``#`` headings kept).
        content_hash: SHA-256 hex digest of the file's bytes.
    """

    path: Path
    title: str
    edition: str
    text: str
    content_hash: str


def content_hash(data: bytes) -> str:
    """SHA-256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def load_document(path: PathLike) -> LoadedDocument:
    """Read one document.

    Raises:
        UnsupportedFormat: the suffix is not supported.
        IngestError: the file cannot be read, is empty, has no extractable text,
            or its encoding cannot be recognised.
    """
    p = Path(path).resolve()
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormat(p, f"unsupported file type {suffix or '(none)'}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError(p, f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise IngestError(p, "file is empty")
    if suffix in {".md", ".markdown", ".txt"}:
        text, title = _load_text(p, data)
    elif suffix == ".docx":
        text, title = _load_docx(p)
    elif suffix == ".pdf":
        text, title = _load_pdf(p)
    else:
        text, title = _load_html(data)
    text = _normalise(text)
    if not text.strip():
        raise IngestError(p, "no text could be extracted")
    title = title.strip() or p.stem
    return LoadedDocument(
        path=p,
        title=title,
        edition=_edition(text),
        text=text,
        content_hash=content_hash(data),
    )


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", "　")
    text = text.replace("\ufeff", "").replace("\x00", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip() + "\n"


def _decode(path: Path, data: bytes) -> str:
    for encoding in ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > 0.2 or best.encoding.startswith("utf_8"):
        raise IngestError(path, "text encoding not recognised (expected UTF-8 or GB18030)")
    return str(best)


def _first_line_title(text: str) -> str:
    for line in text.split("\n"):
        s = line.strip().lstrip("#").strip()
        if s:
            return s if len(s) <= 60 else ""
    return ""


def _load_text(path: Path, data: bytes) -> tuple[str, str]:
    text = _decode(path, data)
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            if line.startswith("# "):
                title = line[2:].strip()
                return "\n".join(lines[i + 1 :]), title
            break
    return text, _first_line_title(text)


def _load_docx(path: Path) -> tuple[str, str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, ValueError, KeyError, OSError) as exc:
        raise IngestError(path, f"not a readable .docx file: {exc}") from exc
    except Exception as exc:  # zipfile.BadZipFile and lxml errors have no common base
        raise IngestError(path, f"not a readable .docx file: {exc}") from exc
    lines: list[str] = []
    title = (document.core_properties.title or "").strip()
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name or "").lower() if para.style is not None else ""
        if style == "title" and not title:
            title = text
            continue
        if style.startswith("heading"):
            level = style.removeprefix("heading").strip()
            hashes = "#" * (int(level) + 1 if level.isdigit() else 2)
            lines.append(f"{hashes} {text}")
        else:
            lines.append(text)
        lines.append("")
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                lines.append("　".join(cells))
                lines.append("")
    text = "\n".join(lines)
    if not title:
        title = _first_line_title(text)
        if title:
            text = text.split("\n", 1)[1] if "\n" in text else ""
    return text, title


def _load_pdf(path: Path) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise IngestError(path, f"not a readable PDF: {exc}") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise IngestError(path, "PDF has no text layer (scanned image?); OCR it first")
    # pypdf gives one line per visual line; join lines that break inside a sentence.
    text = _join_wrapped_lines(text)
    title = str(meta_title).strip() or _first_line_title(text)
    if title and text.lstrip().startswith(title):
        text = text.lstrip()[len(title) :]
    return text, title


_SENTENCE_END = tuple("。！？；：”」）)") + (".", "!", "?")


def _join_wrapped_lines(text: str) -> str:
    out: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            out.append("")
            continue
        if out and out[-1] and not out[-1].endswith(_SENTENCE_END) and not _starts_block(line):
            out[-1] += line
        else:
            out.append(line)
    return "\n\n".join(x for x in out if x)


_BLOCK_START = re.compile(
    r"^(第[一二三四五六七八九十百零〇两]+[章节条]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、])"
)


def _starts_block(line: str) -> bool:
    return bool(_BLOCK_START.match(line))


def _load_html(data: bytes) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer"]):
        tag.decompose()
    title = ""
    h1 = soup.find("h1")
    if h1 is not None:
        title = h1.get_text(" ", strip=True)
        h1.decompose()
    elif soup.title is not None:
        title = soup.title.get_text(" ", strip=True)
    lines: list[str] = []
    body = soup.body or soup
    for el in body.find_all(["h2", "h3", "h4", "p", "li", "div", "td", "pre"]):
        if el.find(["p", "div", "li", "h2", "h3", "h4", "table"]):
            continue  # a container; its children are visited on their own
        text = el.get_text("", strip=True)
        if not text:
            continue
        if el.name in {"h2", "h3", "h4"}:
            lines.append("#" * int(el.name[1]) + " " + text)
        else:
            lines.append(text)
        lines.append("")
    return "\n".join(lines), title


def _edition(text: str) -> str:
    """The edition named in the promulgation lines at the head of the text."""
    head = "\n".join(text.split("\n")[:12])
    found = _EDITION_RE.findall(head)
    if not found:
        return ""
    year, verb = max(found, key=lambda m: int(m[0]))
    return f"{year}年{verb}"
