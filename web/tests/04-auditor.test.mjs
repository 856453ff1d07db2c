// The security auditor: the audit search shows the sign-ins, and the chain verifies intact.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openSession, screenshot, login, menuKeys, tokenFor } from './harness.mjs'

test('auditor searches the audit trail and verifies the chain', async () => {
  await tokenFor('platform_admin') // a sign-in the search must show
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'security_auditor')
    const keys = await menuKeys(page)
    assert.ok(keys.includes('audit'), `menu: ${keys}`)
    await page.locator('[data-test=menu-audit]').click()
    const table = page.locator('[data-test=audit-table]')
    await table.locator('.el-table__row').first().waitFor()
    await screenshot(page, 'audit')

    await page.locator('[data-test=audit-action]').click()
    await page.keyboard.type('login')
    await page.locator('.el-select-dropdown__item:visible', { hasText: /^login$/ }).click()
    await page.locator('[data-test=audit-search]').click()
    await page.waitForLoadState('networkidle')
    await table.locator('.el-table__row', { hasText: 'auditor' }).first().waitFor()
    const rows = table.locator('.el-table__row')
    const n = await rows.count()
    assert.ok(n >= 2, `${n} login events`)
    const text = await table.innerText()
    assert.match(text, /admin/)
    assert.match(text, /auditor/)
    for (let i = 0; i < n; i++) assert.match(await rows.nth(i).innerText(), /\blogin\b/)

    await page.locator('[data-test=audit-verify]').click()
    const result = page.locator('[data-test=verify-result]')
    await result.waitFor()
    assert.match(await result.innerText(), /审计链完整/)
    await screenshot(page, 'audit-verified')
    s.assertClean()
  } finally {
    await s.close()
  }
})
