/**
 * The load generator of bench/run.mjs, in its own process: autocannon's programmatic API, one run per process.
 * Apart from the harness because the harness also drains workerd's stdout (the access log): a load generator on
 * the same event loop reads that pipe late, the pipe fills, and workerd's console.log blocks, which would be
 * charged to the system under test. Receives `{ url, connections, duration, headers }` over IPC, answers with the
 * autocannon result, and exits; exits at once when the parent goes away.
 */
import autocannon from 'autocannon'

process.once('message', (opts) => {
  const instance = autocannon({ ...opts, pipelining: 1, timeout: 10 }, (err, res) => {
    if (err) process.send({ error: String(err?.stack ?? err) }, () => process.exit(1))
    else process.send({ result: res }, () => process.exit(0))
  })
  process.once('SIGTERM', () => instance.stop())
})
process.on('disconnect', () => process.exit(0))
