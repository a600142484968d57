"""The district admin's menu, the longest there is, fits a 1366 × 768 screen (the most common
laptop size in schools): nothing runs off the side, no item breaks over two lines, and the
menu keeps to one row, with the counts and the account beside it."""

from playwright.sync_api import expect

from tests.browser.conftest import sign_in_as_admin

MEASURE = """() => {
  const bar = document.querySelector('.topbar');
  const links = [...bar.querySelectorAll('.mainnav a')];
  const rect = (el) => el.getBoundingClientRect();
  return {
    pageWidth: document.documentElement.scrollWidth,
    barOverflow: bar.scrollWidth - bar.clientWidth,
    barHeight: rect(bar).height,
    labels: links.map((a) => a.textContent.trim()),
    broken: links.filter((a) => a.getClientRects().length > 1 || rect(a).height > 40)
                 .map((a) => a.textContent.trim()),
    outside: links.filter((a) => rect(a).right > window.innerWidth || rect(a).left < 0)
                  .map((a) => a.textContent.trim()),
    rows: new Set(links.map((a) => Math.round(rect(a).top))).size,
    countsMiddle: (rect(bar.querySelector('.nav-counts')).top + rect(bar.querySelector('.nav-counts')).bottom) / 2,
    accountMiddle: (rect(bar.querySelector('.account')).top + rect(bar.querySelector('.account')).bottom) / 2,
  };
}"""


def _assert_fits(found):
    assert len(found["labels"]) >= 8, found  # the admin sees the whole menu
    assert found["pageWidth"] <= 1366, found
    assert found["barOverflow"] <= 0, found
    assert found["outside"] == [], found
    assert found["broken"] == [], found
    assert found["rows"] == 1, found
    # The counts and the account share the row below, level with each other: two rows in all.
    assert abs(found["countsMiddle"] - found["accountMiddle"]) <= 12, found
    assert found["barHeight"] <= 120, found


def test_the_district_admins_menu_fits_a_1366_wide_screen(page, world):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in_as_admin(page, world)
    page.goto(page.base_url + "/")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator(".topbar .nav-counts a").first).to_be_visible()  # the counts load after
    _assert_fits(page.evaluate(MEASURE))

    # In Spanish the words are longer; the menu still fits.
    world.admin.interface_language = "es"
    world.admin.save(update_fields=["interface_language"])
    page.goto(page.base_url + "/")
    expect(page.get_by_role("navigation", name="Principal")).to_be_visible()
    expect(page.locator(".topbar .nav-counts a").first).to_be_visible()
    found = page.evaluate(MEASURE)
    assert "Hoy" in found["labels"], found
    _assert_fits(found)
