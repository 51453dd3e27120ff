# aws-canned.py: a canned EC2 peer for the AWS tests that need no live one
# (moto_server): HTTPS, Python's standard library only, answering each EC2
# Query API request from files, as curl's tests/data does. Usage:
#   aws-canned.py ADDR PORT CERT KEY DIR LOG
# The request path names the scene: a POST to /SCENE/... is answered from
# DIR/SCENE.answers, lines "ACTION STATUS FILE" (FILE under DIR, '#' starts
# a comment). The k-th request of ACTION to one path gets the k-th of
# ACTION's lines and the last one repeats, so answers can change over time
# (DescribeInstances pending, then running); a test gives each tool run a
# path of its own (AWS_ENDPOINT_URL=https://ADDR:PORT/SCENE/N). An action
# the scene lacks gets EC2's 400 InvalidAction. Each request appends a line
# to LOG, tab-separated:
#   path action access-key-id region token
# key id and region from the Authorization header's
# Credential=KEY/DATE/REGION/ec2/aws4_request; token is "token" when an
# X-Amz-Security-Token header came; "-" for anything missing.
# The answers in tests/data/ec2 are moto_server 5.2's to a run "t0612" of the
# four EC2 tools, made as EC2 writes them (namespace .../2016-11-15/, requestId
# first, errors as <Response><Errors>, ids of 17 hex digits, TEST-NET public
# address); what moto does not answer (Debian's images, most errors) is
# written in the same shapes.
import http.server
import os
import re
import ssl
import sys
import urllib.parse

addr, port, cert, key, root, log = sys.argv[1], int(sys.argv[2]), *sys.argv[3:7]
seen = {}                       # (path, action) -> requests so far
CRED = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/ec2/aws4_request")
RID = re.compile(r"<(?:requestId|RequestID)>([^<]+)</")


def answers(scene, action):
    """The (status, file) lines of action in the scene's table."""
    path = os.path.join(root, scene + ".answers")
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            if len(line) != 3 or not line[1].isdigit():
                raise ValueError(f"{path}:{n}: want ACTION STATUS FILE")
            if line[0] == action:
                out.append((int(line[1]), line[2]))
    return out


def ec2_error(code, message):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
            f"{code}</Code><Message>{message}</Message></Error></Errors>"
            "<RequestID>canned</RequestID></Response>\n").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        action = urllib.parse.parse_qs(body).get("Action", ["-"])[0]
        cred = CRED.search(self.headers.get("Authorization", ""))
        token = "token" if self.headers.get("X-Amz-Security-Token") else "-"
        with open(log, "a") as f:
            f.write("\t".join((self.path, action, cred[1] if cred else "-",
                               cred[2] if cred else "-", token)) + "\n")
        scene = self.path.strip("/").split("/")[0]
        k = seen[(self.path, action)] = seen.get((self.path, action), 0) + 1
        ctype = "text/xml;charset=UTF-8"
        try:
            lines = answers(scene, action)
            if lines:
                status, name = lines[min(k, len(lines)) - 1]
                with open(os.path.join(root, name), "rb") as f:
                    data = f.read()
                if name.endswith(".html"):
                    ctype = "text/html"
            else:
                status, data = 400, ec2_error("InvalidAction", f"The action {action} is not valid for this web service.")
        except (OSError, ValueError) as e:
            print(f"aws-canned: {e}", file=sys.stderr)
            status, data = 500, ec2_error("InternalError", f"aws-canned: {e}")
        rid = RID.search(data.decode(errors="replace"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if rid:
            self.send_header("x-amzn-RequestId", rid[1])
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


srv = http.server.HTTPServer((addr, port), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(f"aws-canned: listening on {addr}:{port}", file=sys.stderr, flush=True)
srv.serve_forever()
