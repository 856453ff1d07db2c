// Display helpers.
export function fmtTime(s) {
  if (!s) return ''
  const d = new Date(s)
  if (Number.isNaN(d.getTime())) return String(s)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

export function fmtNumber(n) {
  if (n === undefined || n === null || n === '') return '—'
  return Number(n).toLocaleString('zh-CN')
}

export const LEVEL_COLORS = { L1: '#67c23a', L2: '#409eff', L3: '#e6a23c', L4: '#f56c6c' }
export function levelTag(level) {
  return { L1: 'success', L2: 'primary', L3: 'warning', L4: 'danger' }[level] || 'info'
}

// Turns an API error into a message for a person.
export function errText(e) {
  if (!e) return ''
  if (e.code && e.message) return `${e.message} (${e.code})`
  return e.message || String(e)
}
