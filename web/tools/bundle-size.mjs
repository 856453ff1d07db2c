// Prints the size of what the first page load fetches (index.html's scripts, module preloads
// and stylesheets), raw and gzipped, and the largest lazy chunks.   npm run size
import { readFileSync, readdirSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])
const size = (f) => {
  const b = readFileSync(join(dist, f))
  return { raw: b.length, gz: gzipSync(b, { level: 9 }).length }
}
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KiB'
let raw = 0
let gz = 0
console.log('initial load (index.html):')
for (const f of initial) {
  const s = size(f)
  raw += s.raw
  gz += s.gz
  console.log(`  ${f.padEnd(44)} ${kb(s.raw)} ${kb(s.gz)} gz`)
}
console.log(`  ${'total'.padEnd(44)} ${kb(raw)} ${kb(gz)} gz`)
const lazy = readdirSync(join(dist, 'assets'))
  .map((f) => `assets/${f}`)
  .filter((f) => !initial.includes(f) && /\.(js|css)$/.test(f))
  .map((f) => ({ f, ...size(f) }))
  .sort((a, b) => b.gz - a.gz)
console.log('largest lazy chunks:')
for (const s of lazy.slice(0, 8)) console.log(`  ${s.f.padEnd(44)} ${kb(s.raw)} ${kb(s.gz)} gz`)
