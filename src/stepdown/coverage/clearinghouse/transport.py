"""One HTTP POST and the mapping of what can go wrong onto the gateway's failures, shared by
the X12-over-HTTP and the JSON adapters (standard library only: two calls a visit need no
HTTP client dependency)."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from stepdown.coverage.clearinghouse.gateway import Failed, FailureKind

# Sends the request and returns the response body; raises as urllib.request.urlopen does.
# Tests hand in their own so that no vendor is ever called.
Transport = Callable[[urllib.request.Request, float], bytes]
EDI_CONTENT_TYPE = "application/edi-x12"  # RFC 1767


def checked_url(url: str, setting: str) -> str:
    """``url`` if it is http(s) with a host: urlopen would also open file: and ftp: URLs."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{setting} must be an http:// or https:// URL, not {url!r}")
    return url


def urlopen_body(request: urllib.request.Request, timeout: float) -> bytes:
    # The URL went through checked_url when the gateway was built.
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        body: bytes = response.read()
        return body


def post(request: urllib.request.Request, timeout: float, transport: Transport) -> bytes | Failed:
    """The response body, or the failure. ``timeout`` bounds each wait on the socket
    (connect, each read), as urlopen's does."""
    try:
        return transport(request, timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        return Failed(FailureKind.SERVER_ERROR, f"HTTP {exc.code} {exc.reason}", status=exc.code)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return Failed(FailureKind.TIMEOUT, f"no answer within {timeout:g} s")
        return Failed(FailureKind.UNREACHABLE, f"cannot reach the endpoint: {exc.reason}")
    except TimeoutError:
        return Failed(FailureKind.TIMEOUT, f"no answer within {timeout:g} s")
    except OSError as exc:
        return Failed(FailureKind.UNREACHABLE, f"the connection failed: {exc}")
    except http.client.HTTPException as exc:
        return Failed(FailureKind.MALFORMED, f"the HTTP response was broken: {exc!r}")
