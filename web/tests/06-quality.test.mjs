// Collection and quality: the providing steward delivers a file with bad rows; the batch's
// quarantine shows every reason; the tickets the platform raised land in the steward's inbox,
// where they are acknowledged and marked fixed; the resource page shows scores, profiles,
// classification proposals (confirm / override) and lineage; the auditor sees key versions.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, openSession, screenshot, login, menuKeys, go, tokenFor, expectCount } from './harness.mjs'

const runId = Date.now().toString(36)
const FILE = `web-quality-${runId}.csv`
const RESOURCE = 'GA_VEHICLE'
let batchId = 0

// Line 2 passes; line 3 has a wrong check character; line 4 a bad plate and a short ID number.
const CSV = 'plate,owner_id\n浙D12345,11010519491231002X\n浙D1234X,330621199001011234\nABC,123\n'

before(async () => {
  const token = await tokenFor('dept_steward')
  const res = await fetch(`${BASE}/api/v1/resources/${RESOURCE}/batches?file_name=${FILE}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' },
    body: CSV,
  })
  const body = await res.json()
  assert.equal(res.status, 201, JSON.stringify(body))
  assert.equal(body.quarantined, 2)
  batchId = body.id
})

test('steward: the batch list and the quarantine with its reasons', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_steward')
    const keys = await menuKeys(page)
    for (const k of ['batches', 'quality', 'sharing']) assert.ok(keys.includes(k), `steward menu lacks ${k}: ${keys}`)
    assert.ok(!keys.includes('keys'), 'a steward sees no key versions')

    await page.locator('[data-test=menu-batches]').click()
    await page.locator('[data-test=batch-resource]').click()
    await page.keyboard.type('GA_VEHICLE')
    await page.locator('.el-select-dropdown__item:visible', { hasText: RESOURCE }).first().click()
    await page.waitForURL(/resource=GA_VEHICLE/)
    const table = page.locator('[data-test=batches-table]')
    const row = table.locator('.el-table__row', { hasText: FILE })
    await row.waitFor()
    assert.match(await row.innerText(), /check_digit × 1/)
    // The list is paged by the server: the pager counts every batch of the resource.
    assert.match(await page.locator('[data-test=batches-pager]').innerText(), /\d/)
    await screenshot(page, 'batches')

    await page.locator(`[data-test=batch-${batchId}]`).click()
    await page.waitForURL(new RegExp(`/batches/${batchId}$`))
    const q = page.locator('[data-test=quarantine-table]')
    await q.locator('.el-table__row').first().waitFor()
    await page.waitForLoadState('networkidle')
    await expectCount(q.locator('.el-table__row'), 2)
    const text = await q.innerText()
    assert.match(text, /校验码应为 0/)
    assert.match(text, /号牌应以省份简称开头/)
    assert.match(text, /身份证号码应为 18 位/)
    assert.match(text, /ABC,123/)
    assert.match(await page.locator('[data-test=batch-quarantined]').innerText(), /^2$/)
    assert.match(await page.locator('[data-test=batch-reasons]').innerText(), /format × 1/)
    await page.locator('[data-test=batch-scores]').waitFor()
    assert.match(await page.locator('[data-test=lineage-events]').innerText(), /COMPLETE/)
    await screenshot(page, 'batch-quarantine', { fullPage: true })
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('steward: uploads a file from the batches page', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_steward')
    await go(page, `/batches?resource=${RESOURCE}`)
    await page.locator('[data-test=batches-table] .el-table__row').first().waitFor()
    await page.locator('[data-test=batch-upload]').click()
    const name = `web-upload-${runId}.csv`
    await page.locator('[data-test=upload-file]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from('plate,owner_id\n浙D54321,11010519491231002X\n') })
    await page.locator('[data-test=upload-send]').click()
    const row = page.locator('[data-test=batches-table] .el-table__row', { hasText: name })
    await row.waitFor()
    assert.match(await row.innerText(), /已完成/)
    await page.locator('.el-message', { hasText: '入库 1 行，隔离 0 行' }).waitFor()
    await screenshot(page, 'batches-uploaded')
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('steward: a quality ticket is acknowledged and marked fixed', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_steward')
    await page.locator('[data-test=menu-quality]').click()
    await page.locator('[data-test=dept-scores]').waitFor()
    await page.locator('[data-test=q-resource]').fill(RESOURCE)
    await page.keyboard.press('Enter')
    await page.waitForURL(/resource=GA_VEHICLE/)
    const table = page.locator('[data-test=tickets-table]')
    const row = table.locator('.el-table__row', { hasText: `in batch ${batchId} (${FILE})` }).filter({ hasText: 'check_digit' })
    await row.waitFor()
    assert.match(await row.innerText(), /待处理/)
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'quality-inbox')

    await row.click()
    const detail = page.locator('[data-test=ticket-detail]')
    await detail.waitFor()
    assert.match(await detail.innerText(), /校验码应为 0/)
    const status = page.locator('[data-test=ticket-status]')
    assert.equal((await status.innerText()).trim(), '待处理')
    await page.locator('[data-test=ticket-acknowledge]').click()
    await page.locator('[data-test=ticket-status]', { hasText: '已确认' }).waitFor()

    await page.locator('[data-test=ticket-note]').fill('源系统已修正校验码')
    await page.locator('[data-test=ticket-fix]').click()
    await page.locator('[data-test=ticket-status]', { hasText: '已整改' }).waitFor()
    const history = page.locator('[data-test=ticket-history]')
    await history.locator('text=源系统已修正校验码').waitFor()
    assert.match(await history.innerText(), /待处理 → 已确认/)
    assert.match(await history.innerText(), /已确认 → 已整改/)
    assert.equal(await page.locator('[data-test=ticket-fix]').count(), 0, 'no further action for the steward')
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'quality-ticket')

    // The list shows the new status (the server's, after a reload).
    await page.keyboard.press('Escape')
    await table.locator('.el-table__row', { hasText: `in batch ${batchId} (${FILE})` }).filter({ hasText: '已整改' }).first().waitFor()
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('steward: the resource page shows quality, classification and lineage', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_steward')
    await go(page, `/catalogue/${RESOURCE}`)
    await page.locator('[data-test=res-fields]').waitFor()
    assert.equal(await page.locator('[data-test=res-apply]').count(), 0, 'no application for its own resource')

    await page.locator('#tab-quality').click()
    await page.locator('[data-test=res-quality]').waitFor()
    await page.locator('[data-test=res-profile] .el-table__row').first().waitFor()
    assert.match(await page.locator('[data-test=res-overall]').innerText(), /%$/)
    assert.match(await page.locator('[data-test=res-profile]').innerText(), /owner_id/)
    await page.locator('[data-test=res-trend] svg').waitFor()
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'resource-quality', { fullPage: true })

    await page.locator('#tab-classification').click()
    await page.locator('[data-test=cls-scan]').click()
    const cls = page.locator('[data-test=cls-table]')
    await cls.locator('.el-table__row', { hasText: 'owner_id' }).waitFor()
    await page.locator('[data-test=cls-confirm-plate]').click()
    await page.locator('[data-test=cls-decision-plate]', { hasText: '已确认' }).waitFor()
    await page.locator('[data-test=cls-override-owner_id]').click()
    await page.locator('[data-test=override-level] label', { hasText: 'L4' }).click()
    await page.locator('[data-test=override-category] label', { hasText: '重要数据' }).click()
    await page.locator('[data-test=override-submit]').click()
    await page.locator('[data-test=cls-decision-owner_id]', { hasText: '已调整' }).waitFor()
    assert.match(await cls.locator('.el-table__row', { hasText: 'owner_id' }).innerText(), /已调整\s*L4 · 重要数据/)
    assert.equal((await page.locator('[data-test=cls-level]').innerText()).trim(), 'L4')
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'resource-classification', { fullPage: true })

    await page.locator('#tab-lineage').click()
    const lineage = page.locator('[data-test=res-lineage]')
    await lineage.locator(`text=${FILE}`).waitFor()
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'resource-lineage')
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('auditor: key versions; English labels switch', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'security_auditor')
    const keys = await menuKeys(page)
    assert.ok(keys.includes('keys'), `auditor menu: ${keys}`)
    assert.ok(!keys.includes('sharing'), 'the auditor does not apply for data')
    await page.locator('[data-test=menu-keys]').click()
    const table = page.locator('[data-test=keys-table]')
    await table.locator('.el-table__row', { hasText: RESOURCE }).waitFor()
    assert.match(await table.innerText(), /active/)
    await screenshot(page, 'keys')
    await page.locator('[data-test=lang]').click()
    await page.locator('h1', { hasText: 'Data key versions' }).waitFor()
    await screenshot(page, 'keys-en')
    await page.locator('[data-test=lang]').click()
    s.assertClean()
  } finally {
    await s.close()
  }
})
