/**
 * @module A progress line on stderr while wrangler works: animated on a terminal, one plain line otherwise
 * (logs and CI stay readable). Never writes to stdout.
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const FRAME_MS = 80

export interface Progress {
  /** Shows `label` while `work` runs. */
  run<T>(label: string, work: () => Promise<T>): Promise<T>
}

export function createProgress(stream: NodeJS.WriteStream): Progress {
  return {
    async run(label, work) {
      if (!stream.isTTY) {
        stream.write(`… ${label}\n`)
        return work()
      }
      let i = 0
      const draw = () => stream.write(`\r\x1b[2K${FRAMES[i++ % FRAMES.length]} ${label}`)
      draw()
      const timer = setInterval(draw, FRAME_MS)
      try {
        return await work()
      } finally {
        clearInterval(timer)
        stream.write('\r\x1b[2K')
      }
    },
  }
}
