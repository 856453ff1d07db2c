// Base libraries, lineage and paged sharing lists. The platform admin runs a golden resolution on
// the seed persons (scripts/web-test.sh loads 户籍, 低保 and 居家养老 files), searches by ID number,
// opens a golden record and reads each attribute's provenance (name from the household register,
// address from 低保, the authoritative source of addresses), explains the link of its two
// members, decides a queued pair in the review queue and sees the decision take effect on the
// golden records; the legal-entity library is searched by name; a steward and a department user
// see the base library without administration;
// the resource page draws the lineage graph; the sharing lists page on the server.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openSession, screenshot, login, menuKeys, go, api, tokenFor, expectCount } from './harness.mjs'

// 方伟豪: in 户籍 (GA_HOUSEHOLD:17) and 低保 (MZ_DIBAO:1) with this ID number; the elderly-care
// record MZ_ELDERLY:17 has the same name and address but another birth year.
const ID = '330621195911097848'
const NAME = '方伟豪'
const GA = 'GA_HOUSEHOLD:17'
const MZ = 'MZ_DIBAO:1'
const ELDERLY = 'MZ_ELDERLY:17'

test('admin: a run, search, a golden record with provenance, an explanation', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'platform_admin')
    const keys = await menuKeys(page)
    for (const k of ['base', 'review']) assert.ok(keys.includes(k), `admin menu lacks ${k}: ${keys}`)

    await page.locator('[data-test=menu-base]').click()
    await page.waitForURL(/\/base$/)
    await page.locator('[data-test=md-runs]').waitFor()
    // A full run with a wide review band, so that the weak pairs of this small set are queued.
    await page.locator('[data-test=md-review-p]').fill('0.0001')
    await page.locator('[data-test=md-run-full]').click()
    await page.locator('.el-message--success', { hasText: '运行 #' }).waitFor({ timeout: 30000 })
    const run = page.locator('[data-test=md-runs] .el-table__row').first()
    await run.waitFor()
    assert.match(await run.innerText(), /#1\s+全量/)
    await page.waitForLoadState('networkidle')
    const pager = page.locator('[data-test=md-pager]')
    const total = Number((await pager.locator('.el-pagination__total').innerText()).match(/\d+/)[0])
    assert.ok(total >= 60, `golden records: ${total}`)
    await expectCount(page.locator('[data-test=md-golden-table] .el-table__row'), 10, 'the server pages by 10')
    // Sealed values are masked in the list: no ID number, no name in clear.
    const listText = await page.locator('[data-test=md-golden-table]').innerText()
    assert.doesNotMatch(listText, /\d{17}[\dX]/)
    await screenshot(page, 'base-library', { fullPage: true })
    await pager.locator('.btn-next').click()
    await page.waitForURL(/page=2/)

    // Search by ID number: found on its blind index, masked.
    await page.locator('[data-test=md-q]').fill(ID)
    await page.locator('[data-test=md-search]').click()
    await page.locator('[data-test=md-match]', { hasText: '按标识号' }).waitFor()
    const rows = page.locator('[data-test=md-golden-table] .el-table__row')
    await page.waitForLoadState('networkidle')
    await expectCount(rows, 1)
    const row = await rows.first().innerText()
    assert.match(row, /330621\*+7848/)
    assert.ok(!row.includes(ID) && !row.includes(NAME), 'identifier and name are masked')
    await rows.first().click()

    // The golden record: each attribute's rule and provenance.
    const golden = page.locator('[data-test=md-golden]')
    await golden.waitFor()
    const attrs = golden.locator('[data-test=md-attrs]')
    const name = attrs.locator('.el-table__row', { hasText: '姓名' })
    assert.match(await name.innerText(), /方\*\*[\s\S]*权威来源[\s\S]*GA_HOUSEHOLD[\s\S]*name[\s\S]*#\d+[\s\S]*17/)
    const address = attrs.locator('.el-table__row', { hasText: '地址' })
    assert.match(await address.innerText(), /权威来源[\s\S]*MZ_DIBAO[\s\S]*address/)
    const idRow = attrs.locator('.el-table__row', { hasText: '身份证号' })
    assert.match(await idRow.innerText(), /加密存储[\s\S]*GA_HOUSEHOLD/)
    const members = await golden.locator('[data-test=md-members]').innerText()
    assert.match(members, /GA_HOUSEHOLD/)
    assert.match(members, /MZ_DIBAO/)
    assert.match(await golden.locator('[data-test=md-history]').innerText(), /新建/)

    // The explanation of the link between its two members.
    await golden.locator('[data-test=md-explain-go]').click()
    const ex = golden.locator('[data-test=md-explanation]')
    await ex.waitFor()
    assert.match(await ex.innerText(), /标识号一致（确定性匹配）/)
    assert.equal((await ex.locator('[data-test=md-probability]').innerText()).trim(), '100.0%')
    const comparisons = ex.locator('[data-test=md-comparisons] .el-table__row')
    await expectCount(comparisons, 6)
    assert.match(await ex.locator('[data-test=md-comparisons]').innerText(), /身份证号[\s\S]*exact/)
    assert.match(await ex.innerText(), new RegExp(`${GA} → #\\d+ · ${MZ} → #\\d+`))
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'base-golden', { fullPage: true })
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('admin: the review queue — explain a pair, decide it, see the golden records follow', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'platform_admin')
    await page.locator('[data-test=menu-review]').click()
    await page.waitForURL(/\/review$/)
    const table = page.locator('[data-test=rv-table]')
    const PAIR = `${GA} ⇄ ${ELDERLY}`
    const row = table.locator('.el-table__row', { hasText: PAIR })
    await row.waitFor()
    assert.match(await row.innerText(), /待审核/)
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'review-queue')

    await row.click()
    const detail = page.locator('[data-test=rv-detail]')
    await detail.waitFor()
    const ex = detail.locator('[data-test=md-explanation]')
    await ex.waitFor()
    const p = Number((await ex.locator('[data-test=md-probability]').innerText()).replace('%', ''))
    assert.ok(p < 50, `a queued pair scores under the match threshold: ${p}%`)
    const cmp = await ex.locator('[data-test=md-comparisons]').innerText()
    assert.match(cmp, /姓名[\s\S]*exact/)
    assert.match(cmp, /出生日期[\s\S]*different/)
    await screenshot(page, 'review-explanation')
    await detail.locator('[data-test=rv-note]').fill('同一人，养老登记出生年份录错')
    await detail.locator('[data-test=rv-match]').click()

    const decided = page.locator('[data-test=rv-decided]')
    await decided.waitFor()
    assert.match(await decided.innerText(), /同一对象/)
    await page.waitForLoadState('networkidle')
    assert.equal(await table.locator('.el-table__row', { hasText: PAIR }).count(), 0, 'the pair left the pending queue')
    // Decided pairs are listed under their decision.
    await page.locator('[data-test=rv-status] label', { hasText: '同一对象' }).click()
    const done = table.locator('.el-table__row', { hasText: PAIR })
    await done.waitFor()
    assert.match(await done.innerText(), /admin[\s\S]*养老登记出生年份录错/)

    // An incremental run applies it: the elderly-care record joins the golden record.
    await page.locator('[data-test=rv-apply]').click()
    await page.locator('[data-test=rv-applied]', { hasText: '合并 1' }).waitFor({ timeout: 30000 })
    await screenshot(page, 'review-decided')
    await page.locator('[data-test=rv-open-golden]').click()
    await page.waitForURL(/\/base\?q=/)
    await page.locator('[data-test=md-match]', { hasText: '按来源记录' }).waitFor()
    await page.locator('[data-test=md-golden-table] .el-table__row').first().click()
    const golden = page.locator('[data-test=md-golden]')
    await golden.waitFor()
    const members = await golden.locator('[data-test=md-members]').innerText()
    for (const r of ['GA_HOUSEHOLD', 'MZ_DIBAO', 'MZ_ELDERLY']) assert.match(members, new RegExp(r))
    assert.match(await golden.locator('[data-test=md-history]').innerText(), /吸收/)
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'base-golden-merged', { fullPage: true })
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('admin: the legal-entity library — a run, a search by name, a golden record from two sources', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'platform_admin')
    await page.locator('[data-test=menu-base]').click()
    await page.locator('[data-test=md-runs]').waitFor()
    await page.locator('[data-test=md-subject-legal_entity]').click()
    await page.waitForURL(/subject=legal_entity/)
    await page.waitForLoadState('networkidle')
    await page.locator('[data-test=md-run-full]').click()
    await page.locator('.el-message--success', { hasText: '8 个主记录' }).waitFor({ timeout: 30000 })
    // Organisation names are not sealed: found by text.
    await page.locator('[data-test=md-q]').fill('纺')
    await page.keyboard.press('Enter')
    await page.locator('[data-test=md-match]', { hasText: '按非加密属性文字' }).waitFor()
    const rows = page.locator('[data-test=md-golden-table] .el-table__row')
    await page.waitForLoadState('networkidle')
    await expectCount(rows, 3)
    const row = rows.filter({ hasText: '绍兴柯桥恒瑞纺织有限公司' })
    assert.match(await row.innerText(), /913306217877893239[\s\S]*陈\*\*[\s\S]*2/)
    await row.click()
    const golden = page.locator('[data-test=md-golden]')
    await golden.waitFor()
    const org = golden.locator('[data-test=md-attrs] .el-table__row', { hasText: '名称' })
    assert.match(await org.innerText(), /绍兴柯桥恒瑞纺织有限公司[\s\S]*权威来源[\s\S]*SC_ENTERPRISE[\s\S]*org_name/)
    const members = await golden.locator('[data-test=md-members]').innerText()
    assert.match(members, /SC_ENTERPRISE[\s\S]*SC_TEXTILE_FIRMS/)
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'base-legal-entity', { fullPage: true })
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('steward and department user: search the base library, no runs and no review', async () => {
  for (const role of ['dept_steward', 'dept_user']) {
    const s = await openSession()
    try {
      const { page } = s
      await login(page, role)
      const keys = await menuKeys(page)
      assert.ok(keys.includes('base'), `${role} menu lacks base: ${keys}`)
      assert.ok(!keys.includes('review'), `${role} sees the review queue`)
      await page.locator('[data-test=menu-base]').click()
      await page.locator('[data-test=md-golden-table] .el-table__row').first().waitFor()
      assert.equal(await page.locator('[data-test=md-runs]').count(), 0, 'no runs for department roles')
      await page.locator('[data-test=md-q]').fill(ID)
      await page.keyboard.press('Enter')
      await page.locator('[data-test=md-match]', { hasText: '按标识号' }).waitFor()
      await page.locator('[data-test=md-golden-table] .el-table__row').first().click()
      await page.locator('[data-test=md-attrs]').waitFor()
      await page.waitForLoadState('networkidle')
      // The steward may explain a link; the department user may not.
      assert.equal(await page.locator('[data-test=md-explain-go]').count(), role === 'dept_steward' ? 1 : 0)
      if (role === 'dept_user') await screenshot(page, 'base-dept-user')
      s.assertClean()
    } finally {
      await s.close()
    }
  }
})

test('the resource page draws its lineage: files → resource → base library and grants', async () => {
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'platform_admin')
    await go(page, '/catalogue/GA_HOUSEHOLD')
    await page.locator('[data-test=res-fields]').waitFor()
    await page.locator('#tab-lineage').click()
    const graph = page.locator('[data-test=lineage-graph]')
    await graph.locator('svg').waitFor()
    const svg = await graph.innerHTML()
    assert.match(svg, /GA_HOUSEHOLD/)
    assert.match(svg, /人口库/)
    const lineage = page.locator('[data-test=res-lineage]')
    assert.match(await lineage.innerText(), /persons-ga-household\.csv/)
    assert.match(await lineage.locator('[data-test=lineage-base]').innerText(), /人口库[\s\S]*\d+ 个主记录/)
    // The grant of tests/07 (to 民政局, revoked since).
    const grant = await lineage.locator('[data-test=lineage-grant]').first().innerText()
    assert.match(grant, /区民政局/)
    assert.match(grant, /已撤销|有效|已过期/, 'the grant status in words, not its code')
    assert.doesNotMatch(grant, /revoked|active|expired/)
    await page.waitForLoadState('networkidle')
    await screenshot(page, 'resource-lineage-graph', { fullPage: true })
    s.assertClean()
  } finally {
    await s.close()
  }
})

test('the sharing lists page on the server', async () => {
  // Twelve credentials for 民政局: two pages of ten.
  const token = await tokenFor('dept_user')
  const before = await api('GET', '/api/v1/sharing/credentials?page_size=1', { token })
  for (let i = before.total; i < 12; i++) await api('POST', '/api/v1/sharing/credentials', { token, body: { name: `paging-${i}` } })
  const all = (await api('GET', '/api/v1/sharing/credentials?page_size=1', { token })).total
  assert.ok(all >= 12)
  const s = await openSession()
  try {
    const { page } = s
    await login(page, 'dept_user')
    await page.locator('[data-test=menu-sharing]').click()
    await page.locator('#tab-credentials').click()
    const rows = page.locator('[data-test=creds-table] .el-table__row')
    await rows.first().waitFor()
    await page.waitForLoadState('networkidle')
    await expectCount(rows, 10)
    const pager = page.locator('[data-test=creds-pager]')
    assert.match(await pager.innerText(), new RegExp(`共 ${all} 条`))
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/sharing/credentials?') && r.url().includes('page=2')),
      pager.locator('.btn-next').click(),
    ])
    assert.equal(res.status(), 200)
    await page.waitForLoadState('networkidle')
    await expectCount(rows, all - 10)
    await screenshot(page, 'sharing-credentials-page2')
    // The other lists carry their pager and total too.
    await page.locator('#tab-grants').click()
    await page.locator('[data-test=grants-pager]', { hasText: /共 \d+ 条/ }).waitFor()
    await page.locator('#tab-mine').click()
    await page.locator('[data-test=apps-pager]', { hasText: /共 \d+ 条/ }).waitFor()
    await page.locator('#tab-usage').click()
    await page.locator('[data-test=usage-pager]', { hasText: /共 \d+ 条/ }).waitFor()
    s.assertClean()
  } finally {
    await s.close()
  }
})
