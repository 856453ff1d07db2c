// The platform admin: menus, catalogue search, import a resource, view it, edit it (version 2
// in the history with a diff), create a resource with the form, create a user, validate values.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, openSession, screenshot, login, menuKeys, go } from './harness.mjs'

let s
let page
before(async () => {
  s = await openSession({ width: 1600, height: 900 })
  page = s.page
  await login(page, 'platform_admin')
})
after(async () => {
  await s.close()
})

// Picks an option in an Element Plus select (the dropdown is teleported to <body>).
async function choose(selectLocator, optionText) {
  await selectLocator.click()
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: optionText }).first()
  await option.click()
}

const runId = Date.now().toString(36).toUpperCase()
const IMPORTED = `WEB_IMP_${runId}`
const FORMED = `WEB_FORM_${runId}`

test('admin sees every console page in the menu', async () => {
  const keys = await menuKeys(page)
  for (const k of ['home', 'overview', 'catalogue', 'standards', 'users', 'audit', 'batches', 'quality', 'sharing', 'keys']) assert.ok(keys.includes(k), `menu lacks ${k}: ${keys}`)
  await screenshot(page, 'home-admin')
  s.assertClean()
})

test('catalogue lists and searches resources (server paging)', async () => {
  await page.locator('[data-test=menu-catalogue]').click()
  const table = page.locator('[data-test=cat-table]')
  await table.locator('.el-table__row').first().waitFor()
  assert.ok((await table.locator('.el-table__row').count()) >= 8)
  assert.match(await page.locator('[data-test=cat-pager]').innerText(), /共\s*\d+\s*条/)
  await screenshot(page, 'catalogue')
  await page.locator('[data-test=cat-q]').fill('户籍')
  await page.locator('[data-test=cat-search]').click()
  await page.waitForURL(/q=/)
  await page.waitForLoadState('networkidle')
  const text = await table.innerText()
  assert.match(text, /户籍人口信息/)
  assert.doesNotMatch(text, /医疗机构名录/)
  s.assertClean()
})

test('admin imports a resource and opens its page', async () => {
  await go(page, '/catalogue')
  await page.locator('[data-test=cat-import]').click()
  const yaml = [
    'resources:',
    `  - code: ${IMPORTED}`,
    '    name: 网页测试导入资源',
    '    department: SC',
    '    subject: legal_entity',
    '    share_type: 无条件共享',
    '    open_type: 无条件开放',
    '    tags: [测试]',
    '    fields:',
    '      - {name: uscc, label: 统一社会信用代码, element: uscc, key: true}',
    '      - {name: org_name, label: 企业名称, element: org_name}',
    '      - {name: note, label: 备注}',
  ].join('\n')
  await page.locator('[data-test=import-text]').fill(yaml)
  await page.locator('[data-test=import-submit]').click()
  await page.locator('.el-message--success', { hasText: '导入完成' }).waitFor()
  await page.locator('[data-test=cat-q]').fill(IMPORTED)
  await page.locator('[data-test=cat-search]').click()
  await page.waitForURL(new RegExp(`q=${IMPORTED}`))
  await page.locator(`a:has-text("${IMPORTED}")`).click()
  await page.waitForURL(new RegExp(`/catalogue/${IMPORTED}$`))
  await page.locator('[data-test=res-fields]').waitFor()
  await page.waitForLoadState('networkidle')
  assert.equal(await page.locator('[data-test=res-name]').innerText(), '网页测试导入资源')
  assert.equal(await page.locator('[data-test=res-version]').innerText(), 'v1')
  // uscc's authoritative source is SC_ENTERPRISE (一数一源): this field is a copy.
  assert.match(await page.locator('[data-test=badge-copy]').first().innerText(), /SC_ENTERPRISE\.uscc/)
  await screenshot(page, 'resource')
  s.assertClean()
})

test('admin edits the resource: version 2 appears in the history with a diff', async () => {
  await page.locator('[data-test=res-edit]').click()
  const name = page.locator('[data-test=ed-name]')
  await name.fill('网页测试导入资源（已修改）')
  await page.locator('[data-test=ed-description]').fill('由浏览器测试修改')
  await page.locator('[data-test=ed-save]').click()
  await page.locator('[data-test=res-version]', { hasText: 'v2' }).waitFor()
  assert.equal(await page.locator('[data-test=res-name]').innerText(), '网页测试导入资源（已修改）')
  assert.equal(await page.locator('[data-test=res-description]').innerText(), '由浏览器测试修改')
  const versions = page.locator('[data-test=versions]')
  await versions.locator('[data-test=version-2]').waitFor()
  assert.ok(await versions.locator('[data-test=version-1]').isVisible())
  await page.locator('[data-test=diff-prev-2]').click()
  const diff = page.locator('[data-test=diff]')
  await diff.waitFor()
  const text = await diff.innerText()
  assert.match(text, /版本 1 → 2 的差异/)
  assert.match(text, /name/)
  assert.match(text, /网页测试导入资源（已修改）/)
  assert.match(text, /description/)
  // Any two versions: tick both and compare.
  const boxes = versions.locator('.el-table__body .el-checkbox')
  await boxes.nth(0).click()
  await boxes.nth(1).click()
  await page.locator('[data-test=compare]').click()
  await page.locator('[data-test=diff]', { hasText: '版本 1 → 2 的差异' }).waitFor()
  await screenshot(page, 'resource-versions', { fullPage: true })
  s.assertClean()
})

test('admin creates a resource with the form', async () => {
  await go(page, '/catalogue')
  await page.locator('[data-test=cat-new]').click()
  const dlg = page.locator('[data-test=resource-editor]')
  await dlg.waitFor()
  await page.locator('[data-test=ed-code]').fill(FORMED)
  await page.locator('[data-test=ed-name]').fill('表单新建资源')
  await choose(page.locator('[data-test=ed-department]'), '区卫生健康局')
  const firstField = dlg.locator('.el-table__body .el-table__row').first().locator('input')
  await firstField.nth(0).fill('case_no')
  await firstField.nth(1).fill('病例编号')
  await screenshot(page, 'resource-create')
  await page.locator('[data-test=ed-save]').click()
  await page.waitForURL(new RegExp(`/catalogue/${FORMED}$`))
  await page.locator('[data-test=res-version]', { hasText: 'v1' }).waitFor()
  assert.equal(await page.locator('[data-test=res-name]').innerText(), '表单新建资源')
  assert.match(await page.locator('[data-test=res-def]').innerText(), /区卫生健康局/)
  s.assertClean()
})

test('admin creates a user', async () => {
  await page.locator('[data-test=menu-users]').click()
  await page.locator('[data-test=users-table] .el-table__row').first().waitFor()
  await page.locator('[data-test=user-new]').click()
  const username = `web_${runId.toLowerCase()}`
  await page.locator('[data-test=nu-username]').fill(username)
  await page.locator('[data-test=nu-name]').fill('网页测试用户')
  await choose(page.locator('[data-test=nu-role]'), '部门用户')
  await choose(page.locator('[data-test=nu-dept]'), '区民政局')
  await page.locator('[data-test=nu-password]').fill('Web-user-2026!')
  await page.locator('[data-test=nu-submit]').click()
  const row = page.locator('[data-test=users-table] .el-table__row', { hasText: username })
  await row.waitFor()
  const text = await row.innerText()
  assert.match(text, /网页测试用户/)
  assert.match(text, /部门用户/)
  assert.match(text, /区民政局/)
  await screenshot(page, 'users')
  s.assertClean()
})

// GB 11643 check digit.
function idCard(body17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body17].reduce((a, c, i) => a + Number(c) * w[i], 0)
  return body17 + '10X98765432'[sum % 11]
}

test('standards browser and the validate box', async () => {
  await page.locator('[data-test=menu-standards]').click()
  const table = page.locator('[data-test=std-table]')
  await table.locator('.el-table__row', { hasText: 'id_card' }).waitFor()
  await page.locator('[data-test=std-filter]').fill('身份')
  assert.match(await table.innerText(), /公民身份号码/)
  const good = idCard('11010119900307123')
  const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0')
  await page.locator('[data-test=val-value]').fill(good)
  await page.locator('[data-test=val-submit]').click()
  await page.locator('[data-test=val-result]', { hasText: '符合标准' }).waitFor()
  assert.doesNotMatch(await page.locator('[data-test=val-result]').innerText(), /不符合/)
  await page.locator('[data-test=val-value]').fill(bad)
  await page.locator('[data-test=val-submit]').click()
  await page.locator('[data-test=val-result]', { hasText: '不符合标准' }).waitFor()
  await screenshot(page, 'standards')
  await table.locator('.el-table__row', { hasText: 'id_card' }).click()
  await page.locator('[data-test=std-detail]').waitFor()
  await screenshot(page, 'standards-element')
  s.assertClean()
})
