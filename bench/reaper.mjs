/**
 * Last line of defence for bench/run.mjs: a small sidecar that knows the pids of the processes the harness did
 * not fork itself (workerd, nginx) and its temporary directories. run.mjs sends { add | remove: pid } and
 * { addDir | removeDir: path }; when the IPC channel closes without a { done: true } first (the harness crashed
 * or was killed, even with SIGKILL), the reaper sends SIGTERM, then SIGKILL after 2 s, to each pid still
 * registered, removes the directories, and exits. Ctrl-C is left to the harness.
 */
import fs from 'node:fs'

const pids = new Set()
const dirs = new Set()
let done = false

process.on('message', (m) => {
  if (m?.add) pids.add(m.add)
  if (m?.remove) pids.delete(m.remove)
  if (m?.addDir) dirs.add(m.addDir)
  if (m?.removeDir) dirs.delete(m.removeDir)
  if (m?.done) done = true
})
process.on('SIGINT', () => {}) // the harness handles Ctrl-C and then lets us go
process.on('disconnect', async () => {
  if (done || (pids.size === 0 && dirs.size === 0)) process.exit(0)
  const alive = (pid) => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGTERM')
  await new Promise((r) => setTimeout(r, 2000))
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL')
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
  process.exit(0)
})
