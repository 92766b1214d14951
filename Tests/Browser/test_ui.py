"""The /ui memory browser in real headless Chromium (see conftest.py)."""
import json
import re

from conftest import KEY, XSS_IMG, XSS_SCRIPT, Server, shot

from playwright.sync_api import expect


def tid(page, name):
    return page.get_by_test_id(name)


def connect(page, server, key=KEY):
    page.goto(server.url + "/ui")
    tid(page, "api-key").fill(key)
    tid(page, "connect").click()


def connected(page, server):
    connect(page, server)
    expect(tid(page, "tab-search")).to_be_visible()
    expect(tid(page, "status")).to_contain_text("Connected")


def search(page, text):
    tid(page, "search-input").fill(text)
    tid(page, "search-button").click()
    expect(tid(page, "status")).to_contain_text("result(s)")


def same_origin_only(watch, server):
    others = [u for u in watch.requests if not u.startswith(server.url + "/")]
    assert not others, f"requests left the page's origin: {others}"


def test_page_headers_and_no_key_in_storage_or_url(server, make_page):
    page, watch = make_page()
    response = page.goto(server.url + "/ui")
    assert response.status == 200
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    connected(page, server)
    assert page.evaluate("sessionStorage.getItem('aegis.apiKey')") == KEY
    assert page.evaluate("localStorage.length") == 0
    assert KEY not in page.url
    assert tid(page, "api-key").input_value() == ""  # not left in the form either
    # A reload in the same tab reconnects from sessionStorage; a new tab (context) knows no key.
    page.reload()
    expect(tid(page, "status")).to_contain_text("Connected")
    other, _ = make_page()
    other.goto(server.url + "/ui")
    assert other.evaluate("sessionStorage.getItem('aegis.apiKey')") is None
    expect(tid(other, "tab-search")).to_be_hidden()
    assert watch.errors == []
    same_origin_only(watch, server)


def test_search_detail_and_vote_reach_the_store(server, make_page):
    page, watch = make_page()
    connected(page, server)
    # The server advertises hybrid retrieval (GET /health "features"), so the switch is shown.
    expect(tid(page, "retrieval-mode")).to_be_visible()
    search(page, "how do we roll out to kubernetes?")
    rows = tid(page, "result-row")
    expect(rows.first).to_contain_text("Deploy to Kubernetes with the StatefulSet manifest")
    expect(rows.first.get_by_test_id("result-agent")).to_have_text("agent ops-agent")
    expect(rows.first.get_by_test_id("result-scope")).to_have_text("global")
    expect(rows.first.get_by_test_id("result-votes")).to_contain_text("helpful 0 · harmful 0")
    # Without an agent filter only global memories come back (the API's rule).
    assert "quarterly roadmap" not in tid(page, "results").inner_text()
    shot(page, "search-1280")
    rows.first.click()
    detail = tid(page, "memory-detail")
    expect(detail).to_be_visible()
    expect(tid(page, "detail-content")).to_have_text(re.compile("^Deploy to Kubernetes"))
    expect(tid(page, "detail-metadata")).to_contain_text("team: \"platform\"")
    expect(tid(page, "detail-metadata")).to_contain_text("oncall: true")
    shot(page, "detail-1280")
    tid(page, "vote-context").fill("worked for the 2.0 rollout")
    tid(page, "vote-helpful").click()
    expect(tid(page, "detail-helpful")).to_have_text("helpful 1")
    expect(tid(page, "detail-votes")).to_contain_text("worked for the 2.0 rollout")
    expect(tid(page, "vote-row")).to_have_count(1)
    expect(tid(page, "vote-row")).to_contain_text("helpful by aegis-ui")
    status, stored = server.call("GET", f"/memories/{server.ids['deploy']}")
    assert status == 200 and stored["bullet_helpful"] == 1 and stored["effectiveness_score"] == 0.5
    tid(page, "vote-harmful").click()
    expect(tid(page, "detail-harmful")).to_have_text("harmful 1")
    assert server.call("GET", f"/memories/{server.ids['deploy']}")[1]["bullet_harmful"] == 1
    # The votes come from the store: a fresh page shows them too.
    other, _ = make_page()
    connected(other, server)
    tid(other, "search-input").fill(server.ids["deploy"])
    tid(other, "search-button").click()
    expect(tid(other, "vote-row")).to_have_count(2)
    expect(tid(other, "detail-votes")).to_contain_text("worked for the 2.0 rollout")
    assert watch.errors == []
    same_origin_only(watch, server)


def test_filters_and_paging(server, make_page):
    page, watch = make_page()
    connected(page, server)
    tid(page, "filter-agent").fill("planner")
    search(page, "release checklist and roadmap")
    text = tid(page, "results").inner_text()
    assert "quarterly roadmap" in text and "Shared checklist" in text  # the agent's own memories, any scope
    tid(page, "filter-scope").select_option("agent-shared")
    expect(tid(page, "result-row")).to_have_count(1)
    expect(tid(page, "result-row").first).to_contain_text("Shared checklist")
    tid(page, "filter-scope").select_option("")
    tid(page, "filter-agent").fill("")
    tid(page, "filter-namespace").fill("elsewhere")
    search(page, "kubernetes")
    expect(tid(page, "results")).to_contain_text("No memory matches")
    tid(page, "filter-namespace").fill("default")
    search(page, "notes")
    count = tid(page, "result-row").count()
    assert 1 <= count <= 10
    assert watch.errors == []


def test_xss_memories_render_as_text(server, make_page):
    page, watch = make_page()
    connected(page, server)
    search(page, "quarantine note about the script tag and the image tag")
    results = tid(page, "results")
    expect(results).to_contain_text(XSS_SCRIPT)
    expect(results).to_contain_text(XSS_IMG)
    assert page.locator("#results img, #results script").count() == 0
    assert page.evaluate("window.__xss") is None
    tid(page, "result-row").filter(has_text="<img").first.click()
    expect(tid(page, "detail-content")).to_have_text(XSS_IMG)
    tid(page, "back").click()
    tid(page, "result-row").filter(has_text="<script>").first.click()
    expect(tid(page, "detail-content")).to_have_text(XSS_SCRIPT)
    expect(tid(page, "detail-metadata")).to_contain_text('<b>key</b>: "<i>value</i>"')
    assert page.locator("#view-detail b, #view-detail i, #view-detail img, #view-detail script").count() == 0
    assert page.evaluate("window.__xss") is None
    shot(page, "xss-detail-1280")
    assert watch.errors == []


def test_sessions_features_and_dashboard(server, make_page):
    page, watch = make_page()
    connected(page, server)
    tid(page, "tab-sessions").click()
    sessions = tid(page, "session-row")
    expect(sessions).to_have_count(2)
    rollout = sessions.filter(has_text="sess-rollout")
    expect(rollout.get_by_test_id("session-progress")).to_have_text("2 / 5 done (40 %)")
    expect(rollout.get_by_test_id("session-blocked")).to_contain_text("migrate")
    expect(rollout.get_by_test_id("session-blocked")).to_contain_text("waiting for DBA approval")
    expect(page.locator(".column", has_text="completed").get_by_test_id("session-row")).to_have_text(re.compile("sess-cleanup"))
    shot(page, "sessions-1280")
    tid(page, "tab-features").click()
    features = tid(page, "feature-row")
    expect(features).to_have_count(3)
    expect(features.filter(has_text="export-button")).to_contain_text("download blocked by CSP")
    expect(features.filter(has_text="login-form")).to_contain_text("passes")
    expect(page.locator("#features-summary")).to_have_text("3 feature(s): 1 passing, 1 failing, 1 in progress")
    shot(page, "features-1280")
    tid(page, "tab-dashboard").click()
    chart = tid(page, "effectiveness-chart")
    bars = chart.locator("rect.bar")
    expect(bars).to_have_count(10)
    status, stats = server.call("GET", "/memories/ace/dashboard/stats")
    values = [int(v) for v in bars.evaluate_all("els => els.map(e => e.getAttribute('data-value'))")]
    assert sum(values) == stats["total_memories"], (values, stats)
    activity = [int(v) for v in tid(page, "activity-chart").locator("rect.bar").evaluate_all("els => els.map(e => e.getAttribute('data-value'))")]
    assert activity[-1] == stats["total_memories"]  # all seeded today
    expect(tid(page, "top-helpful")).to_contain_text("Postgres connection pool")
    expect(tid(page, "top-harmful")).to_contain_text("Obsolete advice")
    expect(tid(page, "stats")).to_contain_text(str(stats["total_memories"]))
    shot(page, "dashboard-1280")
    assert watch.errors == []
    same_origin_only(watch, server)


def test_export_downloads_jsonl(server, make_page):
    page, watch = make_page()
    connected(page, server)
    tid(page, "tab-export").click()
    with page.expect_download() as info:
        tid(page, "export-button").click()
    download = info.value
    assert download.suggested_filename.endswith(".jsonl")
    lines = [json.loads(l) for l in open(download.path(), encoding="utf-8").read().splitlines() if l.strip()]
    contents = {r["content"] for r in lines}
    assert XSS_SCRIPT in contents and len(lines) == 8
    assert watch.errors == []


def test_keyboard_navigation(server, make_page):
    page, watch = make_page()
    connected(page, server)
    assert page.evaluate("document.activeElement.id") == "search-input"  # connecting leads to the query box
    page.evaluate("document.activeElement.blur()")
    assert page.evaluate("document.activeElement.id") != "search-input"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.type("exponential backoff for flaky calls")
    page.keyboard.press("Enter")
    expect(tid(page, "result-row").first).to_contain_text("Retry flaky HTTP calls")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.testid") == "result-row"
    page.keyboard.press("Enter")
    expect(tid(page, "memory-detail")).to_be_visible()
    expect(tid(page, "detail-content")).to_contain_text("Retry flaky HTTP calls")
    page.keyboard.press("Escape")
    expect(tid(page, "memory-detail")).to_be_hidden()
    assert page.evaluate("document.activeElement.dataset.testid") == "result-row"
    tid(page, "tab-search").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-sessions"
    expect(tid(page, "session-row")).to_have_count(2)
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.id") == "tab-export"
    assert watch.errors == []


def test_wrong_key_says_so(server, make_page):
    page, watch = make_page()
    connect(page, server, key="not-the-key")
    error = tid(page, "error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("The server rejected this API key (401")
    expect(error).to_contain_text("Check the key and connect again")
    expect(tid(page, "tab-search")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('aegis.apiKey')") is None
    shot(page, "wrong-key-1280")
    # The only console noise is the browser's own line about the 401 response.
    assert all("401" in e for e in watch.errors), watch.errors
    connected(page, server)  # the right key still works afterwards
    expect(error).to_be_hidden()


def test_server_gone_says_so(make_page):
    gone = Server()
    gone.start()
    try:
        page, watch = make_page()
        connected(page, gone)
        gone.stop()
        tid(page, "search-input").fill("anything")
        tid(page, "search-button").click()
        error = tid(page, "error")
        expect(error).to_contain_text("Cannot reach the Aegis server at " + gone.url)
        expect(error).to_contain_text("try again once it is back")
        tid(page, "tab-sessions").click()
        expect(error).to_contain_text("Cannot reach the Aegis server")
        shot(page, "server-gone-1280")
        assert all("ERR_CONNECTION_REFUSED" in e or "Failed to fetch" in e or "Failed to load resource" in e for e in watch.errors), watch.errors
    finally:
        gone.close()


def test_hybrid_switch_sends_retrieval_and_the_server_answers(server, make_page):
    page, watch = make_page()
    sent = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/memories/query") else None)
    connected(page, server)
    expect(tid(page, "retrieval-mode")).to_be_visible()
    search(page, "kubernetes deploy")
    page.get_by_label("hybrid").check()
    search(page, "kubernetes deploy")
    assert "retrieval" not in sent[0] and sent[1]["retrieval"] == "hybrid", sent
    # The real server answers the hybrid search (BM25 fused with the vectors).
    expect(tid(page, "result-row").first).to_contain_text("Kubernetes")
    assert watch.errors == []


def test_phone_width_is_usable(server, make_page):
    page, watch = make_page(width=390, height=844, is_mobile=True, has_touch=True, device_scale_factor=2)
    connected(page, server)
    search(page, "how do we roll out to kubernetes?")
    expect(tid(page, "result-row").first).to_contain_text("Deploy to Kubernetes")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the phone screen"
    shot(page, "search-phone")
    tid(page, "result-row").first.click()
    expect(tid(page, "memory-detail")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot(page, "detail-phone")
    tid(page, "tab-sessions").click()
    expect(tid(page, "session-row")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot(page, "sessions-phone")
    tid(page, "tab-dashboard").click()
    expect(tid(page, "effectiveness-chart").locator("rect.bar")).to_have_count(10)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot(page, "dashboard-phone")
    assert watch.errors == []


def test_deprecate_asks_first_and_is_stored(server, make_page):
    page, watch = make_page()
    connected(page, server)
    tid(page, "search-input").fill(server.ids["doomed"])  # an id opens the memory directly
    tid(page, "search-button").click()
    expect(tid(page, "memory-detail")).to_be_visible()
    tid(page, "deprecate").click()
    expect(tid(page, "confirm-deprecate")).to_be_visible()
    tid(page, "deprecate-cancel").click()
    assert server.call("GET", f"/memories/{server.ids['doomed']}")[1]["is_deprecated"] is False
    tid(page, "deprecate").click()
    tid(page, "deprecate-reason").fill("wrong advice")
    tid(page, "deprecate-confirm").click()
    expect(tid(page, "detail-deprecated")).to_have_text("yes")
    stored = server.call("GET", f"/memories/{server.ids['doomed']}")[1]
    assert stored["is_deprecated"] is True and stored["metadata"]["deprecation_reason"] == "wrong advice"
    assert watch.errors == []
