export declare const RESOLVE_CONDITIONS: string[];
export declare function terserOptions(opts?: { module?: boolean }): Record<string, unknown>;
