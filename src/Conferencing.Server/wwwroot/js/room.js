// The room's light client, for delegates' phones (/d) and room displays (/display). One snapshot on
// (re)join, then full-state pushes: a presenter message is applied only if its sequence number is
// newer, so duplicates and late arrivals change nothing. pdf.js is loaded only when a document is
// first opened, fetches only the byte ranges of the pages shown, and renders one page at a time.
(function () {
  "use strict";
  const root = document.getElementById("room");
  if (!root) { return; }
  const role = root.dataset.role;
  const L = JSON.parse(root.dataset.labels);
  const api = role === "delegate" ? "/d/api" : "/display/api";
  const el = id => root.querySelector("[data-testid=" + id + "]");
  const canvas = document.getElementById("page-canvas");
  const viewerHeaders = { "X-Room-Viewer": "1" };

  let meeting = null;
  let me = null;
  let documents = [];
  let presenter = null;
  let following = true;
  let speaking = null;
  let mySpeak = null;
  let polls = [];
  let myBallots = {};
  let pendingBallot = null;
  let generation = 0;
  const view = { docId: null, version: 0, page: 0, pages: 0, pdf: null, task: null, title: "", confidential: false };

  let pdfjs = null;
  async function pdfLib() {
    if (!pdfjs) {
      pdfjs = await import("/lib/pdfjs/pdf.min.mjs");
      pdfjs.GlobalWorkerOptions.workerSrc = "/lib/pdfjs/pdf.worker.min.mjs";
    }
    return pdfjs;
  }

  function text(node, value) { if (node) { node.textContent = value; } }

  // --- documents and the viewer -------------------------------------------------------------
  // One load per document version at a time: pushes arriving while it loads wait for the same one.
  let loading = null;
  async function load(docId) {
    const doc = documents.find(d => d.id === docId);
    if (view.pdf && view.docId === docId && doc && view.version === doc.version) { return true; }
    if (loading && loading.docId === docId) { return loading.promise; }
    const promise = (async () => {
      const response = await fetch(api + "/documents/" + docId + "/open", { method: "POST", headers: viewerHeaders });
      if (!response.ok) { return false; }
      const open = await response.json();
      const lib = await pdfLib();
      const task = lib.getDocument({
        url: open.url, httpHeaders: viewerHeaders, withCredentials: true,
        disableAutoFetch: true, disableStream: true, rangeChunkSize: 65536, isEvalSupported: false,
      });
      const pdf = await task.promise;
      if (view.loadingTask) { view.loadingTask.destroy(); }
      Object.assign(view, { docId, version: open.version, pages: open.pageCount, pdf, loadingTask: task, title: open.title, confidential: open.confidential, page: 0 });
      return true;
    })();
    loading = { docId, promise };
    try { return await promise; } finally { if (loading && loading.promise === promise) { loading = null; } }
  }

  async function render(pageNumber) {
    const page = await view.pdf.getPage(pageNumber);
    const box = canvas.parentElement;
    const base = page.getViewport({ scale: 1 });
    let scale = box.clientWidth / base.width;
    if (role === "display") { scale = Math.min(scale, box.clientHeight / base.height); }
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    const viewport = page.getViewport({ scale: scale * ratio });
    if (view.task) { view.task.cancel(); }
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = Math.floor(viewport.width / ratio) + "px";
    canvas.style.height = Math.floor(viewport.height / ratio) + "px";
    view.task = page.render({ canvas, viewport });
    try { await view.task.promise; } catch (e) { if (!(e && e.name === "RenderingCancelledException")) { throw e; } }
  }

  // Shows a document's page; returns false if a newer request overtook this one.
  async function show(docId, pageNumber) {
    const mine = ++generation;
    if (!await load(docId) || mine !== generation) { return false; }
    const page = Math.max(1, Math.min(pageNumber, view.pages));
    view.page = page;
    text(el("viewer-title"), view.title);
    text(el("viewer-page"), String(page));
    text(el("viewer-pages"), String(view.pages));
    const only = el("view-only");
    if (only) { only.hidden = !view.confidential; }
    await render(page);
    if (mine === generation) { canvas.dataset.rendered = docId + ":" + page; }
    return mine === generation;
  }

  function applyPresenter(state) {
    if (!state || (presenter && state.seq <= presenter.seq)) { return; }
    presenter = state;
    if (role === "display") {
      el("nothing").hidden = !!state.documentId;
      root.classList.toggle("presenting", !!state.documentId);
      if (state.documentId) { show(state.documentId, state.page); } else { generation++; canvas.removeAttribute("data-rendered"); }
      return;
    }
    if (following) { followPresenter(); }
    renderFollow();
  }

  function followPresenter() {
    if (presenter && presenter.documentId) {
      openViewer();
      show(presenter.documentId, presenter.page);
    }
  }

  function renderFollow() {
    const button = el("follow");
    if (!button) { return; }
    button.textContent = following ? L.RoomFollowing : L.RoomFollow;
    button.dataset.following = following ? "true" : "false";
    button.disabled = following;
  }

  // A delegate who turns pages or opens another document alone stops following.
  function alone() { following = false; renderFollow(); }

  function openViewer() {
    if (role !== "delegate") { return; }
    document.getElementById("viewer").hidden = false;
    document.getElementById("list-view").hidden = true;
  }

  function renderDocuments() {
    const list = el("documents");
    if (!list) { return; }
    list.replaceChildren();
    if (documents.length === 0) {
      const empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = L.RoomNoDocuments;
      list.appendChild(empty);
    }
    for (const doc of documents) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.document = doc.id;
      button.textContent = doc.title;
      const meta = document.createElement("span");
      meta.className = "muted";
      meta.textContent = " · " + doc.pageCount + " " + L.RoomPagesWord;
      button.appendChild(meta);
      if (doc.confidential) {
        const badge = document.createElement("span");
        badge.className = "badge confidential";
        badge.textContent = L.RoomConfidential;
        button.appendChild(badge);
      }
      button.addEventListener("click", () => {
        alone();
        openViewer();
        show(doc.id, presenter && presenter.documentId === doc.id ? presenter.page : 1);
      });
      item.appendChild(button);
      list.appendChild(item);
    }
  }

  // --- the floor, speaking, votes ----------------------------------------------------------
  function renderMeeting() {
    if (!meeting) { return; }
    text(el("meeting-title"), meeting.title);
    text(el("meeting-time"), meeting.startLocal.substring(11, 16) + "–" + meeting.endLocal.substring(11, 16) + " " + meeting.startLocal.substring(8, 10) + "/" + meeting.startLocal.substring(5, 7));
    // The site under the site's label, the person under their own: no person under a site label,
    // no separator left dangling when one of them is missing.
    const floor = el("floor");
    const person = speaking && speaking.speaking ? speaking.speaking : null;
    floor.hidden = !meeting.floorSiteName && !person;
    floor.replaceChildren();
    if (meeting.floorSiteName) {
      const site = document.createElement("span");
      site.className = "site";
      site.dataset.testid = "floor-site";
      site.textContent = L.RoomFloor + ": " + meeting.floorSiteName;
      floor.appendChild(site);
    }
    if (person) {
      const who = document.createElement("span");
      who.className = "person";
      who.dataset.testid = "floor-person";
      who.textContent = L.LiveSpeaker + ": " + person.delegateName + (person.siteName && person.siteName !== meeting.floorSiteName ? " (" + person.siteName + ")" : "");
      floor.appendChild(who);
    }
    renderAlerts();
  }

  // --- what concerns this delegate now: an open vote not yet answered, or their turn ----------
  const alerted = new Set();
  function renderAlerts() {
    const banner = el("alert-banner");
    if (!banner) { return; }
    const speaks = role === "delegate" && me && speaking && speaking.speaking && speaking.speaking.delegateId === me.delegateId;
    const open = polls.find(p => p.status === "Open" && (role === "display" || !Object.prototype.hasOwnProperty.call(myBallots, p.id)));
    banner.replaceChildren();
    banner.classList.toggle("turn", !!speaks);
    const keys = [];
    if (speaks) {
      keys.push("turn:" + speaking.speaking.id);
      const words = document.createElement("span");
      words.dataset.testid = "alert-turn";
      words.textContent = L.LiveYourTurn;
      banner.appendChild(words);
    }
    if (open) {
      keys.push("vote:" + open.id);
      const words = document.createElement("span");
      words.dataset.testid = "alert-vote-text";
      words.textContent = L.LiveVoteOpenBanner + ": " + open.question;
      banner.appendChild(words);
      if (role === "delegate") {
        const go = document.createElement("button");
        go.type = "button";
        go.className = "primary";
        go.dataset.testid = "alert-vote";
        go.textContent = L.LiveVoteNow;
        go.addEventListener("click", () => {
          document.getElementById("viewer").hidden = true;
          document.getElementById("list-view").hidden = false;
          const card = root.querySelector("[data-poll='" + open.id + "']");
          if (card) { card.scrollIntoView({ block: "center" }); }
        });
        banner.appendChild(go);
      }
    }
    banner.hidden = keys.length === 0;
    if (keys.some(k => !alerted.has(k))) {
      keys.forEach(k => alerted.add(k));
      notify();
    }
  }

  // A vibration on phones that allow it, and a short tone where the browser lets a page play one
  // (most need a tap first: the sign-in or a page turn was one).
  function notify() {
    // Browsers refuse (and log) vibration and sound before the person has touched this page: the
    // banner alone speaks until then.
    if (navigator.userActivation && !navigator.userActivation.hasBeenActive) { return; }
    try { if (navigator.vibrate) { navigator.vibrate([200, 100, 200]); } } catch (e) { /* not allowed */ }
    try {
      const Audio = window.AudioContext || window.webkitAudioContext;
      if (!Audio) { return; }
      const context = new Audio();
      const tone = context.createOscillator();
      const gain = context.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.1;
      tone.connect(gain).connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.25);
      tone.onended = () => context.close();
    } catch (e) {
      // No sound: the banner is there all the same.
    }
  }

  function renderSpeak() {
    const state = el("speak-state");
    const button = document.getElementById("speak");
    if (!state || !me) { return; }
    const waiting = speaking ? speaking.waitingDelegateIds.indexOf(me.delegateId) : -1;
    const speaks = speaking && speaking.speaking && speaking.speaking.delegateId === me.delegateId;
    if (speaks) {
      state.textContent = L.LiveYourTurn;
      state.dataset.state = "speaking";
      button.hidden = true;
    } else if (waiting >= 0) {
      state.textContent = L.RoomWaiting + " " + (waiting + 1);
      state.dataset.state = "waiting";
      button.hidden = false;
      button.textContent = L.RoomWithdraw;
      button.dataset.action = "withdraw";
    } else {
      state.textContent = "";
      state.dataset.state = "none";
      button.hidden = false;
      button.textContent = L.RoomSpeak;
      button.dataset.action = "speak";
    }
  }

  function renderPolls() {
    renderAlerts();
    const box = el("polls");
    if (!box) { return; }
    box.replaceChildren();
    const shown = role === "display" ? polls.filter(p => p.status !== "Draft").slice(-1) : polls.filter(p => p.status !== "Draft");
    for (const poll of shown) {
      const card = document.createElement("div");
      card.className = "poll poll-" + poll.status.toLowerCase();
      card.dataset.poll = poll.id;
      const q = document.createElement("p");
      q.className = "question";
      q.textContent = poll.question;
      card.appendChild(q);
      const kind = document.createElement("p");
      kind.className = "muted";
      kind.textContent = (poll.secret ? L.RoomVoteSecret : L.RoomVoteOpenKind) + " · " + (poll.status === "Open" ? L.RoomVoteOpen : L.RoomVoteClosed);
      card.appendChild(kind);
      const voted = Object.prototype.hasOwnProperty.call(myBallots, poll.id);
      if (role === "delegate" && poll.status === "Open" && !voted) {
        const choices = document.createElement("div");
        choices.className = "choices";
        for (const [choice, label] of [["Agree", L.VoteAgree], ["Disagree", L.VoteDisagree], ["Abstain", L.VoteAbstain]]) {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "choice choice-" + choice.toLowerCase();
          b.dataset.choice = choice;
          b.textContent = label;
          b.addEventListener("click", () => { pendingBallot = { pollId: poll.id, choice }; renderPolls(); });
          choices.appendChild(b);
        }
        card.appendChild(choices);
        // A ballot is final: the choice is said back and confirmed before it is sent.
        if (pendingBallot && pendingBallot.pollId === poll.id) {
          const confirm = document.createElement("div");
          confirm.className = "ballot-confirm";
          confirm.dataset.testid = "ballot-confirm";
          const words = document.createElement("span");
          words.textContent = L.LiveBallotConfirm.replace("{0}", L["Vote" + pendingBallot.choice]);
          const yes = document.createElement("button");
          yes.type = "button";
          yes.className = "primary";
          yes.dataset.testid = "ballot-confirm-yes";
          yes.textContent = L.LiveBallotYes;
          const chosen = pendingBallot.choice;
          yes.addEventListener("click", () => { pendingBallot = null; vote(poll.id, chosen); });
          const change = document.createElement("button");
          change.type = "button";
          change.textContent = L.LiveBallotChange;
          change.addEventListener("click", () => { pendingBallot = null; renderPolls(); });
          confirm.append(words, yes, change);
          card.appendChild(confirm);
        }
      } else if (role === "delegate" && voted) {
        const done = document.createElement("p");
        done.className = "voted";
        done.dataset.testid = "voted";
        const mine = myBallots[poll.id];
        done.textContent = L.RoomVoted + (mine ? ": " + L["Vote" + mine] : "");
        card.appendChild(done);
      }
      const results = document.createElement("p");
      results.className = "results";
      results.dataset.testid = "results";
      // A delegate sees the counts once they have voted (or the vote closed), so they do not sway the
      // ballot; a vote that keeps its counts until it closes shows none in the room while open.
      if (poll.status === "Open" && poll.countsAfterClose) {
        results.textContent = L.RoomCountsAfterClose;
        card.appendChild(results);
        box.appendChild(card);
        continue;
      }
      if (role === "delegate" && poll.status === "Open" && !voted) {
        results.textContent = L.LiveCountsAfterVote;
        card.appendChild(results);
        box.appendChild(card);
        continue;
      }
      results.textContent = L.VoteAgree + " " + poll.agree + " · " + L.VoteDisagree + " " + poll.disagree + " · " + L.VoteAbstain + " " + poll.abstain
        + " · " + L.RoomNotVoted + " " + Math.max(0, poll.eligible - poll.agree - poll.disagree - poll.abstain);
      card.appendChild(results);
      box.appendChild(card);
    }
  }

  async function vote(pollId, choice) {
    const response = await fetch(api + "/polls/" + pollId + "/ballot", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ choice }),
    });
    if (response.ok || response.status === 409) {
      myBallots[pollId] = response.ok ? choice : myBallots[pollId] || null;
      if (response.ok) {
        const poll = await response.json();
        polls = polls.map(p => p.id === poll.id && poll.agree + poll.disagree + poll.abstain >= p.agree + p.disagree + p.abstain ? poll : p);
      }
    }
    if (!response.ok) { await problem(response); }
    renderPolls();
  }

  async function problem(response) {
    let detail = L.RoomError;
    try { const p = await response.json(); detail = p.detail || detail; } catch (e) { /* not JSON */ }
    const toast = document.createElement("p");
    toast.className = "toast";
    toast.setAttribute("role", "alert");
    toast.textContent = detail;
    root.appendChild(toast);
    setTimeout(() => toast.remove(), 5000);
  }

  // --- the hub -------------------------------------------------------------------------------
  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/room")
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000])
    .build();
  connection.on("Presenter", applyPresenter);
  connection.on("Documents", list => { documents = list; renderDocuments(); });
  connection.on("Speaking", view => { speaking = view; renderSpeak(); renderMeeting(); });
  connection.on("Polls", list => {
    // Counts only grow while a vote is open: an older push arriving late is ignored.
    polls = list.map(p => {
      const old = polls.find(o => o.id === p.id);
      return old && old.status === p.status && old.agree + old.disagree + old.abstain > p.agree + p.disagree + p.abstain ? old : p;
    });
    renderPolls();
  });
  connection.on("Meeting", m => {
    if (meeting && m.id !== meeting.id) { return; }
    meeting = Object.assign(meeting || {}, m);
    renderMeeting();
  });

  function setConnection(state) {
    const label = el("connection");
    label.dataset.state = state;
    label.textContent = state === "connected" ? L.Connected : state === "reconnecting" ? L.Reconnecting : L.Connecting;
  }

  async function join() {
    const snapshot = await connection.invoke("Join", role, null);
    meeting = snapshot.meeting;
    me = snapshot.me;
    documents = snapshot.documents;
    speaking = snapshot.speaking;
    mySpeak = snapshot.mySpeakRequest;
    polls = snapshot.polls;
    myBallots = snapshot.myBallots || {};
    text(el("me"), me.name + (me.unit ? " · " + me.unit : ""));
    renderDocuments();
    renderMeeting();
    renderSpeak();
    renderPolls();
    // A resync: the snapshot's presenter wins even if its seq equals the last one seen.
    presenter = null;
    applyPresenter(snapshot.presenter);
    if (role === "display" && !snapshot.presenter.documentId) { el("nothing").hidden = false; }
    setConnection("connected");
  }

  connection.onreconnecting(() => setConnection("reconnecting"));
  connection.onreconnected(() => join().catch(() => setConnection("reconnecting")));
  connection.onclose(() => { setConnection("reconnecting"); setTimeout(start, 5000); });

  async function start() {
    try {
      await connection.start();
      await join();
    } catch (e) {
      setConnection("reconnecting");
      if (role === "display") { meeting = null; } // No meeting yet: the state poll below tries again.
      setTimeout(() => { if (connection.state === "Disconnected") { start(); } }, 10000);
    }
  }

  // --- delegate controls ---------------------------------------------------------------------
  if (role === "delegate") {
    document.getElementById("back").addEventListener("click", () => {
      document.getElementById("viewer").hidden = true;
      document.getElementById("list-view").hidden = false;
    });
    document.getElementById("prev").addEventListener("click", () => { if (view.page > 1) { alone(); show(view.docId, view.page - 1); } });
    document.getElementById("next").addEventListener("click", () => { if (view.page < view.pages) { alone(); show(view.docId, view.page + 1); } });
    document.getElementById("follow").addEventListener("click", () => { following = true; renderFollow(); followPresenter(); });
    document.getElementById("speak").addEventListener("click", async e => {
      const withdraw = e.currentTarget.dataset.action === "withdraw";
      const response = await fetch(api + "/speak", { method: withdraw ? "DELETE" : "POST" });
      if (!response.ok) { await problem(response); }
    });
    document.getElementById("sign-out").addEventListener("click", async () => {
      await fetch(api + "/sign-out", { method: "POST" });
      location.href = "/room/welcome";
    });
    // Confidential pages are for reading here, not for saving.
    canvas.addEventListener("contextmenu", e => { if (view.confidential) { e.preventDefault(); } });
    renderFollow();
    start();
    return;
  }

  // --- room display: the rotating QR code and the meeting of the moment --------------------
  async function refreshDisplay() {
    let next = 30;
    try {
      const response = await fetch(api + "/state", { cache: "no-store" });
      if (response.ok) {
        const state = await response.json();
        next = state.rotateSeconds;
        text(el("site"), state.siteName);
        const box = el("qr-box");
        if (state.qrImage) {
          document.getElementById("qr").src = state.qrImage;
          document.getElementById("qr").dataset.url = state.qrUrl;
          box.hidden = false;
        } else {
          box.hidden = true;
        }
        if (!state.meeting) {
          text(el("meeting-title"), L.RoomNoMeeting);
        } else if (!meeting || meeting.id !== state.meeting.id) {
          // Another meeting now holds the room: join its group afresh.
          meeting = state.meeting;
          renderMeeting();
          if (connection.state === "Connected") { await join(); }
        }
      }
    } catch (e) { /* offline a moment: keep the last code until the next try */ }
    setTimeout(refreshDisplay, next * 1000);
  }

  refreshDisplay().then(start);
})();
