"""Request bodies read with a size cap (callbacks, console uploads)."""

from __future__ import annotations

from fastapi import Request

from core.errors import PayloadTooLarge


async def read_capped(request: Request, cap: int) -> bytes:
    """The request body, refusing more than ``cap`` bytes before reading it all.

    Raises:
        PayloadTooLarge: the declared or the streamed size is over the cap.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise PayloadTooLarge(f"body of {declared} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise PayloadTooLarge(f"body over {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
