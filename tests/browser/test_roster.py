"""A district admin uploads the SIS bundle, sees the result and the rejected rows; the pages pass axe."""

import io
import zipfile
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, sign_in_as_admin

DATA = Path(__file__).parent.parent / "roster" / "data"


def test_admin_uploads_a_bundle_and_reads_the_rejected_rows(page, world, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    archive = tmp_path / "sis.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in (DATA / "broken").iterdir():
            z.write(f, f.name)
    sign_in_as_admin(page, world)
    page.get_by_role("link", name="Imports").first.click()
    expect(page.get_by_role("heading", name="Imports from the school's system")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("File").set_input_files(str(archive))
    page.get_by_role("button", name="Start the import").click()
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    table = page.get_by_role("table").last
    expect(table).to_contain_text("nadia(at)example.org")
    expect(table).to_contain_text("missing student for an agent")
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    text = Path(download.value.path()).read_text()
    assert "users.csv,13,agentSourcedIds,s99" in text
    assert io.StringIO(text).readline().startswith("severity,file,line")
