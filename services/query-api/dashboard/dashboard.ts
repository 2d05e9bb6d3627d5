// Placeholder: the live dashboard script (compiled to dist/public/dashboard.js).
export {};
