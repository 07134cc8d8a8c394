"""The running service, seen as a phone sees it: each photo POSTed as the raw body to /v1/predictions.

Standard library only (urllib), a few requests at a time (threads), 429 answers retried after their
Retry-After. Every photo ends as an answer or as an error with its reason; none is dropped.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from melanoma_export.errors import ExportError

MAX_BUSY_RETRIES = 5


class ServiceError(ExportError):
    """The service cannot be reached, or answers what it should not (not the fault of one photo)."""

    exit_code = 8


@dataclass
class Answer:
    """One photo's outcome: ``body`` (the 200 JSON) or ``error`` (``kind``, ``status``, ``type``, ``detail``)."""

    status: int | None
    body: dict | None = None
    error: dict | None = None


def media_type(data: bytes) -> str:
    """The Content-Type a client would send; the service reads the format from the bytes anyway."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    return "application/octet-stream"


class Service:
    def __init__(self, url: str, api_key: str | None = None, timeout: float = 60.0):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def _request(self, method: str, path: str, data: bytes | None = None, content_type: str | None = None):
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if content_type:
            req.add_header("Content-Type", content_type)
        if self.api_key:
            req.add_header("X-API-Key", self.api_key)
        req.add_header("Accept", "application/json")
        return urllib.request.urlopen(req, timeout=self.timeout)

    def model(self) -> dict:
        """GET /v1/model: model.json as the service loaded it."""
        try:
            with self._request("GET", "/v1/model") as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            raise ServiceError(f"GET {self.url}/v1/model answered {e.code}: {_problem(e).get('detail', e.reason)}") \
                from None
        except (urllib.error.URLError, OSError) as e:
            raise ServiceError(f"cannot reach the service at {self.url}: {getattr(e, 'reason', e)}") from None

    def predict(self, data: bytes, metadata: dict | None = None) -> Answer:
        """POST the photo as a raw body; patient ``metadata`` (the API's fields: age, sex, site) goes as query
        parameters, as on a raw upload."""
        path = "/v1/predictions" + ("?" + urllib.parse.urlencode(metadata) if metadata else "")
        for attempt in range(MAX_BUSY_RETRIES + 1):
            try:
                with self._request("POST", path, data, media_type(data)) as r:
                    return Answer(r.status, body=json.load(r))
            except urllib.error.HTTPError as e:
                problem = _problem(e)
                if e.code == 429 and attempt < MAX_BUSY_RETRIES:
                    time.sleep(float(e.headers.get("Retry-After") or 1))
                    continue
                return Answer(e.code, error={"kind": "refused", "status": e.code, "type": problem.get("type"),
                                             "detail": problem.get("detail") or str(e.reason)})
            except (urllib.error.URLError, OSError) as e:
                return Answer(None, error={"kind": "unreachable", "status": None, "type": None,
                                           "detail": str(getattr(e, "reason", e))})
        raise AssertionError("unreachable")  # pragma: no cover

    def predict_all(self, items: list, read, concurrency: int = 2, progress_bar=None, metadata_of=None) -> list:
        """``read(item)`` -> bytes (or raises OSError); ``metadata_of(item)`` -> the metadata to send with it (None:
        none); answers in the order of ``items``."""

        def one(item):
            try:
                data = read(item)
            except OSError as e:
                answer = Answer(None, error={"kind": "unreadable", "status": None, "type": None,
                                             "detail": e.strerror or str(e)})
            else:
                answer = self.predict(data, metadata_of(item) if metadata_of else None)
            if progress_bar is not None:
                progress_bar.update(1)
            return answer

        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            return list(pool.map(one, items))


def _problem(e: urllib.error.HTTPError) -> dict:
    try:
        body = e.read()
        return json.loads(body) if body else {}
    except (ValueError, OSError):
        return {}
