"""Reply content at rest: AES-256-GCM when DATA_KEY is set (SPEC §8), plain text otherwise.

Each value is sealed with a fresh 96-bit nonce and the message id as associated data, so a
ciphertext copied onto another row fails to open instead of showing the wrong text. The database keeps
a check value of the key (an HMAC of a fixed label, never the key) so that start-up can tell a changed
key from the right one before anything is written.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"
_NONCE_BYTES = 12
_CHECK_LABEL = b"whiplash-bot DATA_KEY check v1"


class DecryptionError(Exception):
    """Stored content could not be opened: a different DATA_KEY, or tampering."""


class ContentCipher:
    """Seals and opens reply content; with no key it passes text through unchanged."""

    def __init__(self, key: bytes | None) -> None:
        if key is not None and len(key) != 32:
            raise ValueError("DATA_KEY must be 32 bytes")
        self._aead: AESGCM | None = None
        self._check: str | None = None
        if key is not None:
            self._check = hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()
            # Imported only when a key is set: cryptography costs several MB of memory at start-up.
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._aead = AESGCM(key)

    @property
    def encrypts(self) -> bool:
        return self._aead is not None

    @property
    def key_check(self) -> str | None:
        """A value that identifies the key without revealing it (None without a key)."""
        return self._check

    def seal(self, text: str, message_id: int) -> tuple[str | bytes, bool]:
        """The value to store and whether it is encrypted."""
        if self._aead is None:
            return text, False
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, text.encode("utf-8"), _aad(message_id))
        return _VERSION + nonce + sealed, True

    def open(self, stored: str | bytes | None, encrypted: bool, message_id: int) -> str | None:
        if stored is None:
            return None
        if not encrypted:
            return stored if isinstance(stored, str) else stored.decode("utf-8")
        if self._aead is None:
            raise DecryptionError("reply content is encrypted but DATA_KEY is not set")
        if not isinstance(stored, bytes) or stored[:1] != _VERSION:
            raise DecryptionError(f"reply {message_id} has an unknown encryption format")
        nonce, sealed = stored[1 : 1 + _NONCE_BYTES], stored[1 + _NONCE_BYTES :]
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(nonce, sealed, _aad(message_id)).decode("utf-8")
        except InvalidTag:
            raise DecryptionError(f"reply {message_id} cannot be decrypted with this DATA_KEY") from None


def _aad(message_id: int) -> bytes:
    return message_id.to_bytes(8, "big", signed=False)
