// Placeholder entry: wiring (config, database, logger, HTTP server) lands with the query API.
export {};
