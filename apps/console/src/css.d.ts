// esbuild bundles imported style sheets into app.css; the import itself has no value.
declare module '*.css';
