// The API client of the map: every request goes to this server, with the
// viewer's token (kept in session storage) as a bearer token.

const tokenKey = 'safezones.token';
const ledgerKeyKey = 'safezones.ledgerKey';

// ApiError is a failed API call: the HTTP status and the error JSON's code
// and message.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code || '';
  }
}

export function token() {
  return sessionStorage.getItem(tokenKey) || '';
}

export function setToken(t) {
  if (t) sessionStorage.setItem(tokenKey, t);
  else sessionStorage.removeItem(tokenKey);
}

// ledgerKey is the ledger's public verifier key the viewer gave (public,
// so it may outlive the tab).
export function ledgerKey() {
  return localStorage.getItem(ledgerKeyKey) || '';
}

export function setLedgerKey(k) {
  if (k) localStorage.setItem(ledgerKeyKey, k);
  else localStorage.removeItem(ledgerKeyKey);
}

export function authHeaders(tok = token()) {
  return tok ? {Authorization: 'Bearer ' + tok} : {};
}

let onUnauthorized = () => {};

// whenUnauthorized sets what happens when a read answers 401 (the page
// asks for a token).
export function whenUnauthorized(f) {
  onUnauthorized = f;
}

// request fetches path from this server and returns the Response; non-2xx
// answers throw an ApiError carrying the error JSON's code and message.
export async function request(path, opts = {}) {
  const headers = {...authHeaders(opts.token), ...(opts.headers || {})};
  const res = await fetch(path, {...opts, headers, cache: 'no-store'});
  if (!res.ok) {
    let code = '', message = '';
    try {
      const e = (await res.json()).error || {};
      code = e.code;
      message = e.message;
    } catch {
      // not the error JSON
    }
    const err = new ApiError(res.status, code, message);
    if (res.status === 401 && !opts.token) onUnauthorized(err);
    throw err;
  }
  return res;
}

// getJSON returns the JSON body of GET path.
export async function getJSON(path, opts) {
  return (await request(path, opts)).json();
}

// getText returns the text body of GET path.
export async function getText(path, opts) {
  return (await request(path, opts)).text();
}

// getBlobURL fetches path with the token and returns an object URL for
// it: images behind a token cannot be loaded by <img src>.
export async function getBlobURL(path) {
  const blob = await (await request(path)).blob();
  return URL.createObjectURL(blob);
}

let routes = null;

// routes returns the set of "METHOD /path" operations the server documents
// in its OpenAPI document (/api), so that the page asks only for what this
// server serves: a layer whose route is missing is left out quietly,
// without a failed request.
export async function serverRoutes() {
  if (!routes) {
    routes = (async () => {
      const doc = await getJSON('/api');
      const out = new Set();
      for (const [path, item] of Object.entries(doc.paths || {})) {
        for (const method of Object.keys(item)) out.add(method.toUpperCase() + ' ' + path);
      }
      return out;
    })();
    routes.catch(() => { routes = null; });
  }
  return routes;
}

// query builds a query string from the defined entries of params.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}
