// Live updates over Socket.IO. On a thread page: server-rendered posts put in place, presence, lock
// state; the socket tells the server the last post shown, so a reconnect catches up with exactly what
// was missed. On every page of a signed-in member: the unread-notifications badge.
(() => {
  const me = document.body.dataset.userId;
  const list = document.querySelector("[data-live-thread]");
  if ((!list && !me) || typeof io === "undefined") {
    return;
  }
  let last = Number(list?.dataset.lastPost || 0);
  // Several server processes behind one address without sticky sessions: websocket alone (see docs/deploy.md).
  const transports = document.querySelector('meta[name="live-transports"]').content.split(",");
  const socket = io({ transports, auth: (send) => send(list ? { thread: list.dataset.liveThread, after: last } : {}) });

  // the unread notifications changed: ask how many there are now (the server counts only for open pages)
  socket.on("unread", () => {
    socket.emit("count-unread", (answer) => {
      const count = answer?.count || 0;
      document.querySelectorAll(".notif-count").forEach((badge) => { badge.textContent = count || ""; });
      document.querySelectorAll(".bell-link").forEach((bell) => {
        bell.setAttribute("aria-label", count ? bell.dataset.label.replace("{n}", count) : bell.dataset.labelNone);
      });
    });
  });
  if (!list) {
    return;
  }
  const status = document.querySelector(".live-status");
  const presence = document.querySelector(".presence");

  const token = document.querySelector('meta[name="csrf-token"]')?.content || "";
  // what arrives live on the shown page is read: the member's read mark follows, at most once every few seconds
  let unread = 0;
  const noteRead = (id) => {
    if (!list.dataset.readUrl || !me) {
      return;
    }
    if (!unread) {
      setTimeout(() => {
        const body = new FormData();
        body.append("post", unread);
        body.append("csrf_token", token);
        unread = 0;
        fetch(list.dataset.readUrl, { method: "POST", body, credentials: "same-origin" });
      }, 3000);
    }
    unread = Math.max(unread, id);
  };
  socket.on("post", ({ id, html, catch_up: catchUp }) => {
    const existing = document.getElementById(`post-${id}`);
    if (existing && catchUp) {
      return;  // sent again in case it was missed: the page shows it already (and may be about to reply to it)
    }
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const post = holder.firstElementChild;
    if (existing) {
      // a reply being written under the post stays, and the keyboard in it (moving a node takes its focus away)
      const slot = existing.querySelector(".reply-slot");
      const writing = slot?.contains(document.activeElement) ? document.activeElement : null;
      const caret = writing instanceof HTMLTextAreaElement ? [writing.selectionStart, writing.selectionEnd] : null;
      post.querySelector(".reply-slot")?.replaceWith(slot);
      existing.replaceWith(post);
      writing?.focus();
      if (caret) {
        writing.setSelectionRange(...caret);
      }
    } else if (list.dataset.append === "true") {  // new posts show on the discussion's last page, in order (a
      document.getElementById("no-posts")?.remove();  // catch-up may bring one written just before the last shown)
      const later = Array.from(list.children).find((child) => Number(child.id.replace("post-", "")) > id);
      list.insertBefore(post, later || null);
    } else {  // on an earlier page: say where the new ones are
      if (id > last) {
        status.textContent = list.dataset.newer;
      }
      return;
    }
    // a push is the same for every reader of its kind: the page adds its own token and the author's controls
    post.querySelectorAll('input[name="csrf_token"]').forEach((input) => { input.value = token; });
    const mine = Boolean(me) && post.dataset.author === me;
    post.querySelectorAll(".edit-link").forEach((link) => { link.hidden = !mine; });
    post.querySelectorAll(".flag-control").forEach((control) => { control.hidden = mine; });
    htmx.process(post);
    if (id > last) {
      noteRead(id);
    }
    last = Math.max(last, id);
  });
  socket.on("presence", ({ readers }) => {
    presence.textContent = presence.dataset.template.replace("{n}", readers);
  });
  socket.on("thread", ({ locked }) => {
    const form = document.getElementById("reply");
    form?.querySelectorAll("textarea, button").forEach((control) => { control.disabled = locked; });
    status.textContent = locked ? list.dataset.locked : "";
  });
  // the reader lost sight of the thread (a new NDA, a membership ended, a stage closed): say why and how to get
  // back in; the server closes the connection and it stays closed
  let closed = false;
  socket.on("closed", ({ way }) => {
    closed = true;
    const key = way === "nda" || way === "join" ? way : "";
    const message = (key && list.dataset[`closed${key[0].toUpperCase()}${key.slice(1)}`]) || list.dataset.closed;
    status.replaceChildren(document.createTextNode(`${message} `));
    const href = key && list.dataset[`${key}Href`];
    if (href) {
      const link = document.createElement("a");
      link.href = href;
      link.textContent = list.dataset[`${key}Label`];
      status.append(link);
    }
    document.getElementById("reply")?.querySelectorAll("textarea, button").forEach((control) => {
      control.disabled = true;
    });
  });
  socket.on("connect", () => { status.textContent = ""; });
  socket.on("disconnect", () => {
    if (!closed) {
      status.textContent = list.dataset.offline;
    }
  });
})();
