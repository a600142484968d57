"""The one interface every machine translation engine offers, and the HTTP plumbing they share."""

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings

from liaison.core.i18n import base_language


class EngineUnavailable(Exception):
    """The engine did not answer (down, timed out, 5xx, refused): try again later."""


class EngineRefused(Exception):
    """The engine answered that it cannot do this (unknown language, bad key): do not wait for it."""


class Engine:
    kind = "none"
    # Texts per request and characters per request, below every documented limit.
    batch_size = 25
    batch_chars = 20_000

    def __init__(self, *, endpoint: str = "", api_key: str = "", region: str = "", languages=()):
        self.endpoint = endpoint.rstrip("/")
        self.api_key = api_key
        self.region = region
        self.allowed = {t.lower() for t in languages or ()}
        self.timeout = settings.LIAISON_TRANSLATION_TIMEOUT

    # -- what subclasses provide -----------------------------------------------------------
    def supported_targets(self) -> set[str] | None:
        """Base language codes the engine translates into; None when it covers all of ours."""
        return set()

    def _translate(self, texts: list[str], *, source: str, target: str) -> list[str]:
        raise EngineRefused("no engine is configured")

    # -- what the pipeline calls ------------------------------------------------------------
    def can_translate(self, source: str, target: str) -> bool:
        if (
            self.allowed
            and target.lower() not in self.allowed
            and (base_language(target) not in self.allowed)
        ):
            return False
        targets = self.supported_targets()
        return targets is None or base_language(target) in targets

    def translate(self, texts: list[str], *, source: str, target: str) -> list[str]:
        """Translate texts in as few requests as the engine's limits allow, order kept."""
        out: list[str] = []
        for batch in _batches(texts, self.batch_size, self.batch_chars):
            result = self._translate(batch, source=source, target=target)
            if len(result) != len(batch):
                raise EngineUnavailable("the engine answered with the wrong number of texts")
            out.extend(result)
        return out

    # -- HTTP ----------------------------------------------------------------------------
    def request(self, url: str, *, body=None, headers: dict | None = None, method: str = "POST"):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (operator URL)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json; charset=UTF-8")
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                payload = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:200].decode(errors="replace")
            if exc.code in (408, 429) or exc.code >= 500:
                raise EngineUnavailable(f"{self.kind} answered {exc.code}: {detail}") from None
            raise EngineRefused(f"{self.kind} answered {exc.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise EngineUnavailable(f"{self.kind} is not answering: {exc}") from None
        if time.monotonic() - started > self.timeout:
            raise EngineUnavailable(f"{self.kind} took longer than {self.timeout} s")
        try:
            return json.loads(payload or b"null")
        except ValueError:
            raise EngineUnavailable(f"{self.kind} answered something that is not JSON") from None


def _batches(texts: list[str], size: int, chars: int) -> Iterable[list[str]]:
    batch: list[str] = []
    length = 0
    for text in texts:
        if batch and (len(batch) >= size or length + len(text) > chars):
            yield batch
            batch, length = [], 0
        batch.append(text)
        length += len(text)
    if batch:
        yield batch


class NoEngine(Engine):
    kind = "none"

    def supported_targets(self):
        return set()
