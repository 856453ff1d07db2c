// Each role sees only what it may: the steward works on their own department, a department user
// and the authorized operator see no administration, the public sees only open data.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, openSession, screenshot, login, menuKeys, go } from './harness.mjs'

const GOVERNMENT_ONLY = ['overview', 'users', 'audit', 'batches', 'quality', 'base', 'review', 'sharing']

test('steward: own department first, may edit only its resources', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_steward')
    const keys = await menuKeys(page)
    assert.ok(keys.includes('catalogue') && keys.includes('users') && keys.includes('overview'), `menu: ${keys}`)
    assert.ok(!keys.includes('audit'), `steward must not see audit: ${keys}`)
    await screenshot(page, 'home-steward')

    await page.locator('[data-test=menu-catalogue]').click()
    const rows = page.locator('[data-test=cat-table] .el-table__row')
    await rows.first().waitFor()
    await page.waitForLoadState('networkidle')
    const n = await rows.count()
    assert.ok(n >= 2, `steward sees ${n} rows`)
    for (let i = 0; i < n; i++) assert.match(await rows.nth(i).innerText(), /区公安分局/)
    assert.match(await page.locator('[data-test=cat-table]').innerText(), /GA_HOUSEHOLD/)
    await screenshot(page, 'catalogue-steward')

    await page.locator('a:has-text("GA_HOUSEHOLD")').click()
    await page.locator('[data-test=res-fields]').waitFor()
    await page.waitForLoadState('networkidle')
    assert.ok(await page.locator('[data-test=res-edit]').isVisible(), 'steward may edit own resource')
    assert.ok((await page.locator('[data-test=badge-authoritative]').count()) >= 4)
    await screenshot(page, 'resource-steward')

    await go(page, '/catalogue/SC_ENTERPRISE')
    await page.locator('[data-test=res-fields]').waitFor()
    assert.equal(await page.locator('[data-test=res-edit]').count(), 0, 'no edit on another department')

    await page.locator('[data-test=menu-users]').click()
    const users = page.locator('[data-test=users-table] .el-table__row')
    await users.first().waitFor()
    const un = await users.count()
    for (let i = 0; i < un; i++) assert.match(await users.nth(i).innerText(), /区公安分局/)
    assert.equal(await page.locator('[data-test=user-new]').count(), 0)
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('department user: catalogue and standards, no administration', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_user')
    const keys = await menuKeys(page)
    assert.ok(keys.includes('catalogue') && keys.includes('standards'), `menu: ${keys}`)
    for (const k of ['users', 'audit']) assert.ok(!keys.includes(k), `dept_user sees ${k}`)
    await page.locator('[data-test=menu-catalogue]').click()
    await page.locator('[data-test=cat-table] .el-table__row').first().waitFor()
    assert.equal(await page.locator('[data-test=cat-new]').count(), 0)
    await screenshot(page, 'catalogue-dept-user')
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('authorized operator: no government administration', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'authorized_operator')
    const keys = await menuKeys(page)
    for (const k of ['users', 'audit']) assert.ok(!keys.includes(k), `operator sees ${k}`)
    await screenshot(page, 'home-operator')
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('public: only open data, no government-only menu, pages refused', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'public')
    const keys = await menuKeys(page)
    assert.deepEqual(keys, ['catalogue', 'home', 'standards'])
    for (const k of GOVERNMENT_ONLY) assert.ok(!keys.includes(k))
    await screenshot(page, 'home-public')

    await page.locator('[data-test=menu-catalogue]').click()
    const table = page.locator('[data-test=cat-table]')
    await table.locator('.el-table__row').first().waitFor()
    await page.waitForLoadState('networkidle')
    const text = await table.innerText()
    assert.match(text, /SC_TEXTILE_FIRMS/)
    assert.doesNotMatch(text, /GA_HOUSEHOLD/, 'public must not see a resource that is not open')
    assert.doesNotMatch(text, /RS_INSURED/)
    await screenshot(page, 'catalogue-public')

    await page.locator('a:has-text("SC_TEXTILE_FIRMS")').click()
    await page.locator('[data-test=res-fields]').waitFor()
    await page.waitForLoadState('networkidle')
    assert.equal(await page.locator('[data-test=res-edit]').count(), 0)
    assert.equal(await page.locator('#tab-versions').count(), 0, 'public sees no version history')

    for (const path of ['/audit', '/users', '/overview']) {
      await go(page, path)
      await page.locator('[data-test=forbidden]').waitFor()
    }
    await screenshot(page, 'forbidden-public')
    s.assertClean()
  } finally {
    await s.close()
  }
})
