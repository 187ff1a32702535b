/** Which browser the candidate runs, from the user-agent string (brands are not in every browser). */
export type BrowserFamily = 'chrome' | 'edge' | 'firefox' | 'safari' | 'opera' | 'other';

export interface BrowserInfo {
  family: BrowserFamily;
  /** Human name, e.g. "Chrome". */
  name: string;
  /** Major version, or null when the UA does not say. */
  major: number | null;
}

const PATTERNS: { family: BrowserFamily; name: string; re: RegExp }[] = [
  // Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
  { family: 'edge', name: 'Edge', re: /Edg(?:e|A|iOS)?\/(\d+)/ },
  { family: 'opera', name: 'Opera', re: /OPR\/(\d+)/ },
  { family: 'firefox', name: 'Firefox', re: /(?:Firefox|FxiOS)\/(\d+)/ },
  { family: 'chrome', name: 'Chrome', re: /(?:Chrome|Chromium|CriOS)\/(\d+)/ },
  { family: 'safari', name: 'Safari', re: /Version\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\// },
];

export function detectBrowser(userAgent: string): BrowserInfo {
  for (const { family, name, re } of PATTERNS) {
    const m = re.exec(userAgent);
    if (m) return { family, name, major: Number(m[1]) };
  }
  return { family: 'other', name: 'your browser', major: null };
}

/** Oldest major versions the widget is tested against (getUserMedia, MediaRecorder, WebAssembly SIMD). */
export const MIN_BROWSER_VERSIONS: Record<Exclude<BrowserFamily, 'other'>, number> = {
  chrome: 100,
  edge: 100,
  opera: 86,
  firefox: 100,
  safari: 15,
};
