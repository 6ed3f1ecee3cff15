"""The SSRF guard: user-supplied URLs may only reach public addresses.

Used for image URLs and (by the webhook sender) callback URLs. Every address a host name
resolves to is checked, and the connection then goes to the checked address, so a DNS answer
that changes between check and connect cannot point the request inside the network.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

from pipeline.errors import InvalidRequestError, SourceUnavailableError, UnsafeUrlError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services, named even though `is_global` already excludes them, so the rule
# survives a future change of Python's notion of "global".
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254")
)


@dataclass(frozen=True)
class CheckedUrl:
    """A URL whose host resolved to `address`, an address the guard allows."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress

    @property
    def netloc(self) -> str:
        """The URL's host[:port], for the Host header of a request sent to `pinned_url`."""
        return urlsplit(self.url).netloc

    def pinned_url(self) -> str:
        """The URL with its host replaced by the checked address: connect there, not to a
        second DNS answer."""
        parts = urlsplit(self.url)
        host = (
            f"[{self.address}]"
            if isinstance(self.address, ipaddress.IPv6Address)
            else str(self.address)
        )
        netloc = f"{host}:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def parse_networks(cidrs: list[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def is_public(address: IPAddress, allow: tuple[IPNetwork, ...] = ()) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allow):
        return True
    if address in METADATA_ADDRESSES:
        return False
    return address.is_global and not address.is_multicast


def check_parsable(url: str) -> tuple[SplitResult, str | None]:
    """`url` split, and its host; `InvalidRequestError` when it cannot be parsed."""
    try:
        parts = urlsplit(url)
        return parts, parts.hostname
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise InvalidRequestError(f"the URL cannot be parsed: {exc}") from exc


def check_url(url: str, allow: tuple[IPNetwork, ...] = ()) -> CheckedUrl:
    """Resolve `url`'s host and refuse it unless every address it resolves to is public."""
    parts, host = check_parsable(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidRequestError(f"only http and https URLs are allowed, not {parts.scheme!r}")
    if not host:
        raise InvalidRequestError(f"the URL has no host: {url!r}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InvalidRequestError(f"the URL has an invalid port: {url!r}") from exc
    addresses = _resolve(host, port)
    refused = [a for a in addresses if not is_public(a, allow)]
    if refused:
        # The address is not named: it would let a caller map the internal network's DNS.
        raise UnsafeUrlError(f"{host} resolves to a non-public address; refused")
    return CheckedUrl(url=url, scheme=parts.scheme, host=host, port=port, address=addresses[0])


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:  # a name IDNA cannot encode (an empty or 64+ char label)
        raise InvalidRequestError(f"invalid host name {host[:80]!r}") from exc
    except socket.gaierror as exc:
        # Unknown names are permanent for the user, but resolver outages are not: only
        # EAI_NONAME is "this host does not exist".
        if exc.errno == socket.EAI_NONAME:
            raise InvalidRequestError(f"unknown host {host!r}") from exc
        raise SourceUnavailableError(f"cannot resolve {host!r}: {exc}") from exc
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
