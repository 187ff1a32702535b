export declare const RESOLVE_CONDITIONS: string[];
export declare function terserOptions(opts?: { module?: boolean }): Record<string, unknown>;
export declare function eagerCode(output: readonly ({ type: 'chunk'; fileName: string; isEntry: boolean; imports: string[]; code: string } | { type: 'asset' })[]): string;
