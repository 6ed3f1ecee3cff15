"""`facepipe report` in a real headless Chromium (Debian's, installed by `make setup-browser`):
the boxes the page draws are the faces the store holds, nothing errs in the console, and
hostile names, dataIds, messages and EXIF stay text."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By

from pipeline.errors import UnsupportedImageFormatError
from pipeline.jobs import JobOutcome, JobSpec
from pipeline.report import write_report
from pipeline.settings import Settings
from pipeline.sources import ImageRef, Sources
from pipeline.store import ResultStore
from tests.support import face_jpeg

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FACEPIPE = Path(sys.executable).with_name("facepipe")
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
SCRIPT_BREAK = "</script><script>document.title='pwned'</script>&lt;b&gt;"


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: `make test` installs it (setup-browser)")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=ChromeService(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: webdriver.Chrome) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_the_sample_run_report_draws_every_stored_face(
    browser: webdriver.Chrome, tmp_path: Path
) -> None:
    run = subprocess.run(
        [str(FACEPIPE), "run", "--sample", "-w", "1", "--report", "report.html"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    results = [json.loads(line) for line in (tmp_path / "facepipe-results.jsonl").open()]
    faces = sum(len((r["result"] or {}).get("faces") or []) for r in results)
    qualified = sum(
        face["qualified"] for r in results for face in (r["result"] or {}).get("faces") or []
    )
    assert faces > 0
    browser.get((tmp_path / "report.html").as_uri())
    assert len(browser.find_elements(By.CSS_SELECTOR, ".card")) == len(results)
    assert len(browser.find_elements(By.CSS_SELECTOR, "rect.face")) == faces
    assert len(browser.find_elements(By.CSS_SELECTOR, "rect.face.qualified")) == qualified
    failed = browser.find_elements(By.CSS_SELECTOR, ".card.failed")
    assert [card.text for card in failed if "415 UnsupportedImageFormat" in card.text]
    assert browser.save_screenshot(str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert console_errors(browser) == []
    # The filter hides what does not match.
    browser.find_element(By.CSS_SELECTOR, "#status-filter option[value=failed]").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, ".card")) == 1


def sideways_face() -> bytes:
    """A face photo stored landscape, with EXIF saying it must be turned to portrait."""
    image = Image.open(io.BytesIO(face_jpeg())).rotate(90, expand=True).resize((300, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    exif[0x010E] = HOSTILE  # ImageDescription
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_hostile_names_data_ids_messages_and_exif_stay_text(
    browser: webdriver.Chrome, tmp_path: Path
) -> None:
    folder = tmp_path / HOSTILE
    folder.mkdir()
    photo = folder / '"><svg onload="document.title=\'pwned\'">.jpg'
    photo.write_bytes(sideways_face())
    store = ResultStore.open(f"sqlite:///{tmp_path / 'store.db'}")
    good, bad = store.submit(
        [
            JobSpec("detect", ImageRef(str(photo), data_id=HOSTILE)),
            JobSpec("detect", ImageRef(str(folder / "x.tif"), data_id=SCRIPT_BREAK)),
        ],
        queue="bulk",
    )
    face = {
        "location": {"x": 10, "y": 10, "w": 50, "h": 60},
        "quality": {"blur": 1.0, "pitch": 0, "yaw": 0, "roll": 0},
        "qualified": False,
        "reasons": [HOSTILE],
        "glasses": {"value": HOSTILE, "rate": 0.5},
    }
    store.claim(good.task_id, "d1")
    store.complete(good.task_id, "d1", JobOutcome({"code": 200, "faces": [face]}, 1, 0))
    store.claim(bad.task_id, "d2")
    store.fail(bad.task_id, "d2", UnsupportedImageFormatError(HOSTILE), {"code": 415})
    output = tmp_path / "hostile.html"
    stats = write_report(store.find(), Sources(Settings()), output, title=HOSTILE)
    assert (stats.images, stats.faces) == (2, 1)
    assert "</script><script>" not in output.read_text()
    browser.get(output.as_uri())
    assert browser.title == HOSTILE  # the text, not a renamed document
    assert len(browser.find_elements(By.TAG_NAME, "script")) == 2
    assert not browser.find_elements(By.CSS_SELECTOR, ".card img[src=x]")
    page_text = browser.find_element(By.TAG_NAME, "body").text
    assert f"dataId: {HOSTILE}" in page_text
    assert f"dataId: {SCRIPT_BREAK}" in page_text
    assert f"415 UnsupportedImageFormat: {HOSTILE}" in page_text
    thumb = browser.find_element(By.CSS_SELECTOR, ".card img")
    width, height = int(thumb.get_attribute("width")), int(thumb.get_attribute("height"))
    assert height > width  # EXIF orientation applied: the landscape file shows portrait
    assert console_errors(browser) == []
    store.close()
    shutil.rmtree(folder)
