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


def test_a_file_with_errors_is_imported_only_once_the_rep_skips_the_bad_rows(
    live_server, page, transactional_db, tmp_path
):
    demo_seed()
    crm = tmp_path / "crm.csv"
    crm.write_text(
        "customer_name,deal_external_id,deal_title,deal_scope,estimated_value\n"
        "Journey Pumps AG,J-1,Journey valves,200 valves,5000\n"
        "Journey Pumps AG,J-2,Journey pumps,20 pumps,minus five\n"
    )
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/imports/")
    page.get_by_label("CSV or Excel file").set_input_files(crm)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_test_id("count-errors")).to_have_text("1")
    expect(page.get_by_test_id("import-rows")).to_contain_text("estimated_value: Enter a number.")
    import_button = page.get_by_role("button", name="Import")
    expect(import_button).to_be_disabled()
    page.get_by_label("Skip the rows with errors and import the others").check()
    expect(import_button).to_be_enabled()
    import_button.click()
    expect(page.get_by_test_id("import-done")).to_contain_text("1 row with errors was skipped")
    assert Deal.objects.filter(external_id="J-1").exists()
    assert not Deal.objects.filter(external_id="J-2").exists()
