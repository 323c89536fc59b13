// Placeholder entry module: the page engineer replaces it with the real bootstrap.
export {};
