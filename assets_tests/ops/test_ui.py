"""The UI end to end, in a real browser: ``dagster dev`` on a temporary home, every stage
group's assets drawn in headless Chromium, an intake run launched through the GraphQL API
(DagsterGraphQLClient) and watched to success, a screenshot of the run.

It installs what it needs when missing: Debian's ``chromium`` and ``chromium-driver`` (apt, as
root) and ``selenium`` (the ``dev`` extra). Nothing downloads a browser or a driver at run
time: Selenium is handed /usr/bin/chromedriver, so Selenium Manager is never consulted.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from assets_tests.ops.ops_support import (
    INSTANCE_YAML,
    LOCATION,
    DagsterServer,
    ensure_browser,
    graphql,
    headless_chromium,
    prompt_rows,
    wait_for_runs,
    wait_until,
    write_jsonl,
)

pytestmark = [
    pytest.mark.e2e,
    # gql (under DagsterGraphQLClient) deprecates the call style the client still uses
    pytest.mark.filterwarnings("ignore:Using variable_values:DeprecationWarning"),
]

STAGE_GROUPS = {"intake", "datasets", "sft", "reward", "rlhf", "distill", "evaluation"}
_ASSET_NODES = """{ assetNodes { assetKey { path } groupName } }"""


def _groups(url: str) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for node in graphql(url, _ASSET_NODES)["assetNodes"]:
        groups.setdefault(node["groupName"], set()).add("/".join(node["assetKey"]["path"]))
    return groups


def _dismiss_dialogs(driver) -> None:
    """The first visit shows a 'Join the Dagster community' dialog; skip it if it is there."""
    from selenium.webdriver.common.by import By

    for button in driver.find_elements(By.XPATH, "//button[normalize-space()='Skip']"):
        if button.is_displayed():
            button.click()


def _page_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def test_ops_ui_draws_every_stage_and_runs_intake_from_graphql(tmp_path: Path):
    ensure_browser()
    from dagster import DagsterInstance
    from dagster_graphql import DagsterGraphQLClient

    from safety_assets.defs.intake.batch_partitions import annotation_batches
    from safety_assets.intake.inbox import batch_key, sha256_of
    from safety_assets.storage.warehouse import Warehouse

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(INSTANCE_YAML, home / "dagster.yaml")
    timings: dict[str, float] = {}
    started = time.monotonic()
    with DagsterServer(home) as server:
        timings["server_up"] = time.monotonic() - started
        groups = _groups(server.url)
        assert STAGE_GROUPS <= set(groups), sorted(groups)
        stage_groups = sorted(STAGE_GROUPS)

        with headless_chromium(tmp_path / "chromium-profile") as driver:
            # The global lineage lists every group ...
            driver.get(f"{server.url}/asset-groups")
            wait_until(lambda: all(g in _page_text(driver) for g in stage_groups), 90,
                       "the global lineage to list every group")
            _dismiss_dialogs(driver)
            # ... and each group's own lineage page draws every asset of the group.
            for group in stage_groups:
                driver.get(f"{server.url}/locations/{LOCATION}/asset-groups/{group}")
                try:
                    wait_until(lambda g=group: groups[g] <= _asset_names_drawn(driver, groups[g]),
                               60, f"the assets of group {group!r} to be drawn")
                except TimeoutError:
                    driver.save_screenshot(str(tmp_path / f"group-{group}.png"))
                    missing = groups[group] - _asset_names_drawn(driver, groups[group])
                    pytest.fail(f"group {group}: not drawn: {sorted(missing)} (screenshot in "
                                f"{tmp_path}); page text:\n{_page_text(driver)[:3000]}")
                _dismiss_dialogs(driver)
            timings["graph_checked"] = time.monotonic() - started

            # Launch an intake run through the GraphQL API: the inbox sensor is stopped first
            # (through GraphQL too) so that the only run of the batch is ours.
            assert server.stop_sensor("annotation_inbox_sensor") == "STOPPED"
            rows = prompt_rows("ui", 12)
            path = write_jsonl(home / "inbox" / "ui-batch.jsonl", rows, bad_lines=1)
            key = batch_key(path.name, sha256_of(path))
            with DagsterInstance.from_config(str(home)) as instance:
                instance.add_dynamic_partitions(annotation_batches.name, [key])
            client = DagsterGraphQLClient("127.0.0.1", port_number=server.port, timeout=60)
            run_id = client.submit_job_execution(
                "annotation_intake", tags={"dagster/partition": key})
            statuses = wait_for_runs(client, [run_id], timeout=240, server=server)
            assert statuses == {run_id: "SUCCESS"}, server.log_tail()
            timings["run_succeeded"] = time.monotonic() - started

            store = Warehouse(home / "warehouse.duckdb")
            landed = store.query("SELECT id FROM prompts WHERE batch_id = ?", [key])
            assert sorted(landed["id"]) == sorted(r["id"] for r in rows)
            assert store.query("SELECT count(*) n FROM quarantine")["n"][0] == 1

            # The run page shows it succeeded; keep a screenshot of it.
            driver.get(f"{server.url}/runs/{run_id}")
            wait_until(lambda: "raw_annotations" in _page_text(driver)
                       and "Success" in _page_text(driver), 60, "the run page")
            _dismiss_dialogs(driver)
            screenshot = tmp_path / "ui-run.png"
            assert driver.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 0
            print(f"\nscreenshot of run {run_id}: {screenshot}")
            graph_shot = tmp_path / "ui-intake-graph.png"
            driver.get(f"{server.url}/locations/{LOCATION}/asset-groups/intake")
            wait_until(lambda: "raw_annotations" in _page_text(driver), 60, "the intake graph")
            _dismiss_dialogs(driver)
            time.sleep(1.0)   # let the freshly materialized status render
            driver.save_screenshot(str(graph_shot))
            print(f"screenshot of the intake graph: {graph_shot}")
    timings["server_stopped"] = time.monotonic() - started
    assert server.process is not None and server.process.poll() is not None
    print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))



def _asset_names_drawn(driver, names: set[str]) -> set[str]:
    """Which of ``names`` label a node on the page. A node's title is a line of its own; a
    long one is shortened in the middle ('rejection_s…_model')."""
    lines = {line.strip() for line in _page_text(driver).splitlines()}
    drawn = names & lines
    for line in lines:
        if line.count("\u2026") == 1:
            head, tail = line.split("\u2026")
            drawn |= {n for n in names if len(n) > len(line) - 1
                      and n.startswith(head) and n.endswith(tail)}
    return drawn
