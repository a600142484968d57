"""Loopback HTTP servers speaking the translation engines' formats, counting every call."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

# A tiny phrase book: the stand-in "translates" by looking up whole texts, else tags them.
PHRASES = {
    "es": {"School is closed tomorrow.": "La escuela está cerrada mañana."},
}


def fake_translate(text: str, target: str) -> str:
    return PHRASES.get(target, {}).get(text) or f"[{target}] {text}"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _json(self, status, payload):
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        server = self.server
        server.calls.append(("GET", self.path, None, dict(self.headers)))
        if server.down:
            return self._json(503, {"error": "down"})
        if self.path.startswith("/languages"):
            return self._json(
                200,
                [
                    {"code": code, "name": code, "targets": sorted(server.targets)}
                    for code in ["en", *sorted(server.targets)]
                ],
            )
        return self._json(404, {"error": "not found"})

    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        server.calls.append(("POST", self.path, body, dict(self.headers)))
        if server.down:
            return self._json(503, {"error": "down"})
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/translate" and isinstance(body, dict):  # LibreTranslate
            target = body["target"]
            if target not in server.targets and target != "en":
                return self._json(400, {"error": f"{target} is not supported"})
            texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
            out = [fake_translate(t, target) for t in texts]
            return self._json(
                200, {"translatedText": out if isinstance(body["q"], list) else out[0]}
            )
        if url.path == "/translate" and isinstance(body, list):  # Azure
            target = query["to"][0]
            return self._json(
                200,
                [
                    {"translations": [{"text": fake_translate(i["Text"], target), "to": target}]}
                    for i in body
                ],
            )
        if url.path == "/language/translate/v2":  # Google v2
            return self._json(
                200,
                {
                    "data": {
                        "translations": [
                            {"translatedText": fake_translate(t, body["target"])} for t in body["q"]
                        ]
                    }
                },
            )
        if url.path == "/v2/translate":  # DeepL
            target = body["target_lang"]
            return self._json(
                200,
                {
                    "translations": [
                        {
                            "detected_source_language": "EN",
                            "text": fake_translate(t, target.lower()),
                        }
                        for t in body["text"]
                    ]
                },
            )
        return self._json(404, {"error": "not found"})


class EngineServer:
    def __init__(self, targets=("es", "ar", "zh", "vi", "pt", "ru", "fr", "ko")):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.calls = []
        self.httpd.down = False
        self.httpd.targets = set(targets)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.httpd.server_address
        return f"http://{host}:{port}"

    @property
    def calls(self):
        return self.httpd.calls

    def translate_calls(self):
        return [c for c in self.httpd.calls if c[0] == "POST"]

    @property
    def down(self):
        return self.httpd.down

    @down.setter
    def down(self, value):
        self.httpd.down = value

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
