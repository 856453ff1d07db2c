// Browser-test harness: Debian's chromium driven by playwright-core, one fresh profile per
// session, and a watch on every page for console errors, uncaught exceptions, failed requests
// and HTTP error answers (except those a test provokes on purpose and declares with allow()).
//
// Environment (set by scripts/web-test.sh):
//   YISHU_WEB_URL        the console, e.g. http://127.0.0.1:18080
//   YISHU_WEB_PASSWORD   the password of every test user (admin included)
//   YISHU_ARTIFACTS_DIR  where screenshots go (default: <repo>/test-artifacts/screenshots)
//   CHROMIUM             the browser (default /usr/bin/chromium)
import { chromium } from 'playwright-core'
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'

const here = dirname(fileURLToPath(import.meta.url))
export const BASE = (process.env.YISHU_WEB_URL || 'http://127.0.0.1:8080').replace(/\/$/, '')
export const PASSWORD = process.env.YISHU_WEB_PASSWORD || 'Yishu-test-2026!'
export const ARTIFACTS = process.env.YISHU_ARTIFACTS_DIR || join(here, '..', '..', 'test-artifacts', 'screenshots')
mkdirSync(ARTIFACTS, { recursive: true })

// The test users web-test.sh creates: role → {username, department}.
export const USERS = {
  platform_admin: { username: 'admin', department: '' },
  dept_steward: { username: 'steward_ga', department: 'GA' },
  dept_user: { username: 'user_mz', department: 'MZ' },
  security_auditor: { username: 'auditor', department: '' },
  authorized_operator: { username: 'operator', department: 'SJY' },
  public: { username: 'citizen', department: '' },
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]

// A browser session with a fresh profile. Close it with session.close().
export async function openSession({ width = 1600, height = 900, locale = 'zh-CN' } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'yishu-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport: { width, height },
    locale,
    timezoneId: 'Asia/Shanghai',
  })
  context.setDefaultTimeout(15000)
  const problems = []
  const allowed = []
  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') {
        const text = msg.text()
        // Chromium logs every 4xx/5xx answer as a console error too; those are judged by
        // the response handler below (which knows which ones a test provoked).
        if (/Failed to load resource: the server responded with a status of \d+/.test(text)) return
        problems.push(`console error: ${text}`)
      }
    })
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
    page.on('requestfailed', (req) => {
      // A request the page itself cancelled (it navigated on before the answer came, as a busy
      // machine makes likely) is not a failure of the server or the console.
      if (req.failure()?.errorText === 'net::ERR_ABORTED') return
      problems.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText})`)
    })
    page.on('response', (res) => {
      if (res.status() < 400) return
      const url = res.url()
      const method = res.request().method()
      const i = allowed.findIndex((a) => a.status === res.status() && url.includes(a.path) && (!a.method || a.method === method))
      if (i >= 0) {
        allowed[i].seen = true
        return
      }
      problems.push(`HTTP ${res.status()}: ${method} ${url}`)
    })
  }
  context.on('page', watch)
  const page = context.pages()[0] || (await context.newPage())
  watch(page)
  return {
    context,
    page,
    problems,
    // Declares a 4xx/5xx answer the test provokes on purpose.
    allow(status, path, method) {
      allowed.push({ status, path, method, seen: false })
    },
    // Fails the test on anything the watch saw.
    assertClean() {
      assert.deepEqual(problems, [], `the browser reported problems:\n${problems.join('\n')}`)
    },
    async close() {
      await context.close().catch(() => {})
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

// Waits until `locator` matches `n` elements (the list re-renders after its answer arrives,
// later on a busy machine), then asserts it.
export async function expectCount(locator, n, message) {
  for (let waited = 0; waited < 10000 && (await locator.count()) !== n; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.equal(await locator.count(), n, message)
}

export async function screenshot(page, name, opts = {}) {
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.waitForTimeout(150) // let the last render settle
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: !!opts.fullPage, animations: 'disabled' })
}

// Signs in through the login form and waits for the console.
export async function login(page, role, password = PASSWORD) {
  const u = USERS[role]
  await page.goto(`${BASE}/login`)
  await page.locator('input[name=username]').fill(u.username)
  await page.locator('input[name=password]').fill(password)
  await page.locator('[data-test=login-submit]').click()
  await page.locator('[data-test=welcome]').waitFor()
  await page.waitForLoadState('networkidle')
}

// Menu items shown to the signed-in user (data-test keys without the "menu-" prefix).
export async function menuKeys(page) {
  await page.locator('[data-test=menu]').waitFor()
  const keys = await page.locator('[data-test^=menu-]').evaluateAll((els) => els.map((e) => e.getAttribute('data-test').slice(5)))
  return keys.sort()
}

// Goes to a console path by clicking through the menu when possible, else by URL.
export async function go(page, path) {
  await page.goto(`${BASE}${path}`)
  await page.waitForLoadState('networkidle')
}

// An API call from the test itself (not through the page), e.g. to read what the page should show.
export async function api(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const res = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  const data = text ? JSON.parse(text) : null
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`)
  return data
}

export async function tokenFor(role) {
  const r = await api('POST', '/api/v1/auth/login', { body: { username: USERS[role].username, password: PASSWORD } })
  return r.token
}
