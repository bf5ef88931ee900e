// Live thread: receive server-rendered posts over Socket.IO and put them in place.
// The socket tells the server the last post shown, so a reconnect catches up with exactly what was missed.
(() => {
  const list = document.querySelector("[data-live-thread]");
  if (!list || typeof io === "undefined") {
    return;
  }
  const me = document.body.dataset.userId;
  const status = document.querySelector(".live-status");
  let last = Number(list.dataset.lastPost || 0);
  const socket = io({ auth: (send) => send({ thread: list.dataset.liveThread, after: last }) });

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
  const presence = document.querySelector(".presence");
  socket.on("presence", ({ readers }) => {
    presence.textContent = presence.dataset.template.replace("{n}", readers);
  });
  socket.on("thread", ({ locked }) => {
    const form = document.getElementById("reply");
    form?.querySelectorAll("textarea, button").forEach((control) => { control.disabled = locked; });
    status.textContent = locked ? list.dataset.locked : "";
  });
  socket.on("unread", ({ count }) => {
    document.querySelectorAll(".notif-count").forEach((badge) => { badge.textContent = count || ""; });
  });
  socket.on("connect", () => { status.textContent = ""; });
  socket.on("disconnect", () => { status.textContent = list.dataset.offline; });
})();
