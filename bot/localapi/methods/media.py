"""Photos and documents: uploads are kept (bytes, name, MIME type) so tests can
fetch exactly what the bot sent; file_ids can be re-sent like on Telegram."""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import urlsplit

from .. import errors
from ..errors import ApiError, bad_request
from ..images import image_size
from ..params import UploadedFile
from ..state import StoredFile
from .common import (
    Call,
    ensure_reachable,
    method,
    reply_markup,
    reply_target,
    resolve_chat,
    take_send_token,
)
from .messages import MAX_CAPTION, formatted, post_message

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile limit of the cloud Bot API


async def obtain_file(call: Call, kind: str) -> StoredFile:
    """The file named by the ``kind`` parameter: an upload, a known file_id or a URL."""
    source = call.p.file(kind)
    if source is None:
        raise bad_request(f"there is no {kind} in the request")
    if isinstance(source, str):
        if not source.startswith(("http://", "https://")):
            stored = call.bot.files.get(source)
            if stored is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return stored
        data, mime = await call.server.fetch_url(source)
        name = posixpath.basename(urlsplit(source).path) or None
        source = UploadedFile(data, name, mime)
    limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_DOCUMENT_BYTES
    if not source.data:
        raise bad_request("file must be non-empty")
    if len(source.data) > limit:
        raise ApiError(413, "Request Entity Too Large")
    if kind == "photo":
        check_photo(source.data)
    return call.bot.store_file(kind, source.data, source.filename, source.content_type)


def check_photo(data: bytes) -> tuple[int, int]:
    size = image_size(data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if (
        width <= 0
        or height <= 0
        or width + height > 10000
        or max(width, height) > 20 * min(width, height)
    ):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return size


def photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    # Telegram would add downscaled thumbnails; one original-size entry is a valid
    # PhotoSize list and photo[-1] (the largest) is what bots use.
    width, height = image_size(stored.data) or (0, 0)
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "width": width,
            "height": height,
        }
    ]


def document_object(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.filename:
        document["file_name"] = stored.filename
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


async def send_media(call: Call, kind: str) -> dict[str, Any]:
    chat = resolve_chat(call)
    ensure_reachable(chat)
    caption, entities = formatted(
        call, "caption", "caption_entities", MAX_CAPTION, errors.CAPTION_TOO_LONG, required=False
    )
    inline, client_markup = reply_markup(call)
    reply = reply_target(call, chat)
    stored = await obtain_file(call, kind)
    take_send_token(call, chat)
    content: dict[str, Any] = (
        {"photo": photo_sizes(stored)} if kind == "photo" else {"document": document_object(stored)}
    )
    if caption:
        content["caption"] = caption
    if entities:
        content["caption_entities"] = entities
    return post_message(call, chat, content, reply=reply, inline=inline, client_markup=client_markup)


@method("sendPhoto")
async def send_photo(call: Call) -> dict[str, Any]:
    return await send_media(call, "photo")


@method("sendDocument")
async def send_document(call: Call) -> dict[str, Any]:
    return await send_media(call, "document")


@method("getFile")
async def get_file(call: Call) -> dict[str, Any]:
    stored = call.bot.files.get(call.p.str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > MAX_DOWNLOAD_BYTES:
        raise bad_request("file is too big")
    return stored.describe()
