// Differences between two versions of a resource definition, as rows {what, before, after}.
const TOP = [
  'name', 'description', 'department', 'system', 'subject', 'update_cycle', 'share_type',
  'share_condition', 'open_type', 'open_condition', 'security_level',
]
const FIELD_ATTRS = ['label', 'type', 'element', 'nullable', 'key', 'sensitivity', 'authoritative']

function show(v) {
  if (v === undefined || v === null) return ''
  if (Array.isArray(v)) return v.join(', ')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

export function diffResources(a, b) {
  const rows = []
  for (const k of TOP) {
    if (show(a[k]) !== show(b[k])) rows.push({ kind: 'changed', what: k, before: show(a[k]), after: show(b[k]) })
  }
  if (show(a.tags) !== show(b.tags)) rows.push({ kind: 'changed', what: 'tags', before: show(a.tags), after: show(b.tags) })
  const ca = a.classification || {}
  const cb = b.classification || {}
  for (const k of ['category', 'item', 'entry', 'sub_entry']) {
    if (show(ca[k]) !== show(cb[k])) rows.push({ kind: 'changed', what: `classification.${k}`, before: show(ca[k]), after: show(cb[k]) })
  }
  const fa = new Map((a.fields || []).map((f) => [f.name, f]))
  const fb = new Map((b.fields || []).map((f) => [f.name, f]))
  for (const [name, f] of fa) {
    if (!fb.has(name)) {
      rows.push({ kind: 'removed', what: `fields.${name}`, before: `${f.label} (${f.type})`, after: '' })
      continue
    }
    const g = fb.get(name)
    for (const k of FIELD_ATTRS) {
      if (show(f[k]) !== show(g[k])) rows.push({ kind: 'changed', what: `fields.${name}.${k}`, before: show(f[k]), after: show(g[k]) })
    }
  }
  for (const [name, g] of fb) {
    if (!fa.has(name)) rows.push({ kind: 'added', what: `fields.${name}`, before: '', after: `${g.label} (${g.type})` })
  }
  const order = (x) => (x.fields || []).map((f) => f.name).filter((n) => (x === a ? fb : fa).has(n)).join(',')
  if (order(a) !== order(b)) rows.push({ kind: 'changed', what: 'fields (order)', before: order(a), after: order(b) })
  return rows
}
