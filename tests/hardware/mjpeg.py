"""A real MJPEG-over-HTTP camera stream on 127.0.0.1, shared by the hardware and kiosk tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np


class MjpegServer:
    """A real MJPEG stream (multipart/x-mixed-replace of JPEGs) on 127.0.0.1.

    ``stall()`` keeps connections open but stops sending, the case where a read
    blocks inside FFmpeg; ``stop()`` closes everything, as a camera unplugged
    from the network would.
    """

    def __init__(self, fps: float = 20.0, port: int = 0) -> None:
        self.stopping = threading.Event()
        self.stalled = threading.Event()
        self.frames_sent = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # else each frame waits ~40 ms for an ACK

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
                self.end_headers()
                index = 0
                while not server.stopping.wait(1 / fps):
                    if server.stalled.is_set():
                        continue
                    image = np.full((120, 160, 3), (index * 10) % 256, dtype=np.uint8)
                    jpeg = cv2.imencode(".jpg", image)[1].tobytes()
                    head = f"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}"
                    try:
                        self.wfile.write(head.encode() + b"\r\n\r\n" + jpeg + b"\r\n")
                        self.wfile.flush()
                    except OSError:
                        return  # the client went away
                    index += 1
                    server.frames_sent += 1

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/stream.mjpg"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stall(self) -> None:
        self.stalled.set()

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
