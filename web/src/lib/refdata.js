// Reference data shared by pages: departments (names in both languages), cached per session.
import { reactive } from 'vue'
import { get } from './api'
import { locale } from './i18n'

export const departments = reactive({ items: [], loaded: false })
let pending = null

export function loadDepartments(force = false) {
  if (force) pending = null
  if (!pending) {
    pending = get('/api/v1/departments')
      .then((r) => {
        departments.items = r.items || []
        departments.loaded = true
        return departments.items
      })
      .catch((e) => {
        pending = null
        throw e
      })
  }
  return pending
}

export function deptName(code) {
  if (!code) return ''
  const d = departments.items.find((x) => x.code === code)
  if (!d) return code
  return locale.value === 'en' && d.name_en ? d.name_en : d.name
}
