# metrics-server.py: a stand-in for a host's /metrics in the stat-collect
# tests: HTTP on ADDR:PORT (Python's standard library), answering the k-th
# GET /metrics with DIR/k (1, 2, 3, ...), the last file again once they run
# out, so each scrape of a test sees the fixture it was written for,
# whatever the timing. A file named k.hang makes the k-th answer wait 30 s
# (a host that accepts but does not answer). Usage:
#   metrics-server.py ADDR PORT DIR
import http.server
import os
import sys
import time

addr, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        global count
        if self.path != "/metrics":
            self.send_error(404)
            return
        count += 1
        if os.path.exists(os.path.join(root, "%d.hang" % count)):
            time.sleep(30)
            return
        n = count
        while n > 1 and not os.path.exists(os.path.join(root, str(n))):
            n -= 1
        with open(os.path.join(root, str(n)), "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer((addr, port), Handler).serve_forever()
