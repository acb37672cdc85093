"""Text formatting: parse_mode parsing and automatic entity detection.

Telegram turns ``parse_mode`` text into plain text plus ``entities`` and
rejects malformed markup with ``can't parse entities: ...``.  A bot that works
against this emulator but sends unbalanced HTML or unescaped MarkdownV2 would
break in production, so the parsers here are strict in the same places the
real server is (modelled on the documented rules, error texts as Telegram
words them).  Entity offsets/lengths are in UTF-16 code units, as in the Bot
API; byte offsets in error messages are UTF-8 byte offsets into the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _byte_offset(src: str, index: int) -> int:
    # Only computed when reporting an error, so the O(n) slice is fine.
    return len(src[:index].encode("utf-8"))


@dataclass
class _Open:
    """An entity whose closing marker has not been seen yet."""

    tag: str  # HTML tag name or Markdown marker
    type: str
    start: int  # UTF-16 offset in the output text
    src_index: int  # char index in the input, for error messages
    extra: dict[str, Any] = field(default_factory=dict)


class _Builder:
    """Accumulates output text while tracking its UTF-16 length."""

    __slots__ = ("entities", "parts", "u16")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.u16 = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.u16 += len(text) if text.isascii() else utf16_len(text)

    def close(self, opened: _Open) -> None:
        length = self.u16 - opened.start
        if length <= 0:  # Telegram silently drops empty entities
            return
        entity: dict[str, Any] = {"type": opened.type, "offset": opened.start, "length": length}
        entity.update(opened.extra)
        self.entities.append(entity)

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        return "".join(self.parts), self.entities


# --------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_TAG_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z0-9_-]+")


def _html_unescape_at(src: str, i: int) -> tuple[str, int] | None:
    m = _HTML_ENTITY_RE.match(src, i)
    if not m:
        return None
    name = m.group(1)
    if name[0] == "#":
        try:
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            char = chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None
        except ValueError:
            char = None
    else:
        char = _HTML_NAMED.get(name)
    return (char, m.end()) if char is not None else None


def _html_unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "&" and (hit := _html_unescape_at(value, i)):
            out.append(hit[0])
            i = hit[1]
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _read_html_attrs(src: str, i: int, tag_start: int) -> tuple[dict[str, str], int]:
    """Parse attributes from ``src[i:]`` up to ``>``; return them and the index after ``>``."""
    attrs: dict[str, str] = {}
    n = len(src)
    while True:
        while i < n and src[i] in " \t\r\n":
            i += 1
        if i >= n:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(src, tag_start)}")
        if src[i] == ">":
            return attrs, i + 1
        m = _ATTR_NAME_RE.match(src, i)
        if not m:
            raise _parse_error(
                f"Empty attribute name in the tag at byte offset {_byte_offset(src, tag_start)}"
            )
        name = m.group(0).lower()
        i = m.end()
        while i < n and src[i] in " \t\r\n":
            i += 1
        if i < n and src[i] != "=":
            attrs[name] = ""  # attribute without value, e.g. <blockquote expandable>
            continue
        i += 1
        while i < n and src[i] in " \t\r\n":
            i += 1
        if i >= n:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(src, tag_start)}")
        if src[i] in "\"'":
            end = src.find(src[i], i + 1)
            if end < 0:
                raise _parse_error(
                    f"Unclosed start tag at byte offset {_byte_offset(src, tag_start)}"
                )
            attrs[name] = _html_unescape(src[i + 1 : end])
            i = end + 1
        else:
            start = i
            while i < n and src[i] not in " \t\r\n>":
                i += 1
            attrs[name] = _html_unescape(src[start:i])


def parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[_Open] = []
    i, n = 0, len(src)
    plain_start = 0  # start of the current run of plain characters

    def flush(upto: int) -> None:
        if upto > plain_start:
            out.add(src[plain_start:upto])

    while i < n:
        c = src[i]
        if c == "&":
            hit = _html_unescape_at(src, i)
            if hit:
                flush(i)
                out.add(hit[0])
                i = plain_start = hit[1]
            else:
                i += 1  # a lone '&' is kept as text
            continue
        if c != "<":
            i += 1
            continue
        flush(i)
        tag_start = i
        if i + 1 < n and src[i + 1] == "/":
            end = src.find(">", i)
            if end < 0:
                raise _parse_error(f"Unclosed end tag at byte offset {_byte_offset(src, i)}")
            name = src[i + 2 : end].strip().lower()
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(src, i)}")
            top = stack[-1]
            if name != top.tag:
                raise _parse_error(
                    f"Unmatched end tag at byte offset {_byte_offset(src, i)}, "
                    f'expected "</{top.tag}>", found "</{name}>"'
                )
            stack.pop()
            if not top.extra.pop("_skip", False):
                out.close(top)
            i = plain_start = end + 1
            continue
        name_match = _TAG_NAME_RE.match(src, i + 1)
        assert name_match is not None
        name = name_match.group(0).lower()
        if name not in _HTML_TAGS:
            raise _parse_error(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(src, tag_start)}'
            )
        attrs, i = _read_html_attrs(src, name_match.end(), tag_start)
        plain_start = i
        stack.append(_html_open(name, attrs, out.u16, tag_start, src, stack))
    flush(n)
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return out.result()


def _html_open(
    name: str, attrs: dict[str, str], at: int, tag_start: int, src: str, stack: list[_Open]
) -> _Open:
    etype = _HTML_TAGS[name]
    opened = _Open(name, etype, at, tag_start)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _parse_error(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, tag_start)}'
        )
    if etype == "text_link":
        opened.extra["url"] = attrs.get("href", "")
        if not opened.extra["url"]:
            opened.extra["_skip"] = True  # <a> without href is plain text
    elif etype == "custom_emoji":
        opened.extra["custom_emoji_id"] = attrs.get("emoji-id", "")
        if not opened.extra["custom_emoji_id"]:
            opened.extra["_skip"] = True
    elif etype == "blockquote" and "expandable" in attrs:
        opened.type = "expandable_blockquote"
    elif etype == "code" and stack and stack[-1].type == "pre":
        # <pre><code class="language-x"> is one pre entity with a language.
        language = attrs.get("class", "")
        if language.startswith("language-") and len(language) > len("language-"):
            stack[-1].extra["language"] = language[len("language-") :]
        opened.extra["_skip"] = True
    return opened


# ---------------------------------------------------------------------- MarkdownV2

_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "code": "Code",
    "pre": "Pre",
}
_LANGUAGE_RE = re.compile(r"[A-Za-z0-9_+#.-]+")


def _md2_closes(top: _Open, src: str, i: int) -> int:
    """Length of the closing marker of ``top`` at ``src[i]``, or 0."""
    c = src[i]
    t = top.type
    if t == "bold":
        return 1 if c == "*" else 0
    if t == "italic":
        return 1 if c == "_" and not src.startswith("__", i) else 0
    if t == "underline":
        return 2 if src.startswith("__", i) else 0
    if t == "strikethrough":
        return 1 if c == "~" else 0
    if t == "spoiler":
        return 2 if src.startswith("||", i) else 0
    if t in ("text_link", "custom_emoji"):
        return 1 if c == "]" else 0
    return 0


def parse_markdown_v2(src: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[_Open] = []
    i, n = 0, len(src)
    at_line_start = True
    while i < n:
        c = src[i]
        top = stack[-1] if stack else None
        if c == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
            out.add(src[i + 1])
            i += 2
            at_line_start = False
            continue
        if top is not None and top.type in ("code", "pre"):
            marker = "```" if top.type == "pre" else "`"
            if src.startswith(marker, i):
                stack.pop()
                out.close(top)
                i += len(marker)
            else:
                out.add(c)
                i += 1
            continue
        if c == "\n":
            i = _md2_newline(src, i, out, stack)
            at_line_start = True
            continue
        if c not in _MD2_RESERVED:
            out.add(c)
            i += 1
            at_line_start = False
            continue
        if top is not None and (size := _md2_closes(top, src, i)):
            stack.pop()
            i += size
            if top.type in ("text_link", "custom_emoji"):
                i = _md2_link_target(src, i, top)
                if top.extra.get("url") or top.extra.get("custom_emoji_id"):
                    out.close(top)
            else:
                out.close(top)
            at_line_start = False
            continue
        i = _md2_open(src, i, out, stack, at_line_start)
        at_line_start = False
    for opened in stack:
        if opened.type not in ("blockquote",):
            raise _parse_error(
                f"Can't find end of {_MD2_NAMES[opened.type]} entity at byte offset "
                f"{_byte_offset(src, opened.src_index)}"
            )
    for opened in reversed(stack):
        out.close(opened)
    return out.result()


def _md2_newline(src: str, i: int, out: _Builder, stack: list[_Open]) -> int:
    # A blockquote lasts while consecutive lines start with '>'.
    if stack and stack[-1].type == "blockquote":
        if i + 1 < len(src) and src[i + 1] == ">":
            out.add("\n")
            return i + 2
        out.close(stack.pop())
    out.add("\n")
    return i + 1


def _md2_open(src: str, i: int, out: _Builder, stack: list[_Open], line_start: bool) -> int:
    c = src[i]
    at = out.u16
    if c == "*":
        stack.append(_Open("*", "bold", at, i))
        return i + 1
    if c == "_":
        if src.startswith("__", i):
            stack.append(_Open("__", "underline", at, i))
            return i + 2
        stack.append(_Open("_", "italic", at, i))
        return i + 1
    if c == "~":
        stack.append(_Open("~", "strikethrough", at, i))
        return i + 1
    if c == "|" and src.startswith("||", i):
        stack.append(_Open("||", "spoiler", at, i))
        return i + 2
    if c == "[":
        stack.append(_Open("[", "text_link", at, i))
        return i + 1
    if c == "!" and src.startswith("![", i):
        stack.append(_Open("![", "custom_emoji", at, i))
        return i + 2
    if c == "`":
        if src.startswith("```", i):
            opened = _Open("```", "pre", at, i)
            i += 3
            newline = src.find("\n", i)
            if newline >= 0:
                first_line = src[i:newline]
                if _LANGUAGE_RE.fullmatch(first_line):
                    opened.extra["language"] = first_line
                    i = newline + 1
                elif first_line == "":
                    i = newline + 1
            stack.append(opened)
            return i
        stack.append(_Open("`", "code", at, i))
        return i + 1
    if c == ">" and line_start:
        stack.append(_Open(">", "blockquote", at, i))
        return i + 1
    raise _parse_error(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")


def _md2_link_target(src: str, i: int, opened: _Open) -> int:
    """Read ``(url)`` after ``]``; inside it only ')' and '\\' are escaped."""
    if i >= len(src) or src[i] != "(":
        return i
    start = i
    i += 1
    url: list[str] = []
    while i < len(src) and src[i] != ")":
        if src[i] == "\\" and i + 1 < len(src):
            i += 1
        url.append(src[i])
        i += 1
    if i >= len(src):
        raise _parse_error(f"Can't find end of a URL at byte offset {_byte_offset(src, start)}")
    target = "".join(url)
    if opened.type == "custom_emoji":
        m = re.fullmatch(r"tg://emoji\?id=(\d+)", target)
        if not m:
            raise _parse_error("Custom emoji URL must have an emoji identifier")
        opened.extra["custom_emoji_id"] = m.group(1)
    else:
        opened.extra["url"] = target
    return i + 1


# ------------------------------------------------------------------ Markdown (legacy)

_LEGACY = {"*": "bold", "_": "italic", "`": "code"}


def parse_markdown(src: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.add(c)
            i += 1
            continue
        start_u16, start = out.u16, i
        if src.startswith("```", i):
            end = src.find("```", i + 3)
            if end < 0:
                raise _entity_end_error(src, start)
            body = src[i + 3 : end]
            language = None
            first, sep, rest = body.partition("\n")
            if sep and _LANGUAGE_RE.fullmatch(first):
                language, body = first, rest
            out.add(body)
            extra = {"language": language} if language else {}
            out.close(_Open("```", "pre", start_u16, start, extra))
            i = end + 3
            continue
        if c == "[":
            end = src.find("]", i + 1)
            if end < 0:
                raise _entity_end_error(src, start)
            out.add(src[i + 1 : end])
            i = end + 1
            if i < n and src[i] == "(":
                close = src.find(")", i + 1)
                if close < 0:
                    raise _entity_end_error(src, start)
                url = src[i + 1 : close]
                out.close(_Open("[", "text_link", start_u16, start, {"url": url}))
                i = close + 1
            continue
        end = src.find(c, i + 1)
        if end < 0:
            raise _entity_end_error(src, start)
        out.add(src[i + 1 : end])
        out.close(_Open(c, _LEGACY[c], start_u16, start))
        i = end + 1
    return out.result()


def _entity_end_error(src: str, index: int) -> ApiError:
    return _parse_error(
        f"Can't find end of the entity starting at byte offset {_byte_offset(src, index)}"
    )


# ------------------------------------------------------------------- public helpers

_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def parse_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` (or explicit ``entities``) and trim like Telegram does."""
    if parse_mode:
        parser = _PARSERS.get(parse_mode.strip().lower())
        if parser is None:
            raise bad_request("unsupported parse_mode")
        text, found = parser(text)
    else:
        found = [dict(e) for e in entities or [] if isinstance(e, dict)]
    return _strip(text, found)


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    # Telegram removes leading/trailing whitespace and shifts entities to match.
    stripped = text.strip()
    if stripped == text:
        return text, _sort(entities)
    head = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept = []
    for e in entities:
        start = max(0, int(e.get("offset", 0)) - head)
        end = min(total, int(e.get("offset", 0)) + int(e.get("length", 0)) - head)
        if end > start:
            kept.append({**e, "offset": start, "length": end - start})
    return stripped, _sort(kept)


def _sort(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entities, key=lambda e: (e.get("offset", 0), -e.get("length", 0)))


_AUTO_PATTERNS = [
    ("bot_command", re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"]+")),
    ("email", re.compile(r"(?<![\w.@])[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}\b")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
]


def detect_entities(text: str) -> list[dict[str, Any]]:
    """Entities a Telegram client/server finds in plain user text (commands, links...)."""
    if not any(ch in text for ch in "/@#:"):
        return []
    hits: list[tuple[int, int, str]] = []
    for etype, pattern in _AUTO_PATTERNS:
        hits.extend((m.start(), m.end(), etype) for m in pattern.finditer(text))
    hits.sort(key=lambda h: (h[0], -h[1]))
    entities, covered_until = [], -1
    for start, end, etype in hits:
        if start < covered_until:
            continue  # e.g. an '@' inside a URL is not a mention
        covered_until = end
        offset = utf16_len(text[:start])
        entities.append({"type": etype, "offset": offset, "length": utf16_len(text[start:end])})
    return entities
