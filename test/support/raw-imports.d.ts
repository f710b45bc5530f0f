/** Vite's `?raw` suffix imports a file's text; workers tests use it to read docs, as workerd has no file system. */
declare module '*?raw' {
  const text: string
  export default text
}
