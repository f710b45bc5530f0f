/** @module Worker entry: wiring only. */
export default {
  async fetch(): Promise<Response> {
    return new Response('todo')
  },
} satisfies ExportedHandler
