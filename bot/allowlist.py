"""Address allow-lists from settings: ``"*"`` (anyone), ``""`` (nobody), or addresses and networks (CIDR)."""

from __future__ import annotations

import ipaddress
from functools import cache

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(spec: str) -> tuple[_Network, ...]:
    out: list[_Network] = []
    for part in spec.split(","):
        part = part.strip()
        if part and part != "*":
            out.append(ipaddress.ip_network(part, strict=False))
    return tuple(out)


def check_allowlist(spec: str) -> str:
    """``spec`` itself when every entry is ``*``, an IP address or a network.

    Raises:
        ValueError: an entry is neither (the message names it).
    """
    for part in spec.split(","):
        part = part.strip()
        if part and part != "*":
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an address or network: {part!r}") from exc
    return spec


def allowed(address: str | None, spec: str) -> bool:
    """Whether the client ``address`` is in ``spec``; an unknown or malformed address only under ``*``."""
    if any(part.strip() == "*" for part in spec.split(",")):
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in net for net in _networks(spec))
