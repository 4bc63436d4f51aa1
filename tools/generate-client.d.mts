export const DOCUMENT: string;
export const SCHEMA: string;
export function schemaSource(document: unknown): Promise<string>;
