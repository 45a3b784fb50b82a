"""Signs requests with botocore's S3SigV4Auth, the reference the Swift signer is compared with.

Reads a JSON document from the file named by the first argument:
  {"timestamp": "20240102T030405Z",
   "requests": [{"method": "PUT", "origin": "http://127.0.0.1:9000", "bucket": "b" or null,
                 "key": "raw key" or null, "params": [["name", "raw value"], ...],
                 "headers": {"Name": "value"}, "body_base64": "...",
                 "region": "us-east-1", "access_key": "...", "secret_key": "...", "token": null}]}
`bucket` is the path-style bucket segment (null for virtual-hosted URLs). The URL is built the
way botocore's serializer builds it: the key percent-encoded with '/' and '~' kept.
Prints a JSON list with, per request, every header botocore's signed request carries.
"""

import base64
import datetime
import json
import sys

import botocore.auth
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode


def sign(spec, timestamp):
    path = ""
    if spec.get("bucket"):
        path += "/" + spec["bucket"]
    if spec.get("key") is not None:
        path += "/" + percent_encode(spec["key"], safe="/~")
    elif not path:
        path = "/"
    request = AWSRequest(
        method=spec["method"],
        url=spec["origin"] + path,
        headers=dict(spec.get("headers", {})),
        data=base64.b64decode(spec.get("body_base64", "")),
        params=[tuple(pair) for pair in spec.get("params", [])],
    )
    credentials = Credentials(spec["access_key"], spec["secret_key"], spec.get("token"))
    botocore.auth.get_current_datetime = lambda: timestamp
    S3SigV4Auth(credentials, "s3", spec["region"]).add_auth(request)
    return {name: value for name, value in request.headers.items()}


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        document = json.load(handle)
    timestamp = datetime.datetime.strptime(document["timestamp"], "%Y%m%dT%H%M%SZ")
    json.dump([sign(spec, timestamp) for spec in document["requests"]], sys.stdout)


if __name__ == "__main__":
    main()
