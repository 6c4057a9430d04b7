import pytest
from playwright.sync_api import expect

from deals.models import Deal
from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in
from tests.deals.test_imports import SAMPLE

pytestmark = pytest.mark.browser


def test_a_rep_imports_the_sample_file_after_its_preview_and_again_without_duplicates(
    live_server, page, transactional_db, artifacts
):
    demo_seed()
    sign_in(page, live_server, "rita")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Deals").click()
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_test_id("import-sample")).to_be_visible()

    page.get_by_label("CSV or Excel file").set_input_files(SAMPLE)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_test_id("count-new")).to_have_text("3")
    expect(page.get_by_test_id("count-errors")).to_have_text("0")
    expect(page.get_by_test_id("import-row")).to_have_count(3)
    page.screenshot(path=artifacts / "import-preview-rita.png", full_page=True)
    assert not Deal.objects.filter(external_id="CRM-D-9001").exists()

    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("Imported: 3 new")
    page.get_by_role("link", name="See your deals").click()
    expect(page.get_by_role("link", name="HV-200 valves 2027 frame contract")).to_be_visible()
    expect(page.get_by_role("link", name="Conveyor retrofit")).to_be_visible()

    page.get_by_role("link", name="Import").click()
    page.get_by_label("CSV or Excel file").set_input_files(SAMPLE)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_test_id("count-unchanged")).to_have_text("3")
    expect(page.get_by_test_id("count-new")).to_have_text("0")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-done")).to_be_visible()
    assert Deal.objects.filter(external_id="CRM-D-9001").count() == 1
