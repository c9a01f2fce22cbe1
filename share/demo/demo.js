// demo.js - the charon-fcgi quickstart's login page.  No framework, no
// external resources: fetch() against charon-fcgi's endpoints under /auth.
//
// Transport "cookie" (the default here): the login answer's body holds the
// "header.payload" halves of the access and refresh tokens, which this tab
// keeps in sessionStorage; the ".signature" halves come as HttpOnly cookies
// that no script can read.  Every authenticated request sends
// "Authorization: Bearer <header.payload>" and the browser adds the cookie;
// charon-fcgi joins the two.  A stolen sessionStorage is no token without
// the cookie, and a cookie sent by a forged cross-site request is no token
// without the header.
//
// A navigation to /private/ cannot add that header, so this page fetches
// /private/ itself.  The "cookie_only" box logs in with whole tokens in the
// cookies instead: then nothing is kept here, and the browser can also open
// /private/ by navigation.
//
// State changes authenticated by a cookie (refresh, logout, ending
// sessions) must carry the X-CSRF-Protect header ([endpoints] csrf_header):
// a cross-site form cannot set it, and a cross-site fetch() with it needs
// a CORS preflight that nobody answers.  This page sends it with every
// POST and DELETE.
//
// Browsers add "Sec-Fetch-Mode: cors" to fetch(); charon-fcgi (with
// enforce_browser_cookies) then refuses a login that asks for bearer
// tokens, so this page never asks for them.
"use strict";

const CSRF_HEADER = "X-CSRF-Protect";
const KEY = "charon-demo";      // sessionStorage item: JSON, see save()

const $ = (id) => document.getElementById(id);

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || null;
  } catch (e) {
    return null;
  }
}

// state: {user, transport, access, refresh, access_exp, refresh_exp};
// access/refresh are "header.payload" for "cookie", null for "cookie_only".
function save(state) {
  if (state) {
    sessionStorage.setItem(KEY, JSON.stringify(state));
  } else {
    sessionStorage.removeItem(KEY);
  }
  show(state);
}

function fromReply(user, transport, body) {
  const t = body.tokens;
  return {
    user: user,
    transport: transport,
    access: t.access_token,
    refresh: t.refresh_token,
    access_exp: t.access_token_exp,
    refresh_exp: t.refresh_token_exp,
  };
}

function when(unix) {
  return unix === "infinite" ? "never" : new Date(unix * 1000).toLocaleString();
}

function show(state) {
  $("login").hidden = !!state;
  $("user").hidden = !state;
  if (!state) {
    $("session-list").hidden = true;
    return;
  }
  $("who").textContent = state.user;
  $("transport").textContent = 'token_transport "' + state.transport + '"';
  $("access-exp").textContent = when(state.access_exp);
  $("refresh-exp").textContent = when(state.refresh_exp);
}

function print(method, path, res, text) {
  const lines = [method + " " + path + "  ->  " + res.status + " " + res.statusText];
  for (const h of ["X-Charon-User", "WWW-Authenticate"]) {
    const v = res.headers.get(h);
    if (v) {
      lines.push(h + ": " + v);
    }
  }
  if (text) {
    lines.push("", text);
  }
  $("out").textContent = lines.join("\n");
}

// One request.  token: "access", "refresh" or null (none).  Cookies go
// along by themselves (same origin).
async function send(method, path, token, body) {
  const state = load();
  const headers = {};
  if (token && state && state[token]) {
    headers["Authorization"] = "Bearer " + state[token];
  }
  if (method !== "GET") {
    headers[CSRF_HEADER] = "1";
  }
  const init = { method: method, headers: headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(path, init);
}

async function readJson(res) {
  const text = await res.text();
  try {
    return { text: text, json: text ? JSON.parse(text) : null };
  } catch (e) {
    return { text: text, json: null };
  }
}

async function refresh() {
  const state = load();
  if (!state) {
    return false;
  }
  const res = await send("POST", "/auth/session/refresh", "refresh");
  const r = await readJson(res);
  print("POST", "/auth/session/refresh", res, r.text);
  if (res.status === 200) {
    save(fromReply(state.user, state.transport, r.json));
    return true;
  }
  if (res.status === 401) {
    save(null);      // the session is gone or the refresh token expired
  }
  return false;
}

// An access-token request; on 401 one refresh, then one retry (the access
// token lives 15 minutes, its cookie as long).
async function withAccess(method, path) {
  let res = await send(method, path, "access");
  if (res.status === 401 && load() && (await refresh())) {
    res = await send(method, path, "access");
  }
  return res;
}

async function login(ev) {
  ev.preventDefault();
  const f = ev.target;
  const transport = f.cookie_only.checked ? "cookie_only" : "cookie";
  const user = f.username.value;
  const res = await send("POST", "/auth/session", null, {
    username: user,
    password: f.password.value,
    token_transport: transport,
  });
  const r = await readJson(res);
  print("POST", "/auth/session", res, r.text);
  if (res.status === 201) {
    f.password.value = "";
    save(fromReply(user, transport, r.json));
  }
}

async function getPrivate() {
  const res = await withAccess("GET", "/private/");
  const text = await res.text();
  // Show the page's text, not its markup.
  const doc = new DOMParser().parseFromString(text, "text/html");
  print("GET", "/private/", res, doc.body.textContent.trim().replace(/\n\s*/g, "\n"));
}

async function sessions() {
  const res = await withAccess("GET", "/auth/sessions");
  const r = await readJson(res);
  print("GET", "/auth/sessions", res, r.text);
  const tbody = $("session-list").tBodies[0];
  tbody.replaceChildren();
  if (res.status !== 200 || !r.json) {
    $("session-list").hidden = true;
    return;
  }
  for (const s of r.json.sessions) {
    const tr = document.createElement("tr");
    for (const v of [s.id, when(s.created_at), when(s.refreshed_at),
                     when(s.expires_at), s.current ? "this one" : ""]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.append(td);
    }
    tbody.append(tr);
  }
  $("session-list").hidden = false;
}

async function logout() {
  const res = await withAccess("DELETE", "/auth/session");
  print("DELETE", "/auth/session", res, await res.text());
  if (res.status === 204 || res.status === 401) {
    save(null);
  }
}

async function endOthers() {
  const res = await withAccess("DELETE", "/auth/sessions/others");
  print("DELETE", "/auth/sessions/others", res, await res.text());
}

function guard(fn) {
  return (ev) => fn(ev).catch((e) => { $("out").textContent = String(e); });
}

$("login").addEventListener("submit", guard(login));
$("private").addEventListener("click", guard(getPrivate));
$("sessions").addEventListener("click", guard(sessions));
$("refresh").addEventListener("click", guard(refresh));
$("others").addEventListener("click", guard(endOthers));
$("logout").addEventListener("click", guard(logout));
show(load());
