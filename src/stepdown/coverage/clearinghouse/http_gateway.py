"""X12 over HTTP: the 270 is the body of a POST and the 271 is the body of the answer, as
the simulator's service and clearinghouses' real-time X12 endpoints take it."""

from __future__ import annotations

import urllib.request

from stepdown.coverage.clearinghouse.gateway import Failed, FailureKind, Outcome, read_271
from stepdown.coverage.clearinghouse.transport import (
    EDI_CONTENT_TYPE,
    Transport,
    checked_url,
    post,
    urlopen_body,
)


class X12HttpGateway:
    def __init__(self, url: str, timeout: float, *, transport: Transport = urlopen_body) -> None:
        self.url = checked_url(url, "eligibility_url")
        self.timeout = timeout
        self._transport = transport

    def inquire(self, text: str, *, timeout: float | None = None) -> Outcome:
        request = urllib.request.Request(  # noqa: S310 - checked_url allows http(s) only
            self.url,
            data=text.encode("utf-8"),
            headers={"Content-Type": EDI_CONTENT_TYPE, "Accept": EDI_CONTENT_TYPE},
            method="POST",
        )
        body = post(request, self.timeout if timeout is None else timeout, self._transport)
        if isinstance(body, Failed):
            return body
        try:
            return read_271(body.decode("utf-8"))
        except UnicodeDecodeError:
            return Failed(FailureKind.MALFORMED, "the response is not UTF-8 text")
