"""The address a request came from: the one the sign-in limits, the portal's limits and the access
log all use, so that none of them can be told a different story by the client."""

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    """A bare IP address from a header entry or REMOTE_ADDR, or None when it is not one."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's address as the outermost trusted proxy saw it.

    Without a proxy (LIAISON_BEHIND_PROXY off) that is the connection's own address; a client's
    X-Forwarded-For is ignored. Behind LIAISON_TRUSTED_PROXIES proxies, each proxy appends the
    address it was connected from, so the N-th entry from the right is what the outermost one saw;
    everything left of it was written by the client and is ignored. With fewer entries than
    proxies (a request that came through fewer of them) the left-most entry is the best there is.
    An entry that is not an address falls back to the connection's address, never to an error.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.LIAISON_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote
    chain = [entry for entry in forwarded.split(",") if entry.strip()]
    if not chain:
        return remote
    seen = chain[-proxies] if len(chain) >= proxies else chain[0]
    return _address(seen) or remote
