# throttle-server.py: an HTTPS endpoint that answers like a throttled EC2,
# for the retry test (moto cannot be made to throttle). Usage:
#   throttle-server.py ADDR PORT CERT KEY FAILS LOG [ANSWER]
# The first FAILS requests get EC2 error responses, alternately
# 400 RequestLimitExceeded and 503 Unavailable; later ones ANSWER:
#   empty      (default) an empty DescribeInstances answer
#   foreign    status 200 with a document that is no DescribeInstances answer
#   multiline  400 UnauthorizedOperation whose message spans two lines
# Each request's arrival time (s) goes to LOG.
import http.server
import ssl
import sys
import time

addr, port, cert, key, fails, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
answer = sys.argv[7] if len(sys.argv) > 7 else "empty"
count = 0


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        count += 1
        with open(log, "a") as f:
            f.write(f"{time.monotonic():.3f}\n")
        if count <= fails:
            code, err = (400, "RequestLimitExceeded") if count % 2 else (503, "Unavailable")
            body = (f"<Response><Errors><Error><Code>{err}</Code><Message>Request limit "
                    f"exceeded.</Message></Error></Errors><RequestID>req-{count}</RequestID></Response>")
        elif answer == "foreign":
            code = 200
            body = ("<Response><Errors><Error><Code>AuthFailure</Code><Message>x</Message></Error>"
                    f"</Errors><RequestID>req-{count}</RequestID></Response>")
        elif answer == "multiline":
            code = 400
            body = ("<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>line one\n"
                    f"line two</Message></Error></Errors><RequestID>req-{count}</RequestID></Response>")
        else:
            code = 200
            body = ('<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                    f"<requestId>req-{count}</requestId><reservationSet/></DescribeInstancesResponse>")
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


srv = http.server.HTTPServer((addr, port), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
