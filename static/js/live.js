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

  socket.on("unread", ({ count }) => {
    document.querySelectorAll(".notif-count").forEach((badge) => { badge.textContent = count || ""; });
    document.querySelectorAll(".bell-link").forEach((bell) => {
      bell.setAttribute("aria-label", count ? bell.dataset.label.replace("{n}", count) : bell.dataset.labelNone);
    });
  });
  if (!list) {
    return;
  }
  const status = document.querySelector(".live-status");
  const presence = document.querySelector(".presence");

  socket.on("post", ({ id, html }) => {
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const post = holder.firstElementChild;
    const existing = document.getElementById(`post-${id}`);
    if (existing) {
      existing.replaceWith(post);
    } else {
      document.getElementById("no-posts")?.remove();
      list.appendChild(post);
    }
    post.querySelectorAll(".edit-link").forEach((link) => {
      link.hidden = !(me && post.dataset.author === me);
    });
    htmx.process(post);
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
  socket.on("connect", () => { status.textContent = ""; });
  socket.on("disconnect", () => { status.textContent = list.dataset.offline; });
})();
