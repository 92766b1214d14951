// Aegis Memory browser (docs/ui.md). Plain JavaScript, no dependencies; nothing is ever parsed as HTML or run as code:
// every value from the server is put into the page with textContent / setAttribute, so stored
// content such as <script> or <img onerror=…> shows as text. The API key lives in
// sessionStorage (this tab only), never in a URL or in storage that outlives the tab.
"use strict";
(function () {
  const KEY_SLOT = "aegis.apiKey";
  const PAGE_SIZE = 10;
  const FETCH_K = 100; // the query API's top_k maximum; pages are slices of these results
  // Extension point: the server advertises hybrid retrieval in GET /health "features"; only then
  // is the dense/hybrid switch shown and `"retrieval": "hybrid"` sent (docs/ui.md).
  const HYBRID_FEATURES = ["hybrid_retrieval", "hybrid"];
  const SESSION_COLUMNS = ["active", "paused", "completed", "failed"];
  const FEATURE_COLUMNS = ["not_started", "in_progress", "blocked", "testing", "complete", "failed"];
  const SVG = "http://www.w3.org/2000/svg";

  const $ = (id) => document.getElementById(id);
  const state = { key: null, hybrid: false, results: [], page: 0, view: "search", memory: null, lastQuery: null };

  // ---- DOM helpers (text only) -------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") e.textContent = String(v);
      else if (k === "onclick") e.addEventListener("click", v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function clear(node) { node.replaceChildren(); return node; }
  function fmtScore(x) { return typeof x === "number" ? x.toFixed(3) : "—"; }
  function fmtEff(x) { return typeof x === "number" ? (x > 0 ? "+" : "") + x.toFixed(2) : "—"; }
  function effClass(x) { return x > 0 ? "good" : x < 0 ? "bad" : ""; }
  function fmtTime(s) { return s ? String(s).replace("T", " ").replace(/\.\d+/, "").replace("+00:00", "Z") : "—"; }

  // ---- messages ----------------------------------------------------------------------------
  function status(text) { $("status").textContent = text || ""; }
  function showError(text) { const e = $("error"); e.textContent = text; e.hidden = false; }
  function clearError() { const e = $("error"); e.textContent = ""; e.hidden = true; }

  class ApiError extends Error {
    constructor(kind, message, statusCode) { super(message); this.kind = kind; this.status = statusCode; }
  }

  function describeDetail(body, code) {
    if (body && typeof body.detail === "string") return body.detail;
    if (body && Array.isArray(body.detail)) {
      return body.detail.map((d) => (Array.isArray(d.loc) ? d.loc.join(".") + ": " : "") + (d.msg || d.type)).join("\n");
    }
    return "HTTP " + code;
  }

  // ---- the JSON API ------------------------------------------------------------------------
  async function api(method, path, body, opts) {
    const headers = { "Accept": "application/json" };
    if (state.key) headers["Authorization"] = "Bearer " + state.key;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store", credentials: "omit" });
    } catch (e) {
      throw new ApiError("gone", "Cannot reach the Aegis server at " + location.origin +
        " — it has stopped or the network is down. Nothing was changed; try again once it is back.");
    }
    if (opts && opts.raw && res.ok) return res;
    let data = null;
    const text = await res.text();
    if (text) { try { data = JSON.parse(text); } catch (_) { data = null; } }
    if (res.status === 401) {
      throw new ApiError("auth", "The server rejected this API key (401: " + describeDetail(data, 401) +
        "). Check the key and connect again.", 401);
    }
    if (res.status === 429) {
      throw new ApiError("limit", "Rate limit reached (429): " + describeDetail(data, 429) +
        ". Retry after " + (res.headers.get("Retry-After") || "a few") + " s.", 429);
    }
    if (!res.ok) throw new ApiError("http", describeDetail(data, res.status) + " (HTTP " + res.status + ")", res.status);
    return data;
  }

  function fail(e) {
    if (e && e.kind === "auth") { disconnect(false); }
    showError(e && e.message ? e.message : String(e));
    status("");
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
    const s = q.toString();
    return s ? "?" + s : "";
  }

  // ---- connect -----------------------------------------------------------------------------
  async function connect(key) {
    state.key = key;
    clearError();
    status("Connecting…");
    try {
      const stats = await api("GET", "/memories/ace/dashboard/stats" + query({ namespace: "default" }));
      let health = null;
      try { health = await api("GET", "/health"); } catch (_) { health = null; }
      sessionStorage.setItem(KEY_SLOT, key);
      $("api-key").value = "";
      state.hybrid = !!(health && Array.isArray(health.features) && health.features.some((f) => HYBRID_FEATURES.includes(f)));
      $("retrieval").hidden = !state.hybrid;
      $("intro").hidden = true;
      $("tabs").hidden = false;
      $("disconnect").hidden = false;
      $("key-entry").hidden = true;
      status("Connected" + (health ? " to Aegis " + health.version : "") + " — " + stats.total_memories +
        " memories in namespace default" + (state.hybrid ? "; hybrid retrieval available" : ""));
      selectView(state.view === "detail" ? "search" : state.view, false);
      if (state.view === "search") $("search-input").focus();
      return true;
    } catch (e) {
      state.key = null;
      if (e.kind === "auth") sessionStorage.removeItem(KEY_SLOT);
      fail(e);
      return false;
    }
  }

  function disconnect(clearMessage) {
    state.key = null;
    sessionStorage.removeItem(KEY_SLOT);
    $("tabs").hidden = true;
    for (const v of document.querySelectorAll(".view")) v.hidden = true;
    $("intro").hidden = false;
    $("disconnect").hidden = true;
    $("key-entry").hidden = false;
    if (clearMessage) { clearError(); status("Disconnected; the key was removed from this tab."); }
    $("api-key").focus();
  }

  // ---- views -------------------------------------------------------------------------------
  function selectView(view, focusTab) {
    state.view = view;
    for (const t of document.querySelectorAll("#tabs [role=tab]")) {
      const on = t.dataset.view === view;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      if (on && focusTab) t.focus();
    }
    for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== "view-" + view;
    if (view === "sessions") loadSessions();
    else if (view === "features") loadFeatures();
    else if (view === "dashboard") loadDashboard();
  }

  // ---- search ------------------------------------------------------------------------------
  async function search() {
    const text = $("search-input").value.trim();
    if (!text) { $("search-input").focus(); return; }
    clearError();
    if (/^[0-9a-f]{32}$/i.test(text)) { openMemory(text.toLowerCase()); return; }
    const body = { query: text, namespace: $("filter-namespace").value.trim() || "default", top_k: FETCH_K };
    const agent = $("filter-agent").value.trim();
    if (agent) body.agent_id = agent;
    if (state.hybrid) {
      const mode = document.querySelector("input[name=retrieval]:checked");
      if (mode && mode.value === "hybrid") body.retrieval = "hybrid";
    }
    status("Searching…");
    $("search-button").disabled = true;
    try {
      const r = await api("POST", "/memories/query", body);
      state.lastQuery = body;
      state.results = r.memories || [];
      state.page = 0;
      renderResults();
      status(state.results.length + " result(s) in " + Math.round(r.query_time_ms) + " ms");
    } catch (e) { fail(e); } finally { $("search-button").disabled = false; }
  }

  function filtered() {
    const scope = $("filter-scope").value, type = $("filter-type").value;
    return state.results.filter((m) => (!scope || m.scope === scope) && (!type || (m.memory_type || "standard") === type));
  }

  function renderResults() {
    const list = clear($("results"));
    const rows = filtered();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    if (state.page >= pages) state.page = pages - 1;
    const slice = rows.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE);
    if (state.lastQuery && rows.length === 0) list.append(el("li", { class: "empty", text: "No memory matches this query and these filters." }));
    slice.forEach((m, i) => {
      const row = el("li", { class: "result", "data-testid": "result-row", "data-id": m.id, tabindex: 0, role: "button",
        "aria-label": "Result " + (state.page * PAGE_SIZE + i + 1) + ", score " + fmtScore(m.score) + ": open memory" },
      el("span", { class: "score", title: "cosine similarity", text: fmtScore(m.score) }),
      el("span", { class: "content", "data-testid": "result-content", text: m.content }),
      el("span", { class: "meta" },
        el("span", { "data-testid": "result-agent", text: "agent " + (m.agent_id || "—") }),
        el("span", { class: "badge", "data-testid": "result-scope", text: m.scope }),
        el("span", { class: "badge", text: m.memory_type || "standard" }),
        el("span", { title: "helpful / harmful votes", "data-testid": "result-votes", text: "helpful " + (m.bullet_helpful || 0) + " · harmful " + (m.bullet_harmful || 0) }),
        el("span", { class: "eff " + effClass(m.effectiveness_score), title: "effectiveness", "data-testid": "result-effectiveness", text: "eff " + fmtEff(m.effectiveness_score) }),
        el("span", { text: "ns " + m.namespace }),
        el("span", { text: fmtTime(m.created_at) })));
      row.addEventListener("click", () => openMemory(m.id));
      list.append(row);
    });
    $("page-label").textContent = rows.length ? "Page " + (state.page + 1) + " of " + pages + " (" + rows.length + " shown of " + state.results.length + " fetched)" : "";
    $("prev-page").disabled = state.page === 0;
    $("next-page").disabled = state.page >= pages - 1;
  }

  // ---- memory detail -----------------------------------------------------------------------
  function tree(value) {
    if (value === null || value === undefined) return el("span", { class: "empty", text: "—" });
    if (typeof value !== "object") return el("span", { class: "mono", text: JSON.stringify(value) });
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    if (entries.length === 0) return el("span", { class: "empty", text: Array.isArray(value) ? "[]" : "{}" });
    const ul = el("ul", { class: "tree", role: "tree" });
    for (const [k, v] of entries) {
      ul.append(el("li", { role: "treeitem" }, el("span", { class: "k", text: k + ": " }), tree(v)));
    }
    return ul;
  }

  function list(values) {
    if (!values || values.length === 0) return el("span", { class: "empty", text: "none" });
    const span = el("span", { class: "meta" });
    for (const v of values) span.append(el("span", { class: "badge", text: v }));
    return span;
  }

  async function openMemory(id) {
    clearError();
    status("Loading memory…");
    try {
      const m = await api("GET", "/memories/" + encodeURIComponent(id));
      state.memory = m;
      renderMemory(m);
      await loadVotes(m.id);
      for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== "view-detail";
      $("back").focus();
      status("");
    } catch (e) { fail(e); }
  }

  function renderMemory(m) {
    $("detail-title").textContent = "Memory " + m.id + (m.is_deprecated ? " (deprecated)" : "");
    const dl = clear($("detail-fields"));
    const add = (label, node, testid) => { dl.append(el("dt", { text: label }), el("dd", testid ? { "data-testid": testid } : {}, node)); };
    const text = (v) => (v === null || v === undefined || v === "" ? el("span", { class: "empty", text: "—" }) : document.createTextNode(String(v)));
    add("content", text(m.content), "detail-content");
    add("id", text(m.id));
    add("agent_id", text(m.agent_id));
    add("user_id", text(m.user_id));
    add("namespace", text(m.namespace));
    add("scope", el("span", { class: "badge", text: m.scope }));
    add("memory_type", text(m.memory_type || "standard"));
    add("votes", el("span", {}, el("span", { class: "badge good", "data-testid": "detail-helpful", text: "helpful " + m.bullet_helpful }), " ",
      el("span", { class: "badge bad", "data-testid": "detail-harmful", text: "harmful " + m.bullet_harmful })));
    add("effectiveness_score", el("span", { class: "eff " + effClass(m.effectiveness_score), "data-testid": "detail-effectiveness", text: fmtEff(m.effectiveness_score) }));
    add("shared_with_agents", list(m.shared_with_agents));
    add("derived_from_agents (handoff)", list(m.derived_from_agents));
    add("metadata", tree(m.metadata), "detail-metadata");
    add("coordination_metadata", tree(m.coordination_metadata));
    add("created_at", text(fmtTime(m.created_at)));
    add("updated_at", text(fmtTime(m.updated_at)));
    add("expires_at", text(m.expires_at ? fmtTime(m.expires_at) : null));
    add("is_deprecated", el("span", { class: m.is_deprecated ? "badge warn" : "badge", "data-testid": "detail-deprecated", text: m.is_deprecated ? "yes" : "no" }));
    add("superseded_by", text(m.superseded_by));
    $("deprecate").disabled = !!m.is_deprecated;
    $("confirm-deprecate").hidden = true;
  }

  async function loadVotes(id) {
    const list = clear($("detail-votes"));
    const r = await api("GET", "/memories/ace/votes/" + encodeURIComponent(id));
    if (!state.memory || state.memory.id !== id) return;
    if (r.votes.length === 0) list.append(el("li", { class: "empty", text: "no votes yet" }));
    if (r.total > r.votes.length) list.append(el("li", { class: "empty", text: "the newest " + r.votes.length + " of " + r.total + " votes:" }));
    for (const v of r.votes) {
      list.append(el("li", { "data-testid": "vote-row" }, el("span", { class: "badge " + (v.vote === "helpful" ? "good" : "bad"), text: v.vote }),
        " by " + v.voter_agent_id + " at " + fmtTime(v.created_at) + (v.task_id ? " · task " + v.task_id : "") + (v.context ? " — " + v.context : "")));
    }
  }

  async function vote(kind) {
    const m = state.memory;
    if (!m) return;
    const voter = $("voter").value.trim();
    if (!voter) { showError("Enter the agent id to vote as (voter_agent_id)."); $("voter").focus(); return; }
    const body = { vote: kind, voter_agent_id: voter };
    const context = $("vote-context").value.trim();
    if (context) body.context = context;
    clearError();
    try {
      const r = await api("POST", "/memories/ace/vote/" + encodeURIComponent(m.id), body);
      Object.assign(m, { bullet_helpful: r.bullet_helpful, bullet_harmful: r.bullet_harmful, effectiveness_score: r.effectiveness_score });
      renderMemory(m);
      await loadVotes(m.id);
      $("vote-context").value = "";
      status("Voted " + kind + ": now helpful " + r.bullet_helpful + ", harmful " + r.bullet_harmful + ", effectiveness " + fmtEff(r.effectiveness_score));
      const cached = state.results.find((x) => x.id === m.id);
      if (cached) Object.assign(cached, { bullet_helpful: r.bullet_helpful, bullet_harmful: r.bullet_harmful, effectiveness_score: r.effectiveness_score });
    } catch (e) { fail(e); }
  }

  async function deprecate() {
    const m = state.memory;
    if (!m) return;
    const op = { type: "deprecate", memory_id: m.id };
    const reason = $("deprecate-reason").value.trim();
    if (reason) op.deprecation_reason = reason;
    clearError();
    try {
      const r = await api("POST", "/memories/ace/delta", { operations: [op] });
      const res = r.results && r.results[0];
      if (!res || !res.success) throw new ApiError("http", "Deprecation failed: " + (res && res.error ? res.error : "no result"));
      state.results = state.results.filter((x) => x.id !== m.id);
      await openMemory(m.id);
      status("Memory deprecated; searches no longer return it.");
    } catch (e) { fail(e); }
  }

  function back() {
    state.memory = null;
    selectView("search", false);
    renderResults();
    const first = document.querySelector("[data-testid=result-row]");
    if (first) first.focus(); else $("search-input").focus();
  }

  // ---- sessions and features boards --------------------------------------------------------
  function board(container, columns, items, statusOf, card) {
    clear(container);
    for (const col of columns) {
      const mine = items.filter((x) => statusOf(x) === col);
      const c = el("section", { class: "column", "aria-label": col.replace("_", " ") + " (" + mine.length + ")" },
        el("h3", {}, el("span", { text: col.replace("_", " ") }), el("span", { class: "badge", text: mine.length })));
      if (mine.length === 0) c.append(el("p", { class: "empty", text: "none" }));
      for (const x of mine) c.append(card(x));
      container.append(c);
    }
  }

  function blockedText(b) {
    if (b && typeof b === "object") return Object.entries(b).map(([k, v]) => k + ": " + v).join(", ");
    return String(b);
  }

  async function loadSessions() {
    clearError();
    const container = $("sessions-board");
    try {
      const r = await api("GET", "/memories/ace/dashboard/sessions" + query({ namespace: $("sessions-namespace").value.trim() || "default",
        agent_id: $("sessions-agent").value.trim(), limit: 200 }));
      const sessions = r.sessions || [];
      board(container, SESSION_COLUMNS, sessions, (s) => s.status, (s) => {
        const card = el("article", { class: "card", "data-testid": "session-row", "data-id": s.session_id, tabindex: 0 },
          el("div", { class: "title", text: s.session_id }),
          el("div", { class: "small", text: "agent " + (s.agent_id || "—") + " · updated " + fmtTime(s.updated_at) }),
          el("progress", { max: Math.max(1, s.total_items || 0), value: s.completed_count || 0, "aria-label": "progress" }),
          el("div", { class: "small", "data-testid": "session-progress", text: (s.completed_count || 0) + " / " + (s.total_items || 0) + " done (" + (s.progress_percent || 0) + " %)" }));
        if (s.in_progress_item) card.append(el("div", { class: "small", text: "▶ " + s.in_progress_item }));
        if (s.next_items && s.next_items.length) card.append(el("div", { class: "small", text: "next: " + s.next_items.join(", ") }));
        if (s.blocked_items && s.blocked_items.length) {
          const ul = el("ul", { class: "blocked", "data-testid": "session-blocked", "aria-label": "blocked items" });
          for (const b of s.blocked_items) ul.append(el("li", { text: "blocked — " + blockedText(b) }));
          card.append(ul);
        }
        if (s.summary) card.append(el("div", { class: "small", text: s.summary }));
        return card;
      });
      status(sessions.length + " session(s)");
    } catch (e) { clear(container); fail(e); }
  }

  async function loadFeatures() {
    clearError();
    const container = $("features-board");
    try {
      const r = await api("GET", "/memories/ace/features" + query({ namespace: $("features-namespace").value.trim() || "default",
        session_id: $("features-session").value.trim() }));
      const features = r.features || [];
      $("features-summary").textContent = r.total + " feature(s): " + r.passing + " passing, " + r.failing + " failing, " + r.in_progress + " in progress";
      board(container, FEATURE_COLUMNS, features, (f) => f.status, (f) => {
        const card = el("article", { class: "card", "data-testid": "feature-row", "data-id": f.feature_id, tabindex: 0 },
          el("div", { class: "title", text: f.feature_id }),
          el("div", { text: f.description }),
          el("div", { class: "meta" },
            el("span", { class: "badge " + (f.passes ? "good" : ""), text: f.passes ? "passes" : "not passing" }),
            f.category ? el("span", { class: "badge", text: f.category }) : null,
            f.session_id ? el("span", { text: "session " + f.session_id }) : null));
        if (f.implemented_by || f.verified_by) card.append(el("div", { class: "small", text: "by " + (f.implemented_by || "—") + ", verified by " + (f.verified_by || "—") }));
        if (f.failure_reason) card.append(el("div", { class: "blocked", text: "✗ " + f.failure_reason }));
        return card;
      });
      status(features.length + " feature(s)");
    } catch (e) { clear(container); fail(e); }
  }

  // ---- dashboard ---------------------------------------------------------------------------
  function barChart(container, bars, opts) {
    clear(container);
    const W = 560, H = 200, pad = { l: 34, r: 8, t: 10, b: 36 };
    let max = Math.max(1, ...bars.map((b) => b.value));
    if (max > 1 && max % 2) max += 1; // whole numbers on the middle grid line
    const root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": opts.label });
    root.append(svg("title", {}, opts.label + ": " + bars.map((b) => b.label + " " + b.value).join(", ")));
    const plotW = W - pad.l - pad.r, plotH = H - pad.t - pad.b, bw = plotW / Math.max(1, bars.length);
    for (const f of [0, 0.5, 1]) {
      const y = pad.t + plotH * (1 - f);
      root.append(svg("line", { x1: pad.l, x2: W - pad.r, y1: y, y2: y }));
      root.append(svg("text", { x: pad.l - 4, y: y + 4, "text-anchor": "end" }, Math.round(max * f)));
    }
    bars.forEach((b, i) => {
      const h = plotH * b.value / max;
      const rect = svg("rect", { class: "bar " + (b.cls || ""), x: pad.l + i * bw + 2, y: pad.t + plotH - h, width: Math.max(1, bw - 4), height: h, "data-value": b.value });
      rect.append(svg("title", {}, b.label + ": " + b.value));
      root.append(rect);
      if (bars.length <= 16 || i % Math.ceil(bars.length / 8) === 0) {
        root.append(svg("text", { x: pad.l + i * bw + bw / 2, y: H - pad.b + 14, "text-anchor": "middle" }, b.label));
      }
    });
    container.append(root);
  }

  function topList(container, items, field) {
    clear(container);
    const top = items.filter((x) => (x[field] || 0) > 0).sort((a, b) => b[field] - a[field]).slice(0, 5);
    if (top.length === 0) container.append(el("li", { class: "empty", text: "no votes yet" }));
    for (const x of top) {
      container.append(el("li", {}, el("button", { type: "button", onclick: () => openMemory(x.id), text: x.content_preview }),
        " ", el("span", { class: "meta", text: "helpful " + x.bullet_helpful + " · harmful " + x.bullet_harmful + " · eff " + fmtEff(x.effectiveness_score) + " · " + (x.agent_id || "—") })));
    }
  }

  async function loadDashboard() {
    clearError();
    const ns = $("dashboard-namespace").value.trim() || "default", agent = $("dashboard-agent").value.trim();
    try {
      const [stats, activity] = await Promise.all([
        api("GET", "/memories/ace/dashboard/stats" + query({ namespace: ns, agent_id: agent })),
        api("GET", "/memories/ace/dashboard/activity" + query({ namespace: ns, agent_id: agent, limit: 1000 }))]);
      const cards = clear($("stats"));
      const card = (n, l) => cards.append(el("div", { class: "stat" }, el("div", { class: "n", text: n }), el("div", { class: "l", text: l })));
      card(stats.total_memories, "memories");
      card(stats.recent_activity_count, "added in 24 h");
      card(stats.total_reflections, "reflections");
      card(stats.total_strategies, "strategies");
      card(stats.active_sessions !== undefined ? stats.active_sessions : "—", "active sessions");
      if (stats.features) card(stats.features.passing + " / " + stats.features.total, "features passing");
      if (stats.votes) card(stats.votes.helpful + " / " + stats.votes.harmful, "helpful / harmful votes");
      if (stats.eval) card(fmtEff(stats.eval.retrieval_precision), "retrieval precision");
      const items = activity.items || [];
      // Activity over time: memories created per day, the last 14 days (UTC).
      const days = [];
      const today = new Date();
      for (let i = 13; i >= 0; i--) {
        const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i));
        days.push(d.toISOString().slice(0, 10));
      }
      const perDay = new Map(days.map((d) => [d, 0]));
      for (const x of items) { const d = String(x.created_at || "").slice(0, 10); if (perDay.has(d)) perDay.set(d, perDay.get(d) + 1); }
      barChart($("activity-chart"), days.map((d) => ({ label: d.slice(5), value: perDay.get(d) })), { label: "Memories created per day" });
      // Effectiveness distribution: 10 bins over −1…1.
      const bins = new Array(10).fill(0);
      for (const x of items) {
        const e = typeof x.effectiveness_score === "number" ? x.effectiveness_score : 0;
        bins[Math.min(9, Math.max(0, Math.floor((e + 1) / 0.2)))] += 1;
      }
      barChart($("effectiveness-chart"), bins.map((n, i) => ({ label: (-1 + i * 0.2).toFixed(1), value: n, cls: i < 5 ? (i === 4 ? "" : "bad") : (i === 5 ? "" : "good") })),
        { label: "Memories by effectiveness score" });
      topList($("top-helpful"), items, "bullet_helpful");
      topList($("top-harmful"), items, "bullet_harmful");
      status("Dashboard: newest " + items.length + " memories charted");
    } catch (e) { fail(e); }
  }

  // ---- export ------------------------------------------------------------------------------
  async function exportJSONL() {
    clearError();
    const body = { format: "jsonl", include_expired: $("export-expired").checked };
    const ns = $("export-namespace").value.trim(), agent = $("export-agent").value.trim();
    if (ns) body.namespace = ns;
    if (agent) body.agent_id = agent;
    status("Exporting…");
    try {
      const res = await api("POST", "/memories/export", body, { raw: true });
      const blob = await res.blob();
      const disposition = res.headers.get("Content-Disposition") || "";
      const m = /filename=([^;]+)/.exec(disposition);
      const a = el("a", { href: URL.createObjectURL(blob), download: m ? m[1].trim() : "aegis_export.jsonl", hidden: true });
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      status("Exported " + blob.size + " bytes");
    } catch (e) { fail(e); }
  }

  // ---- keyboard ----------------------------------------------------------------------------
  function onTabKey(ev) {
    const tabs = Array.from(document.querySelectorAll("#tabs [role=tab]"));
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    let j = null;
    if (ev.key === "ArrowRight") j = (i + 1) % tabs.length;
    else if (ev.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
    else if (ev.key === "Home") j = 0;
    else if (ev.key === "End") j = tabs.length - 1;
    if (j === null) return;
    ev.preventDefault();
    selectView(tabs[j].dataset.view, true);
  }

  function onResultKey(ev) {
    const row = ev.target.closest && ev.target.closest("[data-testid=result-row]");
    if (!row) return;
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); openMemory(row.dataset.id); }
    else if (ev.key === "ArrowDown" && row.nextElementSibling) { ev.preventDefault(); row.nextElementSibling.focus(); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); (row.previousElementSibling || $("search-input")).focus(); }
  }

  function onGlobalKey(ev) {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement && document.activeElement.tagName);
    if (ev.key === "Escape" && !$("view-detail").hidden) { ev.preventDefault(); back(); return; }
    if (ev.key === "Escape" && !$("confirm-deprecate").hidden) { $("confirm-deprecate").hidden = true; return; }
    if (ev.key === "/" && !typing && state.key) { ev.preventDefault(); selectView("search", false); $("search-input").focus(); }
    if (ev.key === "ArrowDown" && document.activeElement === $("search-input")) {
      const first = document.querySelector("[data-testid=result-row]");
      if (first) { ev.preventDefault(); first.focus(); }
    }
  }

  // ---- wiring ------------------------------------------------------------------------------
  function init() {
    $("connect-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const key = $("api-key").value.trim();
      if (!key) { showError("Paste an API key first."); $("api-key").focus(); return; }
      connect(key);
    });
    $("disconnect").addEventListener("click", () => disconnect(true));
    $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); search(); });
    for (const id of ["filter-scope", "filter-type"]) $(id).addEventListener("change", () => { state.page = 0; renderResults(); });
    $("prev-page").addEventListener("click", () => { state.page -= 1; renderResults(); });
    $("next-page").addEventListener("click", () => { state.page += 1; renderResults(); });
    $("results").addEventListener("keydown", onResultKey);
    $("tabs").addEventListener("keydown", onTabKey);
    for (const t of document.querySelectorAll("#tabs [role=tab]")) t.addEventListener("click", () => selectView(t.dataset.view, false));
    $("back").addEventListener("click", back);
    $("vote-helpful").addEventListener("click", () => vote("helpful"));
    $("vote-harmful").addEventListener("click", () => vote("harmful"));
    $("deprecate").addEventListener("click", () => { $("confirm-deprecate").hidden = false; $("deprecate-reason").focus(); });
    $("deprecate-no").addEventListener("click", () => { $("confirm-deprecate").hidden = true; $("deprecate").focus(); });
    $("deprecate-yes").addEventListener("click", deprecate);
    $("sessions-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadSessions(); });
    $("features-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadFeatures(); });
    $("dashboard-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadDashboard(); });
    $("export-form").addEventListener("submit", (ev) => { ev.preventDefault(); exportJSONL(); });
    document.addEventListener("keydown", onGlobalKey);
    const saved = sessionStorage.getItem(KEY_SLOT);
    if (saved) connect(saved); else $("api-key").focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
