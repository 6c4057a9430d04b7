"""Counting what a journey costs: full page loads and clicks, from the home page on.

A journey starts on the signed-in home page, which is load 0. Each document the main frame then
loads (a link followed, a form posted, a redirect's landing page) is one more load; an htmx swap
loads no document and so is not one. Every click goes through ``Journey.click``, which counts it.
"""

from playwright.sync_api import Locator, Page, expect


class Journey:
    def __init__(self, page: Page):
        self.page = page
        self.loads: list[str] = []
        self.clicks: list[str] = []
        expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
        # The home page's own load event has fired before counting starts: it is load 0.
        page.wait_for_load_state("load")
        page.on("load", self._loaded)

    def _loaded(self, page: Page) -> None:
        self.loads.append(page.url.removeprefix(self._origin()))

    def _origin(self) -> str:
        url = self.page.url
        return url[: url.index("/", url.index("//") + 2)]

    def click(self, locator: Locator, what: str = "") -> None:
        self.clicks.append(what or str(locator))
        locator.click()

    def page_loads(self) -> int:
        """The loads so far, once the page now shown has finished loading."""
        self.page.wait_for_load_state("load")
        return len(self.loads)

    def within(self, *, loads: int | None = None, clicks: int | None = None) -> None:
        """Fail when the journey cost more than its budget, naming what it loaded and clicked."""
        spent = self.page_loads()
        pages = "\n  ".join(f"{n}. {url}" for n, url in enumerate(self.loads, start=1)) or "(none)"
        clicked = "\n  ".join(f"{n}. {what}" for n, what in enumerate(self.clicks, start=1)) or "(none)"
        report = f"{spent} page loads after home:\n  {pages}\n{len(self.clicks)} clicks:\n  {clicked}"
        if loads is not None:
            assert spent <= loads, f"over the budget of {loads} page loads. {report}"
        if clicks is not None:
            assert len(self.clicks) <= clicks, f"over the budget of {clicks} clicks. {report}"
        print(report)
