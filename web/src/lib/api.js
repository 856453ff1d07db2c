// The JSON API client: bearer token, one error shape, and the OpenAPI document as the list of
// what this server can do (capabilities and the roles allowed on each route).
import { reactive } from 'vue'

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code || `HTTP ${status}`)
    this.status = status
    this.code = code
    this.details = details
  }
}

const TOKEN_KEY = 'yishu.session'

// The signed-in session: {token, expires_at, user:{username, display_name, department, role}}.
export const session = reactive({ token: '', expires_at: '', user: null })

function loadSession() {
  try {
    const s = JSON.parse(localStorage.getItem(TOKEN_KEY) || 'null')
    if (s && s.token && (!s.expires_at || Date.parse(s.expires_at) > Date.now())) {
      Object.assign(session, s)
    }
  } catch {
    localStorage.removeItem(TOKEN_KEY)
  }
}
loadSession()

export function setSession(s) {
  Object.assign(session, { token: s.token, expires_at: s.expires_at, user: s.user })
  localStorage.setItem(TOKEN_KEY, JSON.stringify(session))
}

export function clearSession() {
  Object.assign(session, { token: '', expires_at: '', user: null })
  localStorage.removeItem(TOKEN_KEY)
}

let onUnauthenticated = () => {}
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn
}

function query(params) {
  if (!params) return ''
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

// request('GET', '/api/v1/resources', {query, body, headers, raw}) → parsed JSON (or {data, headers} with raw).
export async function request(method, path, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) }
  let body
  if (opts.body !== undefined) {
    if (typeof opts.body === 'string') {
      body = opts.body
      headers['Content-Type'] = headers['Content-Type'] || 'text/plain; charset=utf-8'
    } else {
      body = JSON.stringify(opts.body)
      headers['Content-Type'] = 'application/json'
    }
  }
  if (session.token) headers.Authorization = `Bearer ${session.token}`
  const res = await fetch(path + query(opts.query), { method, headers, body })
  const text = await res.text()
  let data = null
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = text
    }
  }
  if (!res.ok) {
    const e = (data && data.error) || {}
    const err = new ApiError(res.status, e.code, e.message || `HTTP ${res.status}`, e.details)
    if (res.status === 401 && session.token && !opts.noAuthRedirect) {
      clearSession()
      onUnauthenticated()
    }
    throw err
  }
  return opts.raw ? { data, headers: res.headers, status: res.status } : data
}

// Sends a file's bytes as the body (an upload), with query parameters.
export async function upload(path, file, q) {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/octet-stream' }
  if (session.token) headers.Authorization = `Bearer ${session.token}`
  const res = await fetch(path + query(q), { method: 'POST', headers, body: file })
  const text = await res.text()
  let data = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = text
  }
  if (!res.ok) {
    const e = (data && data.error) || {}
    throw new ApiError(res.status, e.code, e.message || `HTTP ${res.status}`, e.details)
  }
  return data
}

export const get = (path, q, opts = {}) => request('GET', path, { ...opts, query: q })
export const post = (path, body, opts = {}) => request('POST', path, { ...opts, body })
export const put = (path, body, opts = {}) => request('PUT', path, { ...opts, body })

// ---- capabilities from the OpenAPI document ------------------------------------------------

let openapiPromise = null
export const capabilities = reactive({ loaded: false, routes: {} })

// Loads /api/v1/openapi.json once: routes[`GET /api/v1/users`] = ['platform_admin', ...] or 'public route'.
export function loadCapabilities() {
  if (!openapiPromise) {
    openapiPromise = get('/api/v1/openapi.json')
      .then((doc) => {
        const routes = {}
        for (const [path, ops] of Object.entries(doc.paths || {})) {
          for (const [method, op] of Object.entries(ops)) {
            routes[`${method.toUpperCase()} ${path}`] = op['x-yishu-roles'] ?? []
          }
        }
        capabilities.routes = routes
        capabilities.loaded = true
        return capabilities
      })
      .catch((e) => {
        openapiPromise = null
        throw e
      })
  }
  return openapiPromise
}

// True when the server has the route ("GET /api/v1/overview").
export function hasRoute(route) {
  return Object.prototype.hasOwnProperty.call(capabilities.routes, route)
}

// True when the server has the route and the role may call it.
export function roleMay(route, role) {
  const roles = capabilities.routes[route]
  if (roles === undefined) return false
  if (roles === 'public route') return true
  return Array.isArray(roles) && roles.includes(role)
}

// Fetches every page of a paged list (page_size 200) up to maxPages; answers {items, total}.
export async function getAllPages(path, q = {}, maxPages = 25) {
  const items = []
  let total = 0
  for (let page = 1; page <= maxPages; page++) {
    const r = await get(path, { ...q, page, page_size: 200 })
    items.push(...r.items)
    total = r.total
    if (items.length >= total || r.items.length === 0) break
  }
  return { items, total }
}
