// The web chat page: messages arrive over server-sent events, what the person does is posted
// with a client id (a retry is handled once) and the CSRF token bound to the cookie.
(function () {
  "use strict";
  const T = JSON.parse(document.getElementById("strings").textContent);
  const csrf = document.querySelector('meta[name="csrf"]').content;
  // "/chat", or a demo persona's "/demo/worker": where this person posts, listens and loads
  const base = document.querySelector('meta[name="base"]').content;
  const places = document.getElementById("places");
  const place = document.getElementById("place");
  const log = document.getElementById("log");
  const keys = document.getElementById("keys");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  const photo = document.getElementById("photo");
  const status = document.getElementById("status");
  const big = document.getElementById("big");
  const main = document.getElementById("main");
  const bubbles = new Map();
  let started = false;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function setBig(on) {
    document.documentElement.classList.toggle("big", on);
    big.setAttribute("aria-pressed", on ? "true" : "false");
    try { localStorage.setItem("linli-big", on ? "1" : ""); } catch (e) { /* private mode */ }
  }
  big.addEventListener("click", () => setBig(big.getAttribute("aria-pressed") !== "true"));
  try { if (localStorage.getItem("linli-big")) setBig(true); } catch (e) { /* private mode */ }

  function toast(text) {
    const note = document.createElement("div");
    note.className = "toast";
    note.setAttribute("role", "status");
    note.textContent = text;
    document.body.appendChild(note);
    setTimeout(() => note.remove(), 2500);
  }

  async function post(fields, file) {
    // the same client id on every attempt: the server handles the message once
    const body = new FormData();
    body.append("client_id", fields.client_id || newId());
    for (const [k, v] of Object.entries(fields)) if (k !== "client_id") body.append(k, v);
    if (file) body.append("photo", file);
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        const answer = await fetch(base + "/api/send", {
          method: "POST", body, credentials: "same-origin",
          headers: { "X-CSRF-Token": csrf } });
        if (answer.ok) return true;
        const said = await answer.json().catch(() => ({}));
        toast(said.error || T.failed);
        return false;
      } catch (e) {
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      }
    }
    toast(T.failed);
    return false;
  }

  function button(label, cls, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function media(src) {
    // stored media are kept as /chat/media/N; a persona loads them under its own base
    return src.startsWith("/chat/media/") ? base + src.slice(5) : src;
  }

  function linkify(p, text) {
    // a link the bot sends (e.g. the desk's /web login) opens in a tab of its own
    const parts = (text || "").split(/(https?:\/\/[^\s<>"'，。）]+)/);
    parts.forEach((part, i) => {
      if (i % 2 === 0) { p.appendChild(document.createTextNode(part)); return; }
      const a = document.createElement("a");
      a.href = part;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = part;
      p.appendChild(a);
    });
  }

  function fill(el, m) {
    el.textContent = "";
    const who = document.createElement("span");
    who.className = "sr-only";
    who.textContent = (m.author === "me" ? T.you : T.bot) + ": ";
    el.appendChild(who);
    if (m.text || m.html) {
      const p = document.createElement("p");
      p.className = "text";
      if (m.html) p.innerHTML = m.html; else linkify(p, m.text);  // html: escaped server-side
      el.appendChild(p);
    }
    for (const src of m.photos || []) {
      const img = document.createElement("img");
      img.src = media(src);
      img.alt = T.photo_alt;
      img.loading = "lazy";
      el.appendChild(img);
    }
    if (m.voice) {
      const audio = document.createElement("audio");
      audio.controls = true;
      audio.src = media(m.voice);
      el.appendChild(audio);
    }
    for (const f of m.files || []) {
      const a = document.createElement("a");
      a.href = media(f.href);
      a.download = f.name;
      a.textContent = T.file + ": " + f.name;
      el.appendChild(a);
    }
    if (m.choices && m.choices.length) {
      const box = document.createElement("div");
      box.className = "choices";
      const ref = el.dataset.id;
      for (const row of m.choices) {
        const line = document.createElement("div");
        line.className = "line";
        for (const c of row) {
          line.appendChild(button(c.label, "choice", () => post(
            { kind: "button", data: c.data, label: c.label, message_ref: ref })));
        }
        box.appendChild(line);
      }
      el.appendChild(box);
    }
  }

  function showKeys(m) {
    if (m.remove_keyboard) keys.textContent = "";
    if (!m.keyboard) return;
    keys.textContent = "";
    for (const row of m.keyboard) {
      for (const k of row) {
        keys.appendChild(button(k.label, "key", () => pressKey(k)));
      }
    }
  }

  for (const label of T.places || []) {
    const option = document.createElement("option");
    option.textContent = label;
    place.appendChild(option);
  }

  function sendPosition() {
    if (!navigator.geolocation) { toast(T.no_location); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => post({ kind: "location", latitude: String(pos.coords.latitude),
                      longitude: String(pos.coords.longitude) }),
      () => toast(T.no_location), { timeout: 10000 });
  }

  // the place picker: a building of the community (sent as the place's name) or the position
  places.addEventListener("close", () => {
    if (places.returnValue === "place" && place.value) post({ kind: "text", text: place.value });
    else if (places.returnValue === "position") sendPosition();
  });

  function pressKey(k) {
    if (k.location) {
      if (place.options.length && places.showModal) { places.returnValue = ""; places.showModal(); }
      else sendPosition();
    } else if (k.contact) {
      const phone = window.prompt(T.ask_phone);
      if (phone) post({ kind: "contact", phone });
    } else {
      post({ kind: "text", text: k.label });
    }
  }

  function show(m) {
    let el = m.replaces ? bubbles.get(m.replaces) : null;
    if (!el) {
      el = document.createElement("div");
      el.dataset.id = String(m.replaces || m.id);
      el.className = "msg " + (m.author === "me" ? "me" : "bot");
      bubbles.set(m.replaces || m.id, el);
      log.appendChild(el);
    }
    fill(el, m);
    if (m.author !== "me") showKeys(m);
    main.scrollTop = main.scrollHeight;
  }

  function ready(last) {
    status.textContent = "";
    if (started) return;
    started = true;
    // a link's /start argument (an invite, a community's code) is said once, by its client id
    const arg = document.querySelector('meta[name="start"]').content;
    const code = document.querySelector('meta[name="link"]').content;
    if (code) {  // /link's code as a link: this browser joins the person who asked for it
      post({ client_id: "link-" + code, kind: "text", text: "/link " + code, quiet: "1" });
      history.replaceState(null, "", base);
    } else if (arg) {
      post({ client_id: "start-" + arg, kind: "text", text: "/start " + arg, quiet: "1" });
      history.replaceState(null, "", base);
    } else if (!last) {
      post({ client_id: "start", kind: "text", text: "/start", quiet: "1" });
    }
  }

  let after = 0;
  async function poll() {
    // the persona page's panes poll: four event streams would hold most of the browser's
    // six connections to this host
    try {
      const answer = await fetch(base + "/api/events?poll=1&after=" + after,
                                 { credentials: "same-origin" });
      if (!answer.ok) throw new Error(String(answer.status));
      const got = await answer.json();
      for (const m of got.messages) show(m);
      after = got.last;
      ready(after);
    } catch (e) {
      status.textContent = T.offline;
    }
    setTimeout(poll, 1000);
  }

  if (document.querySelector('meta[name="poll"]').content) {
    poll();
  } else {
    const events = new EventSource(base + "/api/events");
    events.onopen = () => { status.textContent = ""; };
    events.onerror = () => { status.textContent = T.offline; };
    events.onmessage = (e) => show(JSON.parse(e.data));
    events.addEventListener("toast", (e) => toast(JSON.parse(e.data).text));
    events.addEventListener("ready", (e) => ready(JSON.parse(e.data).last));
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    if (!(await post({ kind: "text", text }))) input.value = text;
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  photo.addEventListener("change", async () => {
    const file = photo.files && photo.files[0];
    const caption = input.value.trim();
    input.value = "";
    if (file) await post({ kind: "photo", text: caption }, file);
    photo.value = "";
  });
})();
