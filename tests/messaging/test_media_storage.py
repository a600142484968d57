"""Families' pictures and files in an S3-compatible bucket (LIAISON_MEDIA_STORAGE=s3), against a
local S3 server (moto) on loopback: kept in the private bucket, served only to staff the access
policy lets in, and gone from the bucket when the family's record is erased."""

import pytest
from django.test import override_settings
from django.urls import reverse

from liaison.audit.services import erase_household
from liaison.messaging import media
from liaison.messaging.models import Attachment
from tests.messaging.factories import family
from tests.messaging.test_mms_media import PNG, text_with_media
from tests.s3server import s3_server


@pytest.fixture(scope="module")
def s3():
    with s3_server() as server:
        yield server


@pytest.fixture
def bucket(s3, settings):
    with override_settings(STORAGES={**settings.STORAGES, "default": s3.storage_setting()}):
        yield s3
    client = s3.client()
    for key in s3.stored_keys():
        client.delete_object(Bucket="liaison-media", Key=key)


def test_a_picture_sent_by_text_is_kept_in_the_bucket_and_served_to_permitted_staff_only(
    client, world, gateway, bucket, django_capture_on_commit_callbacks
):
    _household, (mum,) = family(world.district, guardians=1, site=world.school)
    url = gateway.add_media(PNG, "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        text_with_media(client, mum.phone, "MM300", url)
    attachment = Attachment.objects.get(message__guardian=mum)
    assert media.fetch(attachment.pk) is True
    attachment.refresh_from_db()

    [key] = bucket.stored_keys()
    assert key == attachment.file.name and key.startswith("messaging/")
    stored = bucket.client().get_object(Bucket="liaison-media", Key=key)["Body"].read()
    assert stored == PNG
    # The bucket is private: its object cannot be read without the keys.
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{bucket.url}/liaison-media/{key}", timeout=10)  # noqa: S310
    assert refused.value.code == 403

    download_url = reverse("messaging:attachment", args=[attachment.pk])
    client.force_login(world.admin)
    download = client.get(download_url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    client.force_login(world.teacher)  # no child of this family in her class
    assert client.get(download_url).status_code == 404
    client.force_login(world.outsider)
    assert client.get(download_url).status_code == 404


def test_erasing_a_family_deletes_its_files_from_the_bucket(
    client, world, gateway, bucket, django_capture_on_commit_callbacks
):
    household, (mum,) = family(world.district, guardians=1)
    _other, (neighbour,) = family(world.district, name="Nguyen", guardians=1)
    for guardian, sid in [(mum, "MM301"), (neighbour, "MM302")]:
        with django_capture_on_commit_callbacks(execute=True):
            text_with_media(client, guardian.phone, sid, gateway.add_media(PNG, "image/png"))
    for attachment in Attachment.objects.all():
        assert media.fetch(attachment.pk) is True
    kept_for_neighbour = Attachment.objects.get(message__guardian=neighbour).file.name
    assert len(bucket.stored_keys()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        erase_household(household=household, by=world.admin)

    assert bucket.stored_keys() == [kept_for_neighbour]
