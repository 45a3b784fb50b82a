"""Prepares a moto server for the S3 target tests.

Usage: moto_s3_setup.py ENDPOINT BUCKET [--authenticate]
Creates the bucket. With --authenticate, first creates an IAM user allowed every S3 action and
an access key for it, and afterwards asks moto to authenticate every later request (moto then
verifies SigV4 signatures with botocore and refuses a wrong secret with SignatureDoesNotMatch);
prints {"access_key_id", "secret_access_key"} of that user.
"""

import json
import sys
import urllib.request

import boto3

endpoint, bucket = sys.argv[1], sys.argv[2]
authenticate = "--authenticate" in sys.argv[3:]
session = boto3.session.Session(aws_access_key_id="setup", aws_secret_access_key="setup", region_name="us-east-1")
session.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
if authenticate:
    iam = session.client("iam", endpoint_url=endpoint)
    iam.create_user(UserName="backup")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_user_policy(UserName="backup", PolicyName="s3-everything", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="backup")["AccessKey"]
    request = urllib.request.Request(
        endpoint + "/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
    )
    urllib.request.urlopen(request, timeout=10).read()
    json.dump({"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}, sys.stdout)
