// Types of tools/listing.mjs for the TypeScript tests.
export function readmeImages(markdown: string): string[];
export function walkthroughMedia(pkg: unknown): string[];
export function listingFiles(pkg: unknown, readme: string): string[];
