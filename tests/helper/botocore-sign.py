# botocore-sign.py: the reference signer for t0602. For each
# "action<TAB>x-amz-date<TAB>body" line on stdin, signs a POST of that body
# to $AWS_ENDPOINT_URL with botocore's own SigV4Auth at that very time, the
# credentials and region taken from the environment (never from argv), and
# prints "action Authorization". The body is rebuilt from its decoded pairs
# by botocore's AWSRequest (urlencode), so a difference in our encoding shows.
import datetime
import os
import sys
from unittest import mock
from urllib.parse import parse_qsl

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"],
                    os.environ.get("AWS_SESSION_TOKEN") or None)
region = os.environ.get("AWS_REGION") or os.environ["AWS_DEFAULT_REGION"]
url = os.environ["AWS_ENDPOINT_URL"]
for line in sys.stdin:
    action, amzdate, body = line.rstrip("\n").split("\t", 2)
    pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=True)
    if len(dict(pairs)) != len(pairs):
        sys.exit(f"{action}: a key appears twice")
    req = AWSRequest(method="POST", url=url, data=dict(pairs),
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    when = datetime.datetime.strptime(amzdate, "%Y%m%dT%H%M%SZ")
    if hasattr(botocore.auth, "get_current_datetime"):
        clock = mock.patch.object(botocore.auth, "get_current_datetime", return_value=when)
    else:   # older botocore (Debian 12's python3-botocore) asks datetime.datetime.utcnow()
        frozen = type("frozen", (datetime.datetime,), {"utcnow": classmethod(lambda cls: when)})
        clock = mock.patch.object(botocore.auth, "datetime", mock.Mock(datetime=frozen))
    with clock:
        botocore.auth.SigV4Auth(creds, "ec2", region).add_auth(req)
    prepared = req.prepare()
    sent = prepared.body.decode() if isinstance(prepared.body, bytes) else prepared.body
    if sent != body:
        print(f"{action} BODY-DIFFERS botocore={sent!r} ours={body!r}")
        continue
    print(action, req.headers["Authorization"])
