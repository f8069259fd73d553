// Technician dashboard: one snapshot on (re)connect, then batched diffs. Rows are built once and
// updated in place, and repaints are coalesced into one animation frame, so thousands of endpoints
// updating every second do not freeze the page.
(function () {
  "use strict";
  const root = document.getElementById("monitoring");
  if (!root) { return; }
  const labels = JSON.parse(root.dataset.labels);
  const culture = root.dataset.culture || "vi-VN";
  const tbody = document.getElementById("endpoint-rows");
  const filter = document.getElementById("filter");
  const connectionLabel = root.querySelector("[data-testid=connection]");
  const rows = new Map();
  const alarms = new Map();
  const alarmList = document.getElementById("alarm-list");
  let canAct = false;
  const state = new Map();
  const sites = new Map();
  const pending = new Map();
  let frame = 0;
  const timeFormat = new Intl.DateTimeFormat(culture, { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }

  function sitePath(code) {
    const names = [];
    for (let site = sites.get(code); site; site = sites.get(site.parentCode)) {
      if (site.level !== "Province") { names.unshift(site.name); }
    }
    return names.join(" › ");
  }

  function render(presence) {
    let row = rows.get(presence.endpointId);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.endpoint = presence.endpointId;
      row.innerHTML = "<td class='site'></td><td class='uri'></td><td><span class='badge'></span></td><td class='num rtt'></td><td class='since'></td>";
      row.cells[0].textContent = sitePath(presence.siteCode) || presence.siteCode;
      row.cells[1].textContent = presence.sipUri;
      row.dataset.search = fold(row.cells[0].textContent + " " + presence.sipUri);
      rows.set(presence.endpointId, row);
      tbody.appendChild(row);
    }
    const badge = row.cells[2].firstChild;
    badge.textContent = labels[presence.state] || presence.state;
    badge.className = "badge state-" + presence.state.toLowerCase();
    row.dataset.state = presence.state;
    row.cells[3].textContent = presence.optionsRoundTripMs == null ? "—" : presence.optionsRoundTripMs.toFixed(1) + " ms";
    row.cells[4].textContent = timeFormat.format(new Date(presence.sinceUtc));
    state.set(presence.endpointId, presence.state);
  }

  function counters() {
    const counts = { Reachable: 0, Registered: 0, Offline: 0, Unknown: 0 };
    for (const value of state.values()) { if (value in counts) { counts[value]++; } }
    for (const [name, count] of Object.entries(counts)) {
      const cell = root.querySelector("[data-testid=count-" + name.toLowerCase() + "]");
      if (cell) { cell.textContent = count; }
    }
  }

  function flush() {
    frame = 0;
    for (const presence of pending.values()) { render(presence); }
    pending.clear();
    counters();
  }

  function queue(changes) {
    for (const change of changes) { pending.set(change.endpointId, change); }
    if (!frame) { frame = requestAnimationFrame(flush); }
  }

  function renderAlarms() {
    alarmList.replaceChildren();
    const active = [...alarms.values()].filter(a => !a.clearedUtc).sort((a, b) => b.raisedUtc.localeCompare(a.raisedUtc));
    for (const alarm of active) {
      const item = document.createElement("li");
      item.className = "alarm severity-" + alarm.severity.toLowerCase();
      item.dataset.alarm = alarm.id;
      const text = document.createElement("span");
      text.textContent = timeFormat.format(new Date(alarm.raisedUtc)) + " · " + (sitePath(alarm.siteCode) || alarm.siteCode) + " · " + alarm.message;
      item.appendChild(text);
      if (alarm.acknowledgedBy) {
        const by = document.createElement("em");
        by.textContent = " " + labels.acknowledgedBy + " " + alarm.acknowledgedBy;
        item.appendChild(by);
      } else if (canAct) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = labels.acknowledge;
        button.addEventListener("click", () => connection.invoke("Acknowledge", alarm.id));
        item.appendChild(button);
      }
      alarmList.appendChild(item);
    }
    root.querySelector("[data-testid=alarm-count]").textContent = active.length;
  }

  function onAlarm(alarm) {
    alarms.set(alarm.id, alarm);
    renderAlarms();
  }

  filter.addEventListener("input", () => {
    const needle = fold(filter.value.trim());
    for (const row of rows.values()) { row.hidden = needle.length > 0 && !row.dataset.search.includes(needle); }
  });

  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/monitoring")
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000])
    .build();
  connection.on("Changes", queue);
  connection.on("AlarmChanged", onAlarm);

  async function subscribe() {
    const snapshot = await connection.invoke("Subscribe", null);
    sites.clear();
    for (const site of snapshot.sites) { sites.set(site.code, site); }
    queue(snapshot.endpoints);
    canAct = snapshot.canAct;
    alarms.clear();
    for (const alarm of snapshot.activeAlarms) { alarms.set(alarm.id, alarm); }
    renderAlarms();
    connectionLabel.textContent = labels.connected;
    connectionLabel.dataset.state = "connected";
  }

  connection.onreconnecting(() => { connectionLabel.textContent = labels.reconnecting; connectionLabel.dataset.state = "reconnecting"; });
  connection.onreconnected(subscribe);
  connection.start().then(subscribe).catch(() => { connectionLabel.textContent = labels.reconnecting; });
})();
