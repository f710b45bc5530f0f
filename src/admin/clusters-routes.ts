/**
 * @module Admin `GET /clusters`: every cluster of the live config as this isolate sees it (endpoints with
 * health and ejections, breakers, in-flight counts, retry and overflow counters), from src/upstream/isolate/status.ts.
 */
import { clusterStatus } from '../upstream/isolate/status.ts'
import { type AdminApp, type AdminDeps, liveSnapshot, onlyMethods } from './context.ts'

export function registerClustersRoutes(app: AdminApp, deps: AdminDeps): void {
  app.get('/clusters', async (c) => {
    const snapshot = await liveSnapshot(deps, c)
    return c.json({ version: snapshot?.version ?? null, ...(snapshot ? clusterStatus(snapshot.clusters, deps.now()) : { clusters: [] }) })
  })
  onlyMethods(app, '/clusters', ['GET'])
}
