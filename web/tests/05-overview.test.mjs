// The one-screen overview on a 1920×1080 canvas, scaled to a 1366×768 laptop and a 3840×2160 wall.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, openSession, screenshot, login, api, tokenFor } from './harness.mjs'

async function canvasBox(page) {
  return page.locator('.canvas').evaluate((el) => {
    const r = el.getBoundingClientRect()
    return { width: Math.round(r.width), height: Math.round(r.height) }
  })
}

test('overview at 1920×1080, 1366×768 and 3840×2160', async (t) => {
  const token = await tokenFor('platform_admin')
  const total = (await api('GET', '/api/v1/resources?page_size=1', { token })).total
  const s = await openSession({ width: 1920, height: 1080 })
  try {
    const { page } = s
    await login(page, 'platform_admin')
    await page.locator('[data-test=menu-overview]').click()
    await page.locator('[data-test=overview]').waitFor()
    await page.locator('[data-test=chart-assets] svg').waitFor()
    await page.locator('[data-test=chart-map] svg').waitFor()
    await page.waitForLoadState('networkidle')
    await page.waitForTimeout(800) // chart entry animation
    assert.equal((await page.locator('[data-test=kpi-resources] .kv').innerText()).replace(/,/g, ''), String(total))
    assert.match(await page.locator('[data-test=ov-title]').innerText(), /一屏统览/)
    assert.match(await page.locator('[data-test=chart-map]').innerText(), /柯桥街道/)
    assert.deepEqual(await canvasBox(page), { width: 1920, height: 1080 })
    await screenshot(page, 'overview-1920x1080')

    await page.setViewportSize({ width: 1366, height: 768 })
    await page.waitForTimeout(300)
    const small = await canvasBox(page)
    assert.ok(small.width <= 1366 && small.height <= 768, JSON.stringify(small))
    await screenshot(page, 'overview-1366x768')

    await page.setViewportSize({ width: 3840, height: 2160 })
    await page.waitForTimeout(300)
    assert.deepEqual(await canvasBox(page), { width: 3840, height: 2160 })
    await screenshot(page, 'overview-3840x2160')
    t.diagnostic(`overview shows ${total} resources`)
    s.assertClean()
  } finally {
    await s.close()
  }
})
