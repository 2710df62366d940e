// A small cookie-keeping HTTP client for the API, as a browser would use it.
export class Client {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
  }

  get csrf() { return this.cookies.get('plaza_csrf'); }

  async request(method, path, { json, body, headers = {}, csrf = true, signal } = {}) {
    const h = { ...headers };
    if (json !== undefined) {
      h['content-type'] = h['content-type'] || 'application/json';
      body = JSON.stringify(json);
    }
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (csrf && this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    const res = await fetch(this.base + path, { method, headers: h, body, signal });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const [name, value] = pair.split('=');
      const expired = attrs.some((a) => a.trim().toLowerCase() === 'max-age=0');
      if (expired || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.trim());
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    return { status: res.status, headers: res.headers, data, text };
  }

  // A GET whose answer is bytes (an image), with this client's cookies.
  async bytes(path) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(this.base + path, { headers: cookie ? { cookie } : {} });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  get(path, opts) { return this.request('GET', path, opts); }
  post(path, json, opts = {}) { return this.request('POST', path, { json, ...opts }); }
  patch(path, json, opts = {}) { return this.request('PATCH', path, { json, ...opts }); }
  put(path, json, opts = {}) { return this.request('PUT', path, { json, ...opts }); }
  delete(path, opts) { return this.request('DELETE', path, opts); }

  async register(username, password = 'correct horse', extra = {}) {
    const r = await this.post('/api/auth/register', { username, password, ...extra });
    if (r.status !== 201) throw new Error(`register ${username}: ${r.status} ${r.text}`);
    return r.data.user;
  }
}
