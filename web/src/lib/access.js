// Which role sees which page. A page is shown when the role may call the page's main API route,
// as the server's OpenAPI document says (x-yishu-roles). A page whose route the server does not
// offer is hidden from the menu and its URL answers "forbidden" — except the overview, which works
// on what exists and falls back to a static list of roles.
import { capabilities, roleMay, hasRoute } from './api'

export const GOVERNMENT_ROLES = [
  'platform_admin',
  'dept_steward',
  'dept_user',
  'security_auditor',
  'authorized_operator',
]
const LEADERSHIP_ROLES = ['platform_admin', 'dept_steward', 'dept_user', 'security_auditor']

// menu key → {routes: probes, fallback: roles when none of the probes exists (null = hide)}
const PAGES = {
  home: { always: true },
  overview: { routes: ['GET /api/v1/overview'], fallback: LEADERSHIP_ROLES },
  catalogue: { routes: ['GET /api/v1/resources'], fallback: null },
  standards: { routes: ['GET /api/v1/standards/elements'], fallback: null },
  users: { routes: ['GET /api/v1/users'], fallback: null },
  audit: { routes: ['GET /api/v1/audit/events'], fallback: null },
  batches: { routes: ['GET /api/v1/resources/{code}/batches'], fallback: null },
  quality: { routes: ['GET /api/v1/quality/tickets'], fallback: null },
  sharing: { routes: ['GET /api/v1/sharing/applications'], fallback: null },
  keys: { routes: ['GET /api/v1/security/keys'], fallback: null },
  base: { routes: ['GET /api/v1/masterdata/{subject}/golden'], fallback: null },
  review: { routes: ['GET /api/v1/masterdata/{subject}/review'], fallback: null },
}

export function canSee(page, role) {
  const p = PAGES[page]
  if (!p || !role) return false
  if (p.always) return true
  if (!capabilities.loaded) return false
  const present = p.routes.filter((r) => hasRoute(r))
  if (present.length) return present.some((r) => roleMay(r, role))
  return Array.isArray(p.fallback) && p.fallback.includes(role)
}

// The console's menu, grouped; labels are i18n keys; icons are names from @element-plus/icons-vue.
export const MENU = [
  { key: 'home', path: '/', label: 'nav.home', icon: 'HomeFilled' },
  { key: 'overview', path: '/overview', label: 'nav.overview', icon: 'DataBoard' },
  {
    group: 'nav.governance',
    icon: 'Collection',
    items: [
      { key: 'catalogue', path: '/catalogue', label: 'nav.catalogue', icon: 'Folder' },
      { key: 'standards', path: '/standards', label: 'nav.standards', icon: 'Stamp' },
      { key: 'batches', path: '/batches', label: 'nav.batches', icon: 'Upload' },
      { key: 'quality', path: '/quality', label: 'nav.quality', icon: 'Tickets' },
      { key: 'review', path: '/review', label: 'nav.review', icon: 'Checked' },
    ],
  },
  { key: 'base', path: '/base', label: 'nav.base', icon: 'User' },
  { key: 'sharing', path: '/sharing', label: 'nav.sharing', icon: 'Share' },
  {
    group: 'nav.security',
    icon: 'Lock',
    items: [
      { key: 'users', path: '/users', label: 'nav.users', icon: 'Avatar' },
      { key: 'audit', path: '/audit', label: 'nav.audit', icon: 'Document' },
      { key: 'keys', path: '/keys', label: 'nav.keys', icon: 'Key' },
    ],
  },
]

export function visibleMenu(role) {
  const out = []
  for (const m of MENU) {
    if (m.group) {
      const items = m.items.filter((i) => canSee(i.key, role))
      if (items.length) out.push({ ...m, items })
    } else if (canSee(m.key, role)) {
      out.push(m)
    }
  }
  return out
}
