// esbuild bundles a page's stylesheet from its `import './x.css'` into web/dist/<page>.css.
declare module '*.css';
