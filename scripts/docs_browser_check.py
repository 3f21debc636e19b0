"""Drives GET /docs in headless Chromium as a reader would: the page loads and lists the
operations, "Authorize" takes a bearer token, and "Try it out" on GET /api/v1/users/me answers
200 with the caller's account. Prints what it saw as JSON; saves a screenshot.

Run by the Swift test "the API reference page in a real browser" (Tests/APITests/DocsPageTests.swift).
Usage: docs_browser_check.py URL TOKEN SCREENSHOT
"""
import json
import shutil
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def main(url, token, screenshot):
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1100"):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    seen = {}
    try:
        wait = WebDriverWait(driver, 60)
        driver.get(url)
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
        seen["title"] = driver.find_element(By.CSS_SELECTOR, ".information-container .title").text
        # Swagger UI draws the tags as they scroll into view: read the operation ids down the page.
        listed, still = set(), 0
        while still < 3:
            before = len(listed)
            listed.update(element.text for element in driver.find_elements(By.CSS_SELECTOR, ".opblock-summary-operation-id"))
            at_bottom = driver.execute_script(
                "window.scrollBy(0, window.innerHeight); return window.scrollY + window.innerHeight >= document.body.scrollHeight - 2")
            still = still + 1 if at_bottom and len(listed) == before else 0
            time.sleep(0.2)
        seen["operation_ids"] = sorted(listed)
        driver.execute_script("window.scrollTo(0, 0)")

        # Authorize with the bearer token.
        driver.find_element(By.CSS_SELECTOR, ".auth-wrapper button.authorize").click()
        wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".auth-container input")))
        # The scheme of the API's tokens (the metrics token has its own).
        container = next(element for element in driver.find_elements(By.CSS_SELECTOR, ".auth-container")
                         if element.find_element(By.TAG_NAME, "h4").text.strip().startswith("bearer"))
        container.find_element(By.TAG_NAME, "input").send_keys(token)
        button = ".//div[contains(@class, 'auth-btn-wrapper')]//button[normalize-space() = '{}']"
        container.find_element(By.XPATH, button.format("Authorize")).click()
        wait.until(lambda _: container.find_elements(By.XPATH, button.format("Logout")))
        container.find_element(By.XPATH, button.format("Close")).click()

        # Try it out: GET /api/v1/users/me.
        driver.execute_script("window.scrollTo(0, 0)")
        for _ in range(400):
            found = driver.find_elements(By.CSS_SELECTOR, ".opblock[id$='-getCurrentUser']")
            if found:
                break
            driver.execute_script("window.scrollBy(0, window.innerHeight / 2)")
            time.sleep(0.1)
        operation = found[0]
        driver.execute_script("arguments[0].scrollIntoView()", operation)
        operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
        wait.until(lambda _: operation.find_elements(By.CSS_SELECTOR, "button.try-out__btn"))
        operation.find_element(By.CSS_SELECTOR, "button.try-out__btn").click()
        wait.until(lambda _: operation.find_elements(By.CSS_SELECTOR, "button.execute"))
        operation.find_element(By.CSS_SELECTOR, "button.execute").click()
        wait.until(lambda _: operation.find_elements(By.CSS_SELECTOR, ".live-responses-table .response .response-col_status"))
        seen["try_status"] = operation.find_element(By.CSS_SELECTOR, ".live-responses-table .response .response-col_status").text.strip()
        seen["try_body"] = operation.find_element(By.CSS_SELECTOR, ".live-responses-table .response .response-col_description pre").text
        seen["curl"] = operation.find_element(By.CSS_SELECTOR, ".curl-command").text
        driver.save_screenshot(screenshot)
        seen["console_errors"] = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    finally:
        driver.quit()
    print(json.dumps(seen))


if __name__ == "__main__":
    main(*sys.argv[1:4])
