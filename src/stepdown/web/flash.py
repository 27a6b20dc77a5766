"""One-shot messages carried across a redirect in a cookie the browser cannot read.

A message may name a medication or a client ("Buprenorphine 8 mg recorded"), which is PHI,
so the cookie is encrypted, not only signed: base64 is no secret from anyone who can see
the browser's cookies or a proxy's logs. The standard library has no authenticated cipher
and the project carries no cryptography package, so this is the textbook
encrypt-then-MAC built from HMAC-SHA256 alone:

- two keys derived from the secret key with HKDF (RFC 5869), one per purpose;
- a fresh 16-byte nonce per message; the keystream is HMAC-SHA256(enc key, nonce ||
  counter) block by block (a pseudorandom function in counter mode), XORed with the
  message padded to a multiple of ``PAD`` bytes, so the length says little;
- a tag HMAC-SHA256(mac key, nonce || ciphertext), checked in constant time before
  anything is decrypted.

The plaintext carries its own expiry, so a copied cookie is useless after a minute even if
the browser kept it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time

from fastapi import Request, Response

FLASH_COOKIE = "stepdown_flash"
LIFETIME_SECONDS = 60
NONCE = 16
TAG = 32
PAD = 64
_BLOCK = hashlib.sha256().digest_size


def _hkdf(secret: str, purpose: bytes) -> bytes:
    """RFC 5869 HKDF-SHA256 for one 32-byte key (Extract, then one block of Expand)."""
    prk = hmac.new(b"stepdown flash cookie", secret.encode(), hashlib.sha256).digest()
    return hmac.new(prk, purpose + b"\x01", hashlib.sha256).digest()


def _keys(request: Request) -> tuple[bytes, bytes]:
    secret: str = request.app.state.settings.effective_secret_key
    return _hkdf(secret, b"encrypt"), _hkdf(secret, b"authenticate")


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (
        hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        for counter in range(-(-length // _BLOCK))
    )
    return b"".join(blocks)[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def _seal(request: Request, plaintext: bytes) -> str:
    enc_key, mac_key = _keys(request)
    nonce = secrets.token_bytes(NONCE)
    ciphertext = _xor(plaintext, _keystream(enc_key, nonce, len(plaintext)))
    tag = hmac.new(mac_key, nonce + ciphertext, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(nonce + ciphertext + tag).decode().rstrip("=")


def _open(request: Request, sealed: str) -> bytes | None:
    try:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    except (binascii.Error, ValueError):
        return None
    # Only the one spelling we write: the last character's spare bits must not let an edited
    # cookie decode to the same bytes.
    if len(raw) < NONCE + TAG or base64.urlsafe_b64encode(raw).decode().rstrip("=") != sealed:
        return None
    nonce, ciphertext, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
    enc_key, mac_key = _keys(request)
    expected = hmac.new(mac_key, nonce + ciphertext, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, tag):
        return None
    return _xor(ciphertext, _keystream(enc_key, nonce, len(ciphertext)))


def _secure(request: Request) -> bool:
    secure: bool = request.app.state.settings.cookie_secure
    return secure


def flash(request: Request, response: Response, message: str, *, kind: str = "info") -> None:
    payload = json.dumps([kind, message, int(time.time()) + LIFETIME_SECONDS]).encode()
    payload += b" " * (-len(payload) % PAD)  # JSON ignores trailing spaces
    response.set_cookie(
        FLASH_COOKIE,
        _seal(request, payload),
        max_age=LIFETIME_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def clear(request: Request, response: Response) -> None:
    """Expire the cookie once shown, with the attributes it was set with."""
    response.delete_cookie(FLASH_COOKIE, httponly=True, samesite="lax", secure=_secure(request))


def read(request: Request) -> list[tuple[str, str]]:
    """The pending message, if the cookie is authentic and recent; the caller clears it."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    plaintext = _open(request, raw)
    if plaintext is None:
        return []
    try:
        kind, message, expires = json.loads(plaintext)
    except (ValueError, TypeError):
        return []
    if not isinstance(expires, int) or expires < time.time():
        return []
    return [(str(kind), str(message))]
