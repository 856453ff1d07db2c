// Sharing: a department user applies for another department's resource from its page; the
// owning steward approves it from the queue; the applicant sees the grant and creates an
// application credential; a second application is rejected with a reason the applicant sees;
// the steward revokes the grant.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openSession, screenshot, login, menuKeys, go, api, tokenFor } from './harness.mjs'

const runId = Date.now().toString(36)
const PURPOSE = `低保资格核对-${runId}`
const REJECTED = `车辆核查-${runId}`
const REASON = `用途与车辆数据无关-${runId}`

test('apply → approve as the owning steward → the applicant sees the grant', async () => {
  // 1. The department user applies from the resource page.
  let s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_user')
    const keys = await menuKeys(page)
    assert.ok(keys.includes('sharing'), `dept_user menu: ${keys}`)
    await go(page, '/catalogue/GA_HOUSEHOLD')
    await page.locator('[data-test=res-fields]').waitFor()
    await page.locator('[data-test=res-apply]').click()
    await page.waitForURL(/\/sharing\?/)
    await page.locator('[data-test=apply-resource-info]').waitFor()
    assert.match(await page.locator('[data-test=apply-resource-info]').innerText(), /区公安分局.*有条件共享/)
    await page.locator('[data-test=apply-fields]').click()
    for (const f of ['id_number', 'name']) await page.locator('.el-select-dropdown__item:visible', { hasText: f }).first().click()
    await page.keyboard.press('Escape')
    await page.locator('[data-test=apply-purpose]').fill(PURPOSE)
    await screenshot(page, 'sharing-apply')
    await page.locator('[data-test=apply-submit]').click()
    const mine = page.locator('[data-test=apps-mine]')
    const row = mine.locator('.el-table__row', { hasText: PURPOSE })
    await row.waitFor()
    assert.match(await row.innerText(), /GA_HOUSEHOLD/)
    assert.match(await row.innerText(), /待审批/)
    assert.match(await row.innerText(), /id_number, name/)
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'sharing-mine')
    s.assertClean()
  } finally {
    await s.close()
  }

  // 2. The owning steward approves it from the queue, partially masking the ID number.
  s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_steward')
    await page.locator('[data-test=menu-sharing]').click()
    await page.locator('#tab-provider').click()
    const queue = page.locator('[data-test=apps-provider]')
    const row = queue.locator('.el-table__row', { hasText: PURPOSE })
    await row.waitFor()
    assert.match(await row.innerText(), /区民政局/)
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'sharing-queue')
    await row.locator('[data-test^=approve-]').click()
    await page.locator('.el-dialog:visible label', { hasText: 'hash' }).first().click()
    await page.locator('[data-test=decide-submit]').click()
    await row.waitFor({ state: 'detached' })

    await page.locator('#tab-grants').click()
    await page.locator('[data-test=grants-side] label', { hasText: '作为提供方' }).click()
    const grant = page.locator('[data-test=grants-table] .el-table__row', { hasText: PURPOSE })
    await grant.waitFor()
    assert.match(await grant.innerText(), /有效/)
    assert.match(await grant.innerText(), /id_number:hash/)
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'sharing-grants-provider')
    s.assertClean()
  } finally {
    await s.close()
  }

  // 3. The applicant sees the grant and creates a credential for the sharing API.
  s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_user')
    await go(page, '/sharing?tab=mine')
    const row = page.locator('[data-test=apps-mine] .el-table__row', { hasText: PURPOSE })
    await row.waitFor()
    assert.match(await row.innerText(), /已授权/)
    assert.match(await row.innerText(), /steward_ga/)
    await page.locator('#tab-grants').click()
    const grant = page.locator('[data-test=grants-table] .el-table__row', { hasText: PURPOSE })
    await grant.waitFor()
    assert.match(await grant.innerText(), /GA_HOUSEHOLD/)
    assert.match(await grant.innerText(), /有效/)
    assert.match(await grant.innerText(), /name:partial/)
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'sharing-grants-consumer')

    await page.locator('#tab-credentials').click()
    await page.locator('[data-test=cred-name]').fill(`低保核对系统-${runId}`)
    await page.locator('[data-test=cred-create]').click()
    const secret = page.locator('[data-test=cred-secret]')
    await secret.waitFor()
    assert.match(await secret.innerText(), /ysc_[0-9a-f]{64}/)
    await page.locator('[data-test=creds-table] .el-table__row', { hasText: `低保核对系统-${runId}` }).waitFor()
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'sharing-credentials')

    await page.locator('#tab-usage').click()
    await page.locator('[data-test=usage-table] .el-table__row', { hasText: PURPOSE }).waitFor()
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('reject with a reason the applicant sees; the steward revokes a grant', async () => {
  const userToken = await tokenFor('dept_user')
  await api('POST', '/api/v1/sharing/applications', { token: userToken, body: { resource: 'GA_VEHICLE', purpose: REJECTED } })

  let s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_steward')
    await go(page, '/sharing?tab=provider')
    const row = page.locator('[data-test=apps-provider] .el-table__row', { hasText: REJECTED })
    await row.waitFor()
    await row.locator('[data-test^=reject-]').click()
    assert.ok(await page.locator('[data-test=decide-submit]').isDisabled(), 'a rejection needs a reason')
    await page.locator('[data-test=reject-reason]').fill(REASON)
    await page.locator('[data-test=decide-submit]').click()
    await row.waitFor({ state: 'detached' })

    // Revoke the grant approved in the first test (or any active one of this run).
    await page.locator('#tab-grants').click()
    await page.locator('[data-test=grants-side] label', { hasText: '作为提供方' }).click()
    const grant = page.locator('[data-test=grants-table] .el-table__row', { hasText: PURPOSE })
    await grant.waitFor()
    await grant.locator('[data-test^=revoke-]').click()
    await page.locator('[data-test=revoke-reason]').fill('核对工作已结束')
    await page.locator('[data-test=revoke-submit]').click()
    await grant.filter({ hasText: '已撤销' }).waitFor()
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'sharing-revoked')
    s.assertClean()
  } finally {
    await s.close()
  }

  s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_user')
    await page.locator('[data-test=menu-sharing]').click()
    const row = page.locator('[data-test=apps-mine] .el-table__row', { hasText: REJECTED })
    await row.waitFor()
    assert.match(await row.innerText(), /已驳回/)
    assert.match(await row.innerText(), new RegExp(REASON))
    await page.locator('[data-test=lang]').click()
    await row.filter({ hasText: 'Rejected' }).waitFor()
    await page.locator('h1', { hasText: 'Sharing' }).waitFor()
    await screenshot(page, 'sharing-rejected-en')
    await page.locator('[data-test=lang]').click()
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('the public sees no sharing or quality pages', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'public')
    await go(page, '/sharing')
    await page.locator('[data-test=forbidden]').waitFor()
    await go(page, '/quality')
    await page.locator('[data-test=forbidden]').waitFor()
    s.assertClean()
  } finally {
    await s.close()
  }
})
