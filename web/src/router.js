// Routes: every page is its own chunk, loaded on first visit.
import { createRouter, createWebHistory } from 'vue-router'
import { session, loadCapabilities, setUnauthenticatedHandler } from './lib/api'
import { canSee } from './lib/access'
// The sign-in page is what a cold visit shows first: bundled with the entry to save a round trip.
import Login from './pages/Login.vue'

const Layout = () => import('./pages/Layout.vue')

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: Login, meta: { public: true } },
    { path: '/overview', name: 'overview', component: () => import('./pages/Overview.vue'), meta: { page: 'overview' } },
    {
      path: '/',
      component: Layout,
      children: [
        { path: '', name: 'home', component: () => import('./pages/Home.vue'), meta: { page: 'home' } },
        { path: 'catalogue', name: 'catalogue', component: () => import('./pages/Catalogue.vue'), meta: { page: 'catalogue' } },
        { path: 'catalogue/:code', name: 'resource', component: () => import('./pages/Resource.vue'), meta: { page: 'catalogue' } },
        { path: 'standards', name: 'standards', component: () => import('./pages/Standards.vue'), meta: { page: 'standards' } },
        { path: 'users', name: 'users', component: () => import('./pages/Users.vue'), meta: { page: 'users' } },
        { path: 'audit', name: 'audit', component: () => import('./pages/Audit.vue'), meta: { page: 'audit' } },
        { path: 'batches', name: 'batches', component: () => import('./pages/Batches.vue'), meta: { page: 'batches' } },
        { path: 'batches/:id(\\d+)', name: 'batch', component: () => import('./pages/Batch.vue'), meta: { page: 'batches' } },
        { path: 'quality', name: 'quality', component: () => import('./pages/Quality.vue'), meta: { page: 'quality' } },
        { path: 'sharing', name: 'sharing', component: () => import('./pages/Sharing.vue'), meta: { page: 'sharing' } },
        { path: 'keys', name: 'keys', component: () => import('./pages/Keys.vue'), meta: { page: 'keys' } },
        { path: 'base', name: 'base', component: () => import('./pages/Base.vue'), meta: { page: 'base' } },
        { path: 'review', name: 'review', component: () => import('./pages/Review.vue'), meta: { page: 'review' } },
        { path: 'forbidden', name: 'forbidden', component: () => import('./pages/Forbidden.vue'), meta: { page: 'home' } },
        { path: ':pathMatch(.*)*', redirect: '/' },
      ],
    },
  ],
})

setUnauthenticatedHandler(() => {
  if (router.currentRoute.value.name !== 'login') {
    router.replace({ name: 'login', query: { next: router.currentRoute.value.fullPath } })
  }
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!session.token) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  await loadCapabilities().catch(() => {})
  if (to.meta.page && !canSee(to.meta.page, session.user?.role)) return { name: 'forbidden' }
  return true
})
