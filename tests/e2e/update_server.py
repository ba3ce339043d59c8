"""An HTTPS update server for the package test (the installed release build only asks https).

Serves /latest.json offering 9.9.9 with an artifact and its signature (ARTIFACT and
ARTIFACT.sig; the test artifact in tests/fixtures/updater/ by default), for every Linux installer
key, and /artifact.bin; once the file named by the third argument exists, the artifact's first
byte is changed on the way (a tampered download). Prints its port on the first line, then serves
until killed.

Usage: update_server.py CERT.pem KEY.pem TAMPER_FLAG_FILE [ARTIFACT]
"""

import http.server
import json
import os
import pathlib
import ssl
import sys

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "updater"
CERT, KEY, TAMPER_FLAG = sys.argv[1], sys.argv[2], sys.argv[3]
ARTIFACT = pathlib.Path(sys.argv[4]) if len(sys.argv) > 4 else FIXTURES / "artifact.bin"


class Releases(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        port = self.server.server_address[1]
        if self.path == "/latest.json":
            signature = ARTIFACT.with_name(ARTIFACT.name + ".sig").read_text().strip()
            entry = {"url": f"https://localhost:{port}/artifact.bin", "signature": signature}
            body = json.dumps(
                {
                    "version": "9.9.9",
                    "notes": "Faster Inspector.\n<b>Not bold</b>: notes are text, never HTML.",
                    "pub_date": "2026-11-20T10:00:00Z",
                    "platforms": {
                        key: entry
                        for key in ("linux-x86_64", "linux-x86_64-deb", "linux-x86_64-rpm")
                    },
                }
            ).encode()
            kind = "application/json"
        elif self.path == "/artifact.bin":
            body = bytearray(ARTIFACT.read_bytes())
            if os.path.exists(TAMPER_FLAG):
                body[0] ^= 0x20
            body = bytes(body)
            kind = "application/octet-stream"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Releases)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
