/** See floor.js. */
type FloorHandler = (request: Request, env: { UPSTREAM: string; MIRROR?: string }, ctx: ExecutionContext) => Promise<Response>
export declare const FLOOR: Record<string, FloorHandler>
export declare function plainWorker(options?: { req?: string; res?: string; timer?: string; url?: string; minimal?: boolean; mirror?: boolean }): FloorHandler
export declare function cacheHitWorker(options?: { pairs?: boolean; logged?: boolean }): FloorHandler
declare const worker: { fetch(request: Request, env: { UPSTREAM: string; MIRROR?: string; FLOOR: string }, ctx: ExecutionContext): Promise<Response> }
export default worker
