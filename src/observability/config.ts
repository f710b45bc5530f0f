/** @module Observability settings (top-level `observability:` in the route table): stats, access log, tracing. */
import { z } from 'zod'

export const observabilitySettings = z.strictObject({})
export type ObservabilitySettings = z.output<typeof observabilitySettings>
