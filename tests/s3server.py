"""A local S3-compatible server for the object-storage tests: moto in server mode, a real process
on a free loopback port, with a private bucket made for the test."""

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

BUCKET = "liaison-media"
KEY_ID, SECRET = "testing-key-id", "testing-secret-key"  # moto accepts any; nothing leaves loopback
REGION = "us-east-1"


@dataclass
class S3Server:
    url: str

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            region_name=REGION,
        )

    def stored_keys(self) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=BUCKET)
        return sorted(o["Key"] for o in listed.get("Contents", []))

    def env(self) -> dict[str, str]:
        """The settings that put Liaison's uploads in this server's bucket."""
        return {
            "LIAISON_MEDIA_STORAGE": "s3",
            "LIAISON_S3_BUCKET": BUCKET,
            "LIAISON_S3_ENDPOINT_URL": self.url,
            "LIAISON_S3_REGION": REGION,
            "LIAISON_S3_ACCESS_KEY_ID": KEY_ID,
            "LIAISON_S3_SECRET_ACCESS_KEY": SECRET,
        }

    def storage_setting(self) -> dict:
        """STORAGES["default"] as settings.py makes it from env()."""
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": self.url,
                "region_name": REGION,
                "access_key": KEY_ID,
                "secret_key": SECRET,
                "location": "",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def s3_server() -> Iterator[S3Server]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = S3Server(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(server.url, timeout=2).close()  # noqa: S310 - loopback
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the local S3 server (moto) did not start") from None
                time.sleep(0.2)
        server.client().create_bucket(Bucket=BUCKET)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
