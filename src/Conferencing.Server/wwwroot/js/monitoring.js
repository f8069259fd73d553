// Technician dashboard: one snapshot on (re)connect or change of scope, then one batch of diffs a
// second. Rows are built once per snapshot and patched in place; every batch is applied in one
// animation frame, and only cells whose text changed are written, so 3,500 endpoints updating
// every second do not freeze the page. Subtree counts are kept incrementally (a change walks up
// its site's path), never recounted. window.monitoringStats says how long applying took.
(function () {
  "use strict";
  const root = document.getElementById("monitoring");
  if (!root) { return; }
  const labels = JSON.parse(root.dataset.labels);
  const culture = root.dataset.culture || "vi-VN";
  const tbody = document.getElementById("endpoint-rows");
  const filter = document.getElementById("filter");
  const scopeSelect = document.getElementById("scope");
  const meetingLink = document.getElementById("meeting-link");
  const connectionLabel = root.querySelector("[data-testid=connection]");
  const alarmList = document.getElementById("alarm-list");
  const actionBar = document.getElementById("actions");
  const outcome = document.getElementById("action-outcome");
  const scopeError = document.getElementById("scope-error");
  const timeFormat = new Intl.DateTimeFormat(culture, { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  const dateTimeFormat = new Intl.DateTimeFormat(culture, { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  const one = new Intl.NumberFormat(culture, { maximumFractionDigits: 1 });
  const whole = new Intl.NumberFormat(culture, { maximumFractionDigits: 0 });
  const STATES = ["Reachable", "Registered", "InCall", "Degraded", "Offline", "Unknown"];
  const stats = window.monitoringStats = { batches: 0, lastApplyMs: 0, maxApplyMs: 0, totalApplyMs: 0, rows: 0 };

  let canAct = false;
  let scope = { siteCode: root.dataset.site || null, meetingId: root.dataset.meeting || null };
  let selected = null;
  let frame = 0;
  const sites = new Map();       // code -> { code, name, parentCode, level, path: [codes root..self], row, counts, total }
  const rows = new Map();        // endpoint id -> { row, cells, site, state, search, values: [] }
  const alarms = new Map();
  const pendingStatus = new Map();
  const pendingCalls = new Map(); // endpoint -> figures, or null when the call ended
  const dirtySites = new Set();

  // The same folding as VietnameseText.Fold on the server (tones, hats and đ gone, lower case, one
  // space between words), so what a technician types matches the names the server folded.
  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function setText(entry, index, text, cls) {
    if (entry.values[index] !== text) {
      entry.values[index] = text;
      entry.cells[index].textContent = text;
    }
    if (cls !== undefined && entry.classes[index] !== cls) {
      entry.classes[index] = cls;
      entry.cells[index].className = cls;
    }
  }

  // ---- building from a snapshot -------------------------------------------------------------

  function build(snapshot) {
    sites.clear(); rows.clear(); pendingStatus.clear(); pendingCalls.clear(); dirtySites.clear();
    const children = new Map();
    const known = new Set(snapshot.sites.map(s => s.code));
    for (const s of snapshot.sites) {
      // A subtree's root has its parent outside the snapshot: it is drawn as a top row.
      const parent = s.parentCode && known.has(s.parentCode) ? s.parentCode : "";
      sites.set(s.code, { code: s.code, name: s.name, parentCode: parent || null, level: s.level, path: [], row: null, counts: {}, total: 0 });
      if (!children.has(parent)) { children.set(parent, []); }
      children.get(parent).push(s.code);
    }
    for (const site of sites.values()) {
      for (let c = site; c; c = c.parentCode ? sites.get(c.parentCode) : null) { site.path.unshift(c.code); }
    }
    const bySite = new Map();
    for (const e of snapshot.endpoints) {
      if (!bySite.has(e.siteCode)) { bySite.set(e.siteCode, []); }
      bySite.get(e.siteCode).push(e);
    }
    const withEndpoints = new Set();
    for (const code of bySite.keys()) { for (const c of (sites.get(code) || { path: [] }).path) { withEndpoints.add(c); } }

    const fragment = document.createDocumentFragment();
    const byName = (a, b) => sites.get(a).name.localeCompare(sites.get(b).name, culture);
    function visit(code, depth) {
      if (!withEndpoints.has(code)) { return; }
      const site = sites.get(code);
      const header = document.createElement("tr");
      header.className = "site";
      header.dataset.site = code;
      header.innerHTML = "<td colspan='8'><span class='name'></span><span class='counts'></span></td>";
      header.firstChild.style.paddingLeft = (0.4 + depth) + "rem";
      header.querySelector(".name").textContent = site.name;
      site.row = header;
      fragment.appendChild(header);
      for (const e of (bySite.get(code) || []).sort((a, b) => a.sipUri.localeCompare(b.sipUri))) {
        fragment.appendChild(endpointRow(e, site, depth + 1));
      }
      for (const child of (children.get(code) || []).sort(byName)) { visit(child, depth + 1); }
    }
    for (const top of (children.get("") || []).sort(byName)) { visit(top, 0); }
    // Endpoints of sites outside the tree (should not happen) still show, at the end.
    tbody.replaceChildren(fragment);
    stats.rows = rows.size;

    for (const status of snapshot.statuses) { pendingStatus.set(status.e, status); }
    for (const meeting of snapshot.calls) { for (const leg of meeting.legs) { pendingCalls.set(leg.e, leg); } }
    for (const site of sites.values()) { dirtySites.add(site.code); }
    applyFilter();
    schedule();
  }

  function endpointRow(e, site, depth) {
    const row = document.createElement("tr");
    row.dataset.endpoint = e.id;
    row.dataset.site = e.siteCode;
    row.style.setProperty("--depth", depth);
    row.innerHTML = "<td class='uri'></td><td><span class='badge'></span></td><td class='num'></td><td class='num'></td><td class='num'></td><td class='num'></td><td class='num'></td><td class='since'></td>";
    const name = e.displayName && e.displayName !== e.sipUri ? e.displayName + " · " + e.sipUri : e.sipUri;
    row.cells[0].textContent = name;
    const entry = {
      id: e.id, row, name, site, state: null, search: fold(site.path.map(c => (sites.get(c) || {}).name).join(" ") + " " + name),
      cells: [row.cells[1].firstChild, row.cells[2], row.cells[3], row.cells[4], row.cells[5], row.cells[6], row.cells[7]],
      values: [], classes: [], badge: "",
    };
    rows.set(e.id, entry);
    for (const code of site.path) { const s = sites.get(code); s.counts.Unknown = (s.counts.Unknown || 0) + 1; s.total++; }
    entry.state = "Unknown";
    row.addEventListener("click", () => select(entry));
    setCallCells(entry, null);
    return row;
  }

  // ---- applying diffs -------------------------------------------------------------------------

  function applyStatus(status) {
    const entry = rows.get(status.e);
    if (!entry) { return; }
    if (entry.state !== status.s) {
      for (const code of entry.site.path) {
        const s = sites.get(code);
        s.counts[entry.state]--;
        s.counts[status.s] = (s.counts[status.s] || 0) + 1;
        dirtySites.add(code);
      }
      entry.state = status.s;
    }
    entry.presence = status;
    paintBadge(entry);
    setText(entry, 6, timeFormat.format(new Date(status.t * 1000)));
    if (!entry.call) {
      setText(entry, 3, status.r == null ? "—" : one.format(status.r) + " ms", "num");
    }
  }

  // A site of a live meeting that dropped out or was hung up is not ready, whatever its room's
  // presence says: the meeting's one truth (LiveMeetings.SiteMeetingState, GET /api/live-sites)
  // overrides presence on its rows. Polled each second: a few hundred sites at most, and only
  // while the page is open.
  const phases = new Map(); // endpoint id -> { phase, color, text }
  const shortTime = new Intl.DateTimeFormat(culture, { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
  async function pollPhases() {
    try {
      const response = await fetch("/api/live-sites", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) {
        const next = new Map();
        for (const s of await response.json()) {
          if (s.phase !== "HeldOut" && s.phase !== "Dropped") { continue; }
          const text = s.phase === "HeldOut" && s.heldBy
            ? labels.heldOutBy.replace("{0}", s.heldBy).replace("{1}", shortTime.format(new Date(s.heldUtc)))
            : labels["phase" + s.phase];
          for (const id of s.endpoints) { next.set(id, { phase: s.phase, color: s.color, text }); }
        }
        const touched = new Set([...phases.keys(), ...next.keys()]);
        phases.clear();
        for (const [id, value] of next) { phases.set(id, value); }
        for (const id of touched) { const entry = rows.get(id); if (entry && entry.presence) { paintBadge(entry); } }
      }
    } catch (e) {
      // The server is restarting or the link dropped: the next poll tries again.
    }
    setTimeout(pollPhases, 1000);
  }
  pollPhases();

  function paintBadge(entry) {
    // A leg still being set up shows as such; otherwise presence decides (InCall, Degraded...).
    const leg = entry.call && entry.call.s !== "Connected" ? entry.call.s : null;
    const phase = phases.get(entry.id);
    const state = phase ? phase.phase : leg || entry.state;
    const text = phase ? phase.text : labels[state] || state;
    if (entry.badge !== state) {
      entry.badge = state;
      entry.cells[0].className = phase ? "badge phase-" + phase.color : "badge state-" + state.toLowerCase();
      entry.row.dataset.state = state;
    }
    setText(entry, 0, text);
    entry.cells[0].title = entry.presence && entry.presence.w ? entry.presence.w : "";
  }

  function fmtPair(a, b, format) {
    if (a == null && b == null) { return "—"; }
    return (a == null ? "—" : format.format(a)) + " / " + (b == null ? "—" : format.format(b));
  }

  function setCallCells(entry, f) {
    entry.call = f;
    if (!f) {
      setText(entry, 1, "—", "num"); setText(entry, 2, "—", "num"); setText(entry, 4, "—", "num"); setText(entry, 5, "—", "num");
      setText(entry, 3, entry.presence && entry.presence.r != null ? one.format(entry.presence.r) + " ms" : "—", "num");
    } else {
      const loss = Math.max(f.li || 0, f.lo || 0);
      setText(entry, 1, fmtPair(f.li, f.lo, one) + (f.li == null && f.lo == null ? "" : " %"), "num" + (loss >= 5 ? " bad" : loss >= 1 ? " warn" : ""));
      setText(entry, 2, f.j == null ? "—" : one.format(f.j) + " ms", "num" + (f.j >= 50 ? " bad" : f.j >= 30 ? " warn" : ""));
      setText(entry, 3, f.r == null ? "—" : whole.format(f.r) + " ms", "num");
      setText(entry, 4, fmtPair(f.bi, f.bo, whole), "num" + (f.s === "Connected" && f.bi === 0 ? " bad" : ""));
      setText(entry, 5, f.k == null ? "—" : whole.format(f.k) + " s", "num");
    }
    if (entry.presence) { paintBadge(entry); }
  }

  function paintSite(site) {
    if (!site.row) { return; }
    const c = site.counts;
    const up = (c.Reachable || 0) + (c.Registered || 0) + (c.InCall || 0) + (c.Degraded || 0);
    let text = up + "/" + site.total + " " + labels.endpoints;
    const parts = [];
    for (const state of ["InCall", "Degraded", "Offline"]) { if (c[state]) { parts.push(c[state] + " " + labels[state]); } }
    if (parts.length) { text += " · " + parts.join(" · "); }
    const counts = site.row.querySelector(".counts");
    if (counts.textContent !== text) {
      counts.textContent = text;
      counts.classList.toggle("bad", (c.Offline || 0) > 0);
    }
  }

  function totals() {
    const top = [...sites.values()].filter(s => !s.parentCode || !sites.has(s.parentCode));
    for (const state of STATES) {
      const cell = root.querySelector("[data-testid=count-" + state.toLowerCase() + "]");
      if (cell) {
        const n = top.reduce((sum, s) => sum + (s.counts[state] || 0), 0);
        if (cell.textContent !== String(n)) { cell.textContent = n; }
      }
    }
  }

  function flush() {
    frame = 0;
    const started = performance.now();
    for (const status of pendingStatus.values()) { applyStatus(status); }
    pendingStatus.clear();
    for (const [id, figures] of pendingCalls) {
      const entry = rows.get(id);
      if (entry) { setCallCells(entry, figures); }
    }
    pendingCalls.clear();
    for (const code of dirtySites) { const s = sites.get(code); if (s) { paintSite(s); } }
    dirtySites.clear();
    totals();
    const took = performance.now() - started;
    stats.batches++; stats.lastApplyMs = took; stats.totalApplyMs += took; stats.maxApplyMs = Math.max(stats.maxApplyMs, took);
  }

  function schedule() { if (!frame) { frame = requestAnimationFrame(flush); } }

  function onChanges(batch) {
    for (const status of batch.endpoints) { pendingStatus.set(status.e, status); }
    for (const meeting of batch.calls) { for (const leg of meeting.legs) { pendingCalls.set(leg.e, leg); } }
    for (const id of batch.callsEnded) { pendingCalls.set(id, null); }
    schedule();
  }

  // ---- alarms ---------------------------------------------------------------------------------

  function siteName(code) { const s = sites.get(code); return s ? s.path.filter(c => sites.get(c).level !== "Province").map(c => sites.get(c).name).join(" › ") || s.name : code; }

  // The rules write their detail in English; outside English the kind's name says it, and a loss
  // alarm keeps its figure, written the reader's way.
  function alarmDetail(alarm) {
    if (labels.english === "true" || !labels[alarm.kind]) { return alarm.message ? " · " + alarm.message : ""; }
    const loss = alarm.kind === "call.loss" && /^loss ([\d.]+) %/.exec(alarm.message || "");
    if (loss) { return " · " + labels.alarmLoss.replace("{0}", one.format(parseFloat(loss[1]))); }
    // A room device's alarm starts with the device's own name (as the site named it): which one it is.
    const device = /^(room-device|projector)\./.test(alarm.kind) && /^([^:]+):/.exec(alarm.message || "");
    return device ? " · " + device[1] : "";
  }

  // How long it has been going on: "since" the time it was raised, with the day when not today.
  function alarmSince(alarm) {
    const raised = new Date(alarm.raisedUtc);
    const today = new Date().toDateString() === raised.toDateString();
    return labels.alarmSince.replace("{0}", (today ? timeFormat : dateTimeFormat).format(raised));
  }

  function renderAlarms() {
    const active = [...alarms.values()].filter(a => !a.clearedUtc)
      .sort((a, b) => (severityRank(b.severity) - severityRank(a.severity)) || b.raisedUtc.localeCompare(a.raisedUtc));
    const items = active.map(alarm => {
      const item = document.createElement("li");
      item.className = "alarm severity-" + alarm.severity.toLowerCase();
      item.dataset.alarm = alarm.id;
      item.dataset.kind = alarm.kind;
      const severity = document.createElement("span");
      severity.className = "severity";
      severity.textContent = labels[alarm.severity] || alarm.severity;
      const text = document.createElement("span");
      text.textContent = siteName(alarm.siteCode) + " · " + (labels[alarm.kind] || alarm.kind) + alarmDetail(alarm) + " · " + alarmSince(alarm);
      text.dataset.testid = "alarm-text";
      item.append(severity, text);
      if (alarm.acknowledgedBy) {
        const by = document.createElement("em");
        by.textContent = " " + labels.acknowledgedBy + " " + alarm.acknowledgedBy;
        item.appendChild(by);
      } else if (canAct) {
        item.appendChild(button(labels.acknowledge, () => connection.invoke("Acknowledge", alarm.id).catch(showError)));
      }
      if (canAct) { item.appendChild(button(labels.clear, () => connection.invoke("Clear", alarm.id).catch(showError))); }
      return item;
    });
    alarmList.replaceChildren(...items);
    root.querySelector("[data-testid=alarm-count]").textContent = active.length;
  }

  function severityRank(s) { return s === "Critical" ? 2 : s === "Major" ? 1 : 0; }

  function button(text, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function onAlarm(alarm) { alarms.set(alarm.id, alarm); renderAlarms(); }

  // ---- scope, filter, selection and actions -------------------------------------------------

  function onMeetings(list) {
    const current = scope.meetingId || "";
    const options = [scopeSelect.options[0]];
    for (const m of list) {
      const option = document.createElement("option");
      option.value = m.id;
      option.textContent = dateTimeFormat.format(new Date(m.startUtc)) + " · " + m.title + " (" + m.siteCount + ")";
      options.push(option);
    }
    scopeSelect.replaceChildren(...options);
    scopeSelect.value = [...scopeSelect.options].some(o => o.value === current) ? current : "";
  }

  function applyFilter() {
    const needle = fold(filter.value.trim());
    const visibleSites = new Set();
    for (const entry of rows.values()) {
      const hidden = (needle.length > 0 && !entry.search.includes(needle)) || collapsedAbove(entry.site);
      entry.row.hidden = hidden;
      if (!needle.length || entry.search.includes(needle)) { for (const c of entry.site.path) { visibleSites.add(c); } }
    }
    for (const site of sites.values()) {
      if (site.row) { site.row.hidden = !visibleSites.has(site.code) || (site.parentCode ? collapsedAbove(sites.get(site.parentCode)) : false); }
    }
  }

  function collapsedAbove(site) {
    for (const code of site.path) { const s = sites.get(code); if (s.row && s.row.classList.contains("collapsed")) { return true; } }
    return false;
  }

  tbody.addEventListener("click", event => {
    const header = event.target.closest("tr.site");
    if (header) { header.classList.toggle("collapsed"); applyFilter(); }
  });

  function select(entry) {
    if (selected) { selected.row.classList.remove("selected"); }
    selected = entry;
    entry.row.classList.add("selected");
    document.getElementById("selected-name").textContent = siteName(entry.site.code) + " · " + entry.name;
    outcome.textContent = "";
    actionBar.hidden = !canAct;
  }

  actionBar.addEventListener("click", async event => {
    const b = event.target.closest("button[data-action]");
    if (!b || !selected) { return; }
    const action = b.dataset.action;
    const target = selected;
    if (action === "hang-up" && !(await confirmHangUp(target))) { return; }
    outcome.textContent = labels.working;
    outcome.dataset.state = "working";
    try {
      const body = scope.meetingId ? { meetingId: scope.meetingId } : {};
      const response = await fetch("/api/endpoints/" + target.id + "/actions/" + action, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), credentials: "same-origin",
      });
      const json = await response.json().catch(() => ({}));
      if (!response.ok) {
        outcome.textContent = labels.failed + ": " + (json.detail || response.status);
        outcome.dataset.state = "failed";
      } else {
        outcome.textContent = labels.done + ": " + (json.outcome || (json.verdict ? json.verdict.color + " · " + json.verdict.reason : action));
        outcome.dataset.state = "done";
      }
    } catch (e) {
      showError(e);
    }
  });

  const hangUpDialog = document.getElementById("confirm-hang-up");

  function confirmHangUp(entry) {
    return new Promise(resolve => {
      document.getElementById("confirm-hang-up-text").textContent = labels.hangUpConfirm.replace("{0}", siteName(entry.site.code) + " · " + entry.name);
      hangUpDialog.returnValue = "";
      hangUpDialog.addEventListener("close", () => resolve(hangUpDialog.returnValue === "confirm"), { once: true });
      hangUpDialog.showModal();
    });
  }

  function showError(e) { outcome.textContent = labels.failed + ": " + (e && e.message ? e.message : e); outcome.dataset.state = "failed"; }

  filter.addEventListener("input", applyFilter);
  scopeSelect.addEventListener("change", () => {
    changeScope(scopeSelect.value ? { siteCode: null, meetingId: scopeSelect.value } : { siteCode: picker.chosen, meetingId: null });
  });

  function changeScope(next) {
    scope = next;
    showScope();
    subscribe().catch(showScopeError);
  }

  // The URL says what is watched (?site=CODE or ?meeting=ID), so the page can be bookmarked and
  // reloading it comes back to the same place.
  function showScope() {
    meetingLink.hidden = !scope.meetingId;
    if (scope.meetingId) { meetingLink.href = "/monitoring/meetings/" + scope.meetingId; }
    picker.input.disabled = !!scope.meetingId;
    const url = new URL(window.location.href);
    url.searchParams.delete("site"); url.searchParams.delete("meeting");
    if (scope.meetingId) { url.searchParams.set("meeting", scope.meetingId); } else if (scope.siteCode) { url.searchParams.set("site", scope.siteCode); }
    if (url.href !== window.location.href) { history.replaceState(null, "", url); }
  }

  function showScopeError(e) {
    scopeError.textContent = labels.failed + ": " + (e && e.message ? e.message.replace(/^.*HubException: /, "") : e);
    scopeError.hidden = false;
  }

  // ---- the area picker: a combobox over the whole site tree ------------------------------------

  const picker = (function () {
    const MAX_SHOWN = 40;
    const input = document.getElementById("site-picker");
    const list = document.getElementById("site-picker-list");
    const clear = document.getElementById("site-picker-clear");
    const all = JSON.parse(root.dataset.sites || "[]").map(([code, name, path, folded]) => ({ code, name, path, folded }));
    const byCode = new Map(all.map(s => [s.code, s]));
    const state = { input, chosen: scope.meetingId ? null : scope.siteCode, matches: [], active: -1 };

    function nameOf(code) { const s = byCode.get(code); return s ? s.name : ""; }

    // As SiteIndex.Search: every typed word in the folded name, or the code starting with the text; in tree order.
    function search(query) {
      const words = fold(query).split(" ").filter(w => w.length);
      const raw = query.trim().toLowerCase();
      return all.filter(s => !words.length || words.every(w => s.folded.includes(w)) || (raw.length && s.code.toLowerCase().startsWith(raw)));
    }

    function render() {
      const items = state.matches.slice(0, MAX_SHOWN).map((s, i) => {
        const li = document.createElement("li");
        li.id = "site-picker-opt-" + i;
        li.setAttribute("role", "option");
        li.dataset.site = s.code;
        li.setAttribute("aria-selected", i === state.active ? "true" : "false");
        if (i === state.active) { li.className = "active"; }
        const name = document.createElement("span");
        name.textContent = s.name;
        li.appendChild(name);
        if (s.path) { const path = document.createElement("small"); path.textContent = s.path; li.appendChild(path); }
        li.addEventListener("mousedown", e => { e.preventDefault(); choose(s.code); });
        return li;
      });
      if (state.matches.length > MAX_SHOWN) {
        const more = document.createElement("li");
        more.className = "combo-more";
        more.setAttribute("aria-disabled", "true");
        more.textContent = labels.typeToNarrow;
        items.push(more);
      }
      list.replaceChildren(...items);
      const open = items.length > 0 && document.activeElement === input;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (state.active >= 0) { input.setAttribute("aria-activedescendant", "site-picker-opt-" + state.active); } else { input.removeAttribute("aria-activedescendant"); }
    }

    function refresh(query) { state.matches = search(query); state.active = state.matches.length ? 0 : -1; render(); }

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.value = nameOf(state.chosen); clear.hidden = !state.chosen; }

    function choose(code) {
      state.chosen = code;
      close();
      input.blur();
      if (scope.siteCode !== code || scope.meetingId) { scopeSelect.value = ""; changeScope({ siteCode: code, meetingId: null }); }
    }

    input.addEventListener("focus", () => { input.select(); refresh(""); });
    input.addEventListener("input", () => refresh(input.value));
    input.addEventListener("blur", () => {
      // Leaving the field with exactly one match typed out picks it; anything else keeps the previous choice.
      if (input.value.length && input.value !== nameOf(state.chosen) && state.matches.length === 1) { choose(state.matches[0].code); } else { close(); }
    });
    input.addEventListener("keydown", e => {
      if (e.key === "ArrowDown") { state.active = Math.min(state.active + 1, Math.min(state.matches.length, MAX_SHOWN) - 1); render(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { state.active = Math.max(state.active - 1, 0); render(); e.preventDefault(); }
      else if (e.key === "Enter") { if (state.active >= 0) { choose(state.matches[state.active].code); } e.preventDefault(); }
      else if (e.key === "Escape") { close(); input.blur(); }
    });
    clear.addEventListener("click", () => { choose(null); });
    close();
    return state;
  })();

  // ---- connection -------------------------------------------------------------------------------

  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/monitoring")
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000])
    .build();
  connection.on("Changes", onChanges);
  connection.on("AlarmChanged", onAlarm);
  connection.on("MeetingsChanged", onMeetings);

  async function subscribe() {
    const snapshot = await connection.invoke("Subscribe", scope.siteCode, scope.meetingId);
    scopeError.hidden = true;
    canAct = snapshot.canAct;
    onMeetings(snapshot.meetings);
    build(snapshot);
    alarms.clear();
    for (const alarm of snapshot.activeAlarms) { alarms.set(alarm.id, alarm); }
    renderAlarms();
    if (selected && rows.has(selected.id)) { select(rows.get(selected.id)); } else { selected = null; actionBar.hidden = true; }
    connectionLabel.textContent = labels.connected;
    connectionLabel.dataset.state = "connected";
  }

  connection.onreconnecting(() => { connectionLabel.textContent = labels.reconnecting; connectionLabel.dataset.state = "reconnecting"; });
  connection.onreconnected(() => subscribe().catch(showScopeError));
  showScope();
  connection.start()
    .then(() => subscribe().catch(e => {
      // A bookmarked meeting that is over: say so and show the province instead.
      showScopeError(e);
      if (scope.meetingId || scope.siteCode) { picker.chosen = null; picker.input.value = ""; changeScope({ siteCode: null, meetingId: null }); }
    }))
    .catch(() => { connectionLabel.textContent = labels.reconnecting; });
})();
